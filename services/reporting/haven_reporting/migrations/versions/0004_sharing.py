"""the kernel's data-sharing tables (agreements, their insert-only log, the lead's insert-only access audit)

Revision ID: 0004
Revises: logistics_0001
Create Date: 2026-12-01
"""
from alembic import op

from haven_kernel.migrations import create_sharing_tables, drop_sharing_tables

revision = "0004"
down_revision = "logistics_0001"
branch_labels = None
depends_on = None


def upgrade():
    create_sharing_tables(op)


def downgrade():
    drop_sharing_tables(op)
