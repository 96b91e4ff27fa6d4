"""event archive, site profiles, site counters, household facts, outbox and inbox

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

from haven_kernel.db import BigId
from haven_kernel.migrations import create_kernel_tables, drop_kernel_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "archived_events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin_org", sa.String(50)),
        sa.Column("envelope", sa.JSON(), nullable=False),
        sa.UniqueConstraint("event_id", name="uq_archived_events_event_id"),
    )
    op.create_table(
        "site_profiles",
        sa.Column("site_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200)),
        sa.Column("code", sa.String(50)),
        sa.Column("site_type", sa.String(30)),
        sa.Column("adm1", sa.String(100)),
        sa.Column("adm2", sa.String(100)),
        sa.Column("lat", sa.Float()),
        sa.Column("lon", sa.Float()),
        sa.Column("status", sa.String(20)),
        sa.Column("managing_agency", sa.String(50)),
        sa.Column("opened_on", sa.Date()),
        sa.Column("area_m2", sa.Float()),
        sa.Column("details_as_of", sa.DateTime(timezone=True)),
        sa.Column("units_total", sa.Integer()),
        sa.Column("units_available", sa.Integer()),
        sa.Column("capacity_persons", sa.Integer()),
        sa.Column("covered_area_m2", sa.Float()),
        sa.Column("capacity_as_of", sa.DateTime(timezone=True)),
        sa.Column("services", sa.JSON()),
        sa.Column("services_as_of", sa.Date()),
        sa.Column("services_occurred_at", sa.DateTime(timezone=True)),
        sa.Column("last_full_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "site_counters",
        sa.Column("site_id", sa.String(36), primary_key=True),
        sa.Column("dimension", sa.String(40), primary_key=True),
        sa.Column("key", sa.String(60), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "household_facts",
        sa.Column("household_id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.String(36)),
        sa.Column("status", sa.String(20)),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("org", sa.String(50)),
        sa.Column("by_sex_age", sa.JSON()),
        sa.Column("specific_needs", sa.JSON()),
        sa.Column("shelter", sa.JSON(), nullable=False),
    )
    create_kernel_tables(op)


def downgrade():
    drop_kernel_tables(op)
    op.drop_table("household_facts")
    op.drop_table("site_counters")
    op.drop_table("site_profiles")
    op.drop_table("archived_events")
