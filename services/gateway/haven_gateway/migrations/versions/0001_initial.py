"""the kernel's outbox and inbox (the gateway keeps no records of its own)

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""
from alembic import op

from haven_kernel.migrations import create_kernel_tables, drop_kernel_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    create_kernel_tables(op)


def downgrade():
    drop_kernel_tables(op)
