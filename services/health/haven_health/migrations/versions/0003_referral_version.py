"""a referral carries a version (1 when made, one more at each step) for optimistic concurrency (expected_version)

Revision ID: 0003_referral_version
Revises: 0002
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_referral_version"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("referrals") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade():
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("version")
