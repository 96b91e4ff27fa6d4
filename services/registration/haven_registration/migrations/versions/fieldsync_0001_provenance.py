"""offline field sync: a household's provenance (collected_at, place, enumerator and device ids) and the kernel's
field_sync_keys table (the keys devices synced records with, kept beyond the RPC inbox's 24 hours)

Revision ID: fieldsync_0001
Revises: faults_0001
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

from haven_kernel.migrations import create_field_sync_table, drop_field_sync_table

revision = "fieldsync_0001"
down_revision = "faults_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("households") as batch:
        batch.add_column(sa.Column("collected_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("collected_place", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("enumerator_id", sa.String(100), nullable=True))
        batch.add_column(sa.Column("device_id", sa.String(100), nullable=True))
    create_field_sync_table(op)


def downgrade():
    drop_field_sync_table(op)
    with op.batch_alter_table("households") as batch:
        for column in ("device_id", "enumerator_id", "collected_place", "collected_at"):
            batch.drop_column(column)
