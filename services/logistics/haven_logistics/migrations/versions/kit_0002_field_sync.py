"""offline field sync of distributions: a distribution's provenance (collected_at, place, enumerator_id,
device_id; kept, never published) and the kernel's field_sync_keys table (sync_distributions)

Revision ID: kit_0002
Revises: kit_0001
Create Date: 2026-12-02
"""
from alembic import op

from haven_kernel.migrations import (add_provenance_columns, create_field_sync_table, drop_field_sync_table,
                                     drop_provenance_columns)

revision = "kit_0002"
down_revision = "kit_0001"
branch_labels = None
depends_on = None


def upgrade():
    add_provenance_columns(op, "distributions")
    create_field_sync_table(op)


def downgrade():
    drop_field_sync_table(op)
    drop_provenance_columns(op, "distributions")
