"""the kernel's data-sharing tables for a database made before them (a no-op where 0001 already made them)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from alembic import op

from haven_kernel.migrations import create_sharing_tables, drop_sharing_tables

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    create_sharing_tables(op)


def downgrade():
    drop_sharing_tables(op)
