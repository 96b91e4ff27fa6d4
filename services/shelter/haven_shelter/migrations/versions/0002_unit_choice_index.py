"""shelter units indexed in the order allocation picks them (site, status, capacity, area, number, id)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = ["site_id", "status", "capacity_persons", "covered_area_m2", "number", "id"]


def upgrade():
    # Its leading columns serve every query the old (site_id, status) index served.
    op.create_index("ix_shelter_units_allocation_order", "shelter_units", COLUMNS)
    op.drop_index("ix_shelter_units_site_id_status", table_name="shelter_units")


def downgrade():
    op.create_index("ix_shelter_units_site_id_status", "shelter_units", ["site_id", "status"])
    op.drop_index("ix_shelter_units_allocation_order", table_name="shelter_units")
