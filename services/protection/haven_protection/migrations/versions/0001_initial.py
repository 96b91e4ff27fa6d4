"""sites replica, cases, case actions, referrals, transfers, the insert-only access log, follow-ups; outbox, inbox

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from haven_contracts.shelter import SITE_REPLICA
from haven_kernel.migrations import create_kernel_tables, create_replica_table, drop_insert_only, drop_kernel_tables, \
    make_insert_only

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TZ = sa.DateTime(timezone=True)


def upgrade():
    create_replica_table(op, "sites", SITE_REPLICA)
    op.create_table(
        "cases",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_type", sa.String(30), nullable=False),
        sa.Column("household_id", sa.String(36)),
        sa.Column("member_id", sa.String(36)),
        sa.Column("person_sealed", sa.Text(), nullable=False),
        sa.Column("narrative_sealed", sa.Text()),
        sa.Column("concerns", sa.JSON(), nullable=False),
        sa.Column("specific_needs", sa.JSON(), nullable=False),
        sa.Column("risk", sa.String(10), nullable=False),
        sa.Column("uasc_status", sa.String(20)),
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("adm1", sa.String(100)),
        sa.Column("org", sa.String(50), nullable=False),
        sa.Column("caseworker", sa.String(200)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_dates", sa.JSON(), nullable=False),
        sa.Column("consent_services", sa.Boolean()),
        sa.Column("consent_services_at", sa.Date()),
        sa.Column("consent_services_by", sa.String(200)),
        sa.Column("consent_share", sa.Boolean()),
        sa.Column("consent_share_at", sa.Date()),
        sa.Column("consent_share_by", sa.String(200)),
        sa.Column("follow_up_id", sa.String(36)),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    for column in ("household_id", "site_id", "org", "caseworker"):
        op.create_index(f"ix_cases_{column}", "cases", [column])
    op.create_table(
        "case_actions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("service_type", sa.String(40)),
        sa.Column("provider_org", sa.String(50)),
        sa.Column("due_on", sa.Date()),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("note_sealed", sa.Text()),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", TZ, nullable=False),
    )
    op.create_index("ix_case_actions_case_id", "case_actions", ["case_id"])
    op.create_table(
        "referrals",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("from_org", sa.String(50), nullable=False),
        sa.Column("to_org", sa.String(50), nullable=False),
        sa.Column("service_type", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("assigned_to", sa.String(200)),
        sa.Column("consent_override", sa.Boolean(), nullable=False),
        sa.Column("override_reason_sealed", sa.Text()),
        sa.Column("override_by", sa.String(200)),
        sa.Column("made_by", sa.String(200), nullable=False),
        sa.Column("made_at", TZ, nullable=False),
        sa.Column("answered_by", sa.String(200)),
        sa.Column("answered_at", TZ),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_referrals_case_id", "referrals", ["case_id"])
    op.create_index("ix_referrals_to_org", "referrals", ["to_org"])
    op.create_table(
        "transfers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("from_org", sa.String(50), nullable=False),
        sa.Column("to_org", sa.String(50), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("made_by", sa.String(200), nullable=False),
        sa.Column("made_at", TZ, nullable=False),
        sa.Column("answered_by", sa.String(200)),
        sa.Column("answered_at", TZ),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_transfers_case_id", "transfers", ["case_id"])
    op.create_index("ix_transfers_to_org", "transfers", ["to_org"])
    op.create_table(
        "access_log",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("sub", sa.String(200), nullable=False),
        sa.Column("org", sa.String(50), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("case_org", sa.String(50), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("detail", sa.String(200), nullable=False),
    )
    for column in ("org", "case_id", "case_org"):
        op.create_index(f"ix_access_log_{column}", "access_log", [column])
    make_insert_only(op, "access_log")
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("household_id", sa.String(36), nullable=False),
        sa.Column("need", sa.String(10), nullable=False),
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("adm1", sa.String(100)),
        sa.Column("org", sa.String(50), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("case_id", sa.String(36)),
        sa.Column("close_reason_sealed", sa.Text()),
        sa.Column("closed_by", sa.String(200)),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("closed_at", TZ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("household_id", "need", name="uq_follow_ups_household_need"),
    )
    op.create_index("ix_follow_ups_site_id", "follow_ups", ["site_id"])
    op.create_index("ix_follow_ups_org", "follow_ups", ["org"])
    create_kernel_tables(op)


def downgrade():
    drop_kernel_tables(op)
    for table in ("follow_ups", "access_log", "transfers", "referrals", "case_actions", "cases", "sites"):
        op.drop_table(table)
    drop_insert_only(op, "access_log")
