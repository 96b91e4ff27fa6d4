"""the data-sharing agreements' access level (read or write): the agreements in force stay write

Revision ID: levels_0001
Revises: kit_0002
Create Date: 2026-12-02
"""
from alembic import op

from haven_kernel.migrations import add_sharing_levels, drop_sharing_levels

revision = "levels_0001"
down_revision = "kit_0002"
branch_labels = None
depends_on = None


def upgrade():
    add_sharing_levels(op)


def downgrade():
    drop_sharing_levels(op)
