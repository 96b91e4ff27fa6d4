"""facilities and their status history, weekly reports and their versions, case signals, alerts and their steps,
referrals, the site replica, household versions (counts), outbox and inbox

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from haven_kernel.migrations import create_kernel_tables, drop_kernel_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

INSERT_ONLY = ("facility_statuses", "report_versions", "alert_steps", "household_versions")
TABLES = ("alert_steps", "alerts", "case_signals", "facilities", "facility_statuses", "household_versions",
          "referrals", "report_versions", "sites", "weekly_reports")


def upgrade():
    op.create_table(
        "alert_steps",
        sa.Column("alert_id", sa.String(36), primary_key=True),
        sa.Column("step", sa.Integer(), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("by", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("dedupe_key", sa.String(200), nullable=True),
        sa.Column("rule_id", sa.String(80), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("syndrome", sa.String(50), nullable=True),
        sa.Column("detail", sa.String(300), nullable=False),
        sa.Column("place", sa.String(60), nullable=False),
        sa.Column("site_id", sa.String(36), nullable=True),
        sa.Column("facility_id", sa.String(36), nullable=True),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("org", sa.String(50), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raised_by", sa.String(100), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by", sa.String(100), nullable=True),
        sa.Column("investigated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("investigated_by", sa.String(100), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(100), nullable=True),
        sa.UniqueConstraint('dedupe_key', name='uq_alerts_dedupe_key'),
    )
    op.create_index("ix_alerts_week", "alerts", ['week'])
    op.create_index("ix_alerts_place", "alerts", ['place'])
    op.create_index("ix_alerts_status", "alerts", ['status'])
    op.create_table(
        "case_signals",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("facility_id", sa.String(36), nullable=False),
        sa.Column("place", sa.String(60), nullable=False),
        sa.Column("syndrome", sa.String(50), nullable=False),
        sa.Column("onset_date", sa.Date(), nullable=False),
        sa.Column("age_years", sa.Integer(), nullable=True),
        sa.Column("age_band", sa.String(10), nullable=True),
        sa.Column("sex", sa.String(10), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("severe_dehydration", sa.Boolean(), nullable=False),
        sa.Column("org", sa.String(50), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_case_signals_place", "case_signals", ['place'])
    op.create_index("ix_case_signals_onset_date", "case_signals", ['onset_date'])
    op.create_index("ix_case_signals_facility_id", "case_signals", ['facility_id'])
    op.create_table(
        "facilities",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("code", sa.String(30), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("facility_type", sa.String(40), nullable=False),
        sa.Column("site_id", sa.String(36), nullable=True),
        sa.Column("serves_site_ids", sa.JSON(), nullable=False),
        sa.Column("adm1", sa.String(100), nullable=True),
        sa.Column("adm2", sa.String(100), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("beds_total", sa.Integer(), nullable=True),
        sa.Column("beds_available", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("org", sa.String(50), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('code', name='uq_facilities_code'),
    )
    op.create_index("ix_facilities_site_id", "facilities", ['site_id'])
    op.create_index("ix_facilities_org", "facilities", ['org'])
    op.create_table(
        "facility_statuses",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("facility_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("changed_by", sa.String(100), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_facility_statuses_facility_id", "facility_statuses", ['facility_id'])
    op.create_table(
        "household_versions",
        sa.Column("household_id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("under_five", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_household_versions_site_id", "household_versions", ['site_id'])
    op.create_index("ix_household_versions_occurred_at", "household_versions", ['occurred_at'])
    op.create_table(
        "referrals",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("from_facility_id", sa.String(36), nullable=False),
        sa.Column("to_facility_id", sa.String(36), nullable=False),
        sa.Column("reason", sa.String(30), nullable=False),
        sa.Column("urgency", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("org", sa.String(50), nullable=False),
        sa.Column("referred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_referrals_from_facility_id", "referrals", ['from_facility_id'])
    op.create_index("ix_referrals_to_facility_id", "referrals", ['to_facility_id'])
    op.create_table(
        "report_versions",
        sa.Column("report_id", sa.String(36), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.String(100), nullable=False),
    )
    op.create_table(
        "sites",
        sa.Column("site_id", sa.String(36), primary_key=True),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("site_type", sa.String(30), nullable=False),
        sa.Column("adm1", sa.String(100), nullable=False),
        sa.Column("adm2", sa.String(100), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_table(
        "weekly_reports",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("facility_id", sa.String(36), nullable=False),
        sa.Column("place", sa.String(60), nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("first_received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("org", sa.String(50), nullable=False),
        sa.UniqueConstraint('facility_id', 'week', name='uq_weekly_reports_facility_week'),
    )
    op.create_index("ix_weekly_reports_place", "weekly_reports", ['place'])
    op.create_index("ix_weekly_reports_facility_id", "weekly_reports", ['facility_id'])
    op.create_index("ix_weekly_reports_week", "weekly_reports", ['week'])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION health_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is insert-only', TG_TABLE_NAME;
            END
            $$""")
        for table in INSERT_ONLY:
            op.execute(f"CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION health_insert_only()")
    create_kernel_tables(op)


def downgrade():
    drop_kernel_tables(op)
    if op.get_bind().dialect.name == "postgresql":
        for table in INSERT_ONLY:
            op.execute(f"DROP TRIGGER {table}_insert_only ON {table}")
        op.execute("DROP FUNCTION health_insert_only()")
    for table in TABLES:
        op.drop_table(table)
