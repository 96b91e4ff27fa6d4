"""households.registered_at: the waitlist is served by registration time, not by the order events arrived

Households shelter knew before keep their order: their registration time is taken to be when shelter placed them
(``since``) until their next event brings the real one.

Revision ID: faults_0002
Revises: faults_0001
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "faults_0002"
down_revision = "faults_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("households") as batch:
        batch.add_column(sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE households SET registered_at = since WHERE registered_at IS NULL")
    op.create_index("ix_households_site_id_status_registered_at", "households",
                    ["site_id", "status", "registered_at", "queue_number"])


def downgrade():
    op.drop_index("ix_households_site_id_status_registered_at", table_name="households")
    with op.batch_alter_table("households") as batch:
        batch.drop_column("registered_at")
