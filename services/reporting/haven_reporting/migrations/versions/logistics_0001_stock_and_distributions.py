"""logistics' projection: warehouses, stock and pipeline per warehouse x item, distribution rounds, 3W activities

Revision ID: logistics_0001
Revises: health_0001
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "logistics_0001"
down_revision = "health_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "logistics_warehouses",
        sa.Column("warehouse_id", sa.String(36), primary_key=True),
        sa.Column("code", sa.String(30), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("adm1", sa.String(100), nullable=False),
        sa.Column("adm2", sa.String(100), nullable=False),
        sa.Column("site_id", sa.String(36)),
        sa.Column("org", sa.String(50), nullable=False),
    )
    op.create_table(
        "logistics_stock",
        sa.Column("warehouse_id", sa.String(36), primary_key=True),
        sa.Column("item_code", sa.String(40), primary_key=True),
        sa.Column("on_hand", sa.BigInteger(), nullable=False),
        sa.Column("ledger_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(20)),
        sa.Column("in_transit", sa.BigInteger()),
        sa.Column("weekly_consumption", sa.Float()),
        sa.Column("weeks_of_cover", sa.Float()),
        sa.Column("lead_time_weeks", sa.Float()),
        sa.Column("status_as_of", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "logistics_rounds",
        sa.Column("round_id", sa.String(36), primary_key=True),
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("item_code", sa.String(40), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("org", sa.String(50), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("persons", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "logistics_activities",
        sa.Column("org", sa.String(50), primary_key=True),
        sa.Column("warehouse_id", sa.String(36), primary_key=True),
        sa.Column("activity", sa.String(40), primary_key=True),
        sa.Column("movements", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
    )


def downgrade():
    for table in ("logistics_activities", "logistics_rounds", "logistics_stock", "logistics_warehouses"):
        op.drop_table(table)
