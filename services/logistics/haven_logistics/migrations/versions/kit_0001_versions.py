"""versions: items, waybills and positions (reorder level and lead time) carry a ``version`` for optimistic
concurrency (``expected_version`` on put_item, set_stock_level and the waybill's changes of state); rows made
before start at 1

Revision ID: kit_0001
Revises: 0002
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "kit_0001"
down_revision = "0002"
branch_labels = None
depends_on = None
TABLES = ("items", "waybills", "positions")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
