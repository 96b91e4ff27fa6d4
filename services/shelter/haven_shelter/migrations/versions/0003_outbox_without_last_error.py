"""outbox_events without last_error (nothing wrote it); the kernel tables of a database created since lack it already

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from alembic import op

from haven_kernel.migrations import drop_outbox_last_error, restore_outbox_last_error

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    drop_outbox_last_error(op)


def downgrade():
    restore_outbox_last_error(op)
