"""offline field sync of distributions: a distribution's provenance (collected_at, place, enumerator_id,
device_id; kept, never published) and the kernel's field_sync_keys table (sync_distributions)

Revision ID: kit_0002
Revises: kit_0001
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

from haven_kernel.migrations import create_field_sync_table, drop_field_sync_table

revision = "kit_0002"
down_revision = "kit_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("distributions") as batch:
        batch.add_column(sa.Column("collected_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("place", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("enumerator_id", sa.String(100), nullable=True))
        batch.add_column(sa.Column("device_id", sa.String(100), nullable=True))
    create_field_sync_table(op)


def downgrade():
    drop_field_sync_table(op)
    with op.batch_alter_table("distributions") as batch:
        for column in ("device_id", "enumerator_id", "place", "collected_at"):
            batch.drop_column(column)
