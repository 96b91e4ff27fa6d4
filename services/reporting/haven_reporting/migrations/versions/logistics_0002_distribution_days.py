"""logistics' distributions per round and day they were made (``distributed_on``: for a distribution recorded
offline, the day it was collected, not the day it synced); filled from logistics' archived events

Revision ID: logistics_0002
Revises: faults_0001
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "logistics_0002"
down_revision = "faults_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "logistics_distribution_days",
        sa.Column("round_id", sa.String(36), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
    )
    # A database that already has distributions: they are counted per day by replaying logistics' archive (the
    # reporting service's `rebuild`); a new database fills the table as the events come.


def downgrade():
    op.drop_table("logistics_distribution_days")
