"""protection's aggregate view: protection_cases, protection_referrals, protection_follow_ups

Revision ID: protection_0001
Revises: needs_0001
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "protection_0001"
down_revision = "needs_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "protection_cases",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("case_type", sa.String(30), nullable=False),
        sa.Column("risk", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("site_id", sa.String(36)),
        sa.Column("adm1", sa.String(100)),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "protection_referrals",
        sa.Column("referral_id", sa.String(36), primary_key=True),
        sa.Column("case_type", sa.String(30), nullable=False),
        sa.Column("service_type", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("consent_override", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "protection_follow_ups",
        sa.Column("follow_up_id", sa.String(36), primary_key=True),
        sa.Column("need", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("site_id", sa.String(36)),
        sa.Column("adm1", sa.String(100)),
        sa.Column("version", sa.Integer(), nullable=False),
    )


def downgrade():
    for table in ("protection_follow_ups", "protection_referrals", "protection_cases"):
        op.drop_table(table)
