"""rpc_requests: the kernel's RPC inbox (write requests applied once); a database created since has it already

Revision ID: faults_0001
Revises: 0004
Create Date: 2026-12-01
"""
from alembic import op

from haven_kernel.migrations import create_rpc_requests_table, drop_rpc_requests_table

revision = "faults_0001"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    create_rpc_requests_table(op)


def downgrade():
    drop_rpc_requests_table(op)
