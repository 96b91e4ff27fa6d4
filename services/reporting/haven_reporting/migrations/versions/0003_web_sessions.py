"""web_sessions: the dashboard's signed-in browsers (haven_kernel.web.Sessions), instead of the token in a cookie

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from alembic import op

from haven_kernel.migrations import create_web_sessions_table, drop_web_sessions_table

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    create_web_sessions_table(op)


def downgrade():
    drop_web_sessions_table(op)
