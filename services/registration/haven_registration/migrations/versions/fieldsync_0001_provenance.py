"""offline field sync: a household's provenance (collected_at, place, enumerator and device ids) and the kernel's
field_sync_keys table (the keys devices synced records with, kept beyond the RPC inbox's 24 hours)

Revision ID: fieldsync_0001
Revises: faults_0001
Create Date: 2026-12-02
"""
from alembic import op

from haven_kernel.migrations import (add_provenance_columns, create_field_sync_table, drop_field_sync_table,
                                     drop_provenance_columns)

revision = "fieldsync_0001"
down_revision = "faults_0001"
branch_labels = None
depends_on = None


def upgrade():
    add_provenance_columns(op, "households", place_column="collected_place")
    create_field_sync_table(op)


def downgrade():
    drop_field_sync_table(op)
    drop_provenance_columns(op, "households", place_column="collected_place")
