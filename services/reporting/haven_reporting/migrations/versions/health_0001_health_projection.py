"""health projection: facilities, weekly reports, assessed place-weeks, alerts, weekly cases (haven_reporting.health)

Revision ID: health_0001
Revises: protection_0001
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "health_0001"
down_revision = "protection_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "health_facilities",
        sa.Column("facility_id", sa.String(36), primary_key=True),
        sa.Column("code", sa.String(30), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("facility_type", sa.String(40), nullable=False),
        sa.Column("site_id", sa.String(36), nullable=True),
        sa.Column("adm1", sa.String(100), nullable=True),
        sa.Column("adm2", sa.String(100), nullable=True),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("status_history", sa.JSON(), nullable=False),
        sa.Column("org", sa.String(50), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "health_reports",
        sa.Column("report_id", sa.String(36), primary_key=True),
        sa.Column("facility_id", sa.String(36), nullable=False),
        sa.Column("site_id", sa.String(36), nullable=True),
        sa.Column("adm1", sa.String(100), nullable=True),
        sa.Column("adm2", sa.String(100), nullable=True),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
    )
    op.create_index("ix_health_reports_facility_id", "health_reports", ["facility_id"])
    op.create_index("ix_health_reports_week", "health_reports", ["week"])
    op.create_table(
        "health_place_weeks",
        sa.Column("place", sa.String(60), primary_key=True),
        sa.Column("week", sa.String(8), primary_key=True),
        sa.Column("site_id", sa.String(36), nullable=True),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
    )
    op.create_table(
        "health_alerts",
        sa.Column("alert_id", sa.String(36), primary_key=True),
        sa.Column("rule_id", sa.String(80), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("syndrome", sa.String(50), nullable=True),
        sa.Column("place", sa.String(60), nullable=False),
        sa.Column("site_id", sa.String(36), nullable=True),
        sa.Column("adm1", sa.String(100), nullable=True),
        sa.Column("adm2", sa.String(100), nullable=True),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_health_alerts_status", "health_alerts", ["status"])
    op.create_index("ix_health_place_weeks_week", "health_place_weeks", ["week"])
    op.create_table(
        "health_week_cases",
        sa.Column("week", sa.String(8), primary_key=True),
        sa.Column("syndrome", sa.String(50), primary_key=True),
        sa.Column("cases", sa.Integer(), nullable=False),
    )


def downgrade():
    for table in ("health_week_cases", "health_alerts", "health_place_weeks", "health_reports", "health_facilities"):
        op.drop_table(table)
