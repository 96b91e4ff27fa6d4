"""households, members, possible duplicates, site replica, outbox and inbox

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

from haven_kernel.migrations import create_kernel_tables, drop_kernel_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "households",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("registration_number", sa.String(20), nullable=False),
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("origin_adm1", sa.String(100)),
        sa.Column("origin_adm2", sa.String(100)),
        sa.Column("displacement_date", sa.Date()),
        sa.Column("phone", sa.String(40)),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("org", sa.String(50), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("departure_reason", sa.String(30)),
        sa.Column("departure_date", sa.Date()),
        sa.UniqueConstraint("registration_number", name="uq_households_registration_number"),
    )
    op.create_index("ix_households_site_id", "households", ["site_id"])
    op.create_index("ix_households_status", "households", ["status"])
    op.create_table(
        "members",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("household_id", sa.String(36), sa.ForeignKey("households.id", ondelete="CASCADE",
                                                              name="fk_members_household_id_households"),
                  nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("given_name", sa.String(100)),
        sa.Column("family_name", sa.String(100)),
        sa.Column("name_key", sa.String(210), nullable=False),
        sa.Column("phonetic_key", sa.String(100), nullable=False),
        sa.Column("sex", sa.String(10), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("date_of_birth_estimated", sa.Boolean(), nullable=False),
        sa.Column("relationship", sa.String(20), nullable=False),
        sa.Column("specific_needs", sa.JSON(), nullable=False),
    )
    op.create_index("ix_members_household_id", "members", ["household_id"])
    op.create_index("ix_members_name_key", "members", ["name_key"])
    op.create_index("ix_members_phonetic_key", "members", ["phonetic_key"])
    op.create_index("ix_members_household_position", "members", ["household_id", "position"])
    op.create_table(
        "possible_duplicates",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("household_id", sa.String(36), sa.ForeignKey("households.id", ondelete="CASCADE",
                                                              name="fk_possible_duplicates_household_id_households"),
                  nullable=False),
        sa.Column("member_id", sa.String(36), nullable=False),
        sa.Column("other_household_id", sa.String(36), nullable=False),
        sa.Column("other_member_id", sa.String(36), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("member_id", "other_member_id", name="uq_possible_duplicates_pair"),
    )
    op.create_index("ix_possible_duplicates_household_id", "possible_duplicates", ["household_id"])
    op.create_index("ix_possible_duplicates_other_household_id", "possible_duplicates", ["other_household_id"])
    op.create_table(
        "sites",
        sa.Column("site_id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("site_type", sa.String(30), nullable=False),
        sa.Column("adm1", sa.String(100), nullable=False),
        sa.Column("adm2", sa.String(100), nullable=False),
        sa.Column("lat", sa.Float()),
        sa.Column("lon", sa.Float()),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
    )
    create_kernel_tables(op)


def downgrade():
    drop_kernel_tables(op)
    op.drop_table("sites")
    op.drop_table("possible_duplicates")
    op.drop_table("members")
    op.drop_table("households")
