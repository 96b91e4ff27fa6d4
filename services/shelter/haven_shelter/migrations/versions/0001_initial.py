"""sites, shelter units, households, allocation history, site services, outbox and inbox

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""
import sqlalchemy as sa
from alembic import op

from haven_kernel.db import BigId
from haven_kernel.migrations import create_kernel_tables, drop_kernel_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sites",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("code", sa.String(50)),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("site_type", sa.String(30), nullable=False),
        sa.Column("adm1", sa.String(100), nullable=False),
        sa.Column("adm2", sa.String(100), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("managing_agency", sa.String(50), nullable=False),
        sa.Column("opened_on", sa.Date()),
        sa.Column("area_m2", sa.Float()),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("closed_reason", sa.String(500)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("queue_counter", sa.Integer(), nullable=False),
        sa.Column("unit_counter", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("code", name="uq_sites_code"),
    )
    op.create_index("ix_sites_site_type", "sites", ["site_type"])
    op.create_index("ix_sites_adm1", "sites", ["adm1"])
    op.create_index("ix_sites_status", "sites", ["status"])
    op.create_table(
        "shelter_units",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("site_id", sa.String(36), sa.ForeignKey("sites.id", name="fk_shelter_units_site_id_sites"),
                  nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("unit_type", sa.String(30), nullable=False),
        sa.Column("covered_area_m2", sa.Float(), nullable=False),
        sa.Column("capacity_persons", sa.Integer(), nullable=False),
        sa.Column("capacity_derived", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("site_id", "number", name="uq_shelter_units_site_id_number"),
    )
    op.create_index("ix_shelter_units_site_id", "shelter_units", ["site_id"])
    op.create_index("ix_shelter_units_site_id_status", "shelter_units", ["site_id", "status"])
    op.create_table(
        "households",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("registration_status", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("unit_id", sa.String(36),
                  sa.ForeignKey("shelter_units.id", name="fk_households_unit_id_shelter_units")),
        sa.Column("queue_number", sa.Integer()),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        # One household per unit, whatever the code above does: the last line of defence against double allocation.
        sa.UniqueConstraint("unit_id", name="uq_households_unit_id"),
    )
    op.create_index("ix_households_site_id", "households", ["site_id"])
    op.create_index("ix_households_status", "households", ["status"])
    op.create_index("ix_households_site_id_status_queue_number", "households", ["site_id", "status", "queue_number"])
    op.create_table(
        "allocation_history",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("household_id", sa.String(36), nullable=False),
        sa.Column("site_id", sa.String(36), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("unit_id", sa.String(36)),
        sa.Column("unit_type", sa.String(30)),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(30)),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_allocation_history_household_id", "allocation_history", ["household_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION allocation_history_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'allocation_history is insert-only';
            END
            $$""")
        op.execute("CREATE TRIGGER allocation_history_insert_only BEFORE UPDATE OR DELETE ON allocation_history "
                   "FOR EACH ROW EXECUTE FUNCTION allocation_history_insert_only()")
    op.create_table(
        "site_services",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("site_id", sa.String(36), sa.ForeignKey("sites.id", name="fk_site_services_site_id_sites"),
                  nullable=False),
        sa.Column("latrines", sa.Integer()),
        sa.Column("latrines_female", sa.Integer()),
        sa.Column("water_taps", sa.Integer()),
        sa.Column("hand_pumps", sa.Integer()),
        sa.Column("water_litres_per_day", sa.Float()),
        sa.Column("showers", sa.Integer()),
        sa.Column("phase", sa.String(20), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(50), nullable=False),
    )
    op.create_index("ix_site_services_site_id", "site_services", ["site_id"])
    create_kernel_tables(op)


def downgrade():
    drop_kernel_tables(op)
    op.drop_table("site_services")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER allocation_history_insert_only ON allocation_history")
        op.execute("DROP FUNCTION allocation_history_insert_only()")
    op.drop_table("allocation_history")
    op.drop_table("households")
    op.drop_table("shelter_units")
    op.drop_table("sites")
