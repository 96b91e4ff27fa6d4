"""No per-household specific needs in reporting (docs/domain.md §3): archived household events lose their
``specific_needs`` (v1 -> v2, the shape they then match), household_facts its ``specific_needs`` column and the
projection its needs counters by code; site_profiles gains ``needs`` / ``needs_version``, which registration's
``site_needs_counted`` fills (its migration needs_0001 sends every site's count). Until that count arrives, a site
shows no specific needs. The downgrade cannot bring the scrubbed codes back.

Revision ID: needs_0001
Revises: 0003
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "needs_0001"
down_revision = "0003"
branch_labels = None
depends_on = None

HOUSEHOLD_EVENTS = ("household_registered", "household_updated", "household_departed", "household_relocated")
CHUNK = 1000

_archive = sa.table("archived_events", sa.column("id", sa.BigInteger), sa.column("source", sa.String),
                    sa.column("event_type", sa.String), sa.column("schema_version", sa.Integer),
                    sa.column("envelope", sa.JSON))


def upgrade():
    bind = op.get_bind()
    ids = bind.execute(sa.select(_archive.c.id).where(
        _archive.c.source == "registration", _archive.c.event_type.in_(HOUSEHOLD_EVENTS),
        _archive.c.schema_version == 1).order_by(_archive.c.id)).scalars().all()
    update = (sa.update(_archive).where(_archive.c.id == sa.bindparam("row_id"))
              .values(envelope=sa.bindparam("scrubbed"), schema_version=2))
    for start in range(0, len(ids), CHUNK):
        rows = bind.execute(sa.select(_archive.c.id, _archive.c.envelope).where(
            _archive.c.id.in_(ids[start:start + CHUNK]))).all()
        changed = []
        for row_id, envelope in rows:
            data = {key: value for key, value in (envelope.get("data") or {}).items() if key != "specific_needs"}
            changed.append({"row_id": row_id, "scrubbed": {**envelope, "data": data, "schema_version": 2}})
        if changed:
            bind.execute(update, changed)
    op.execute("DELETE FROM site_counters WHERE dimension = 'needs'")
    with op.batch_alter_table("household_facts") as table:
        table.drop_column("specific_needs")
    with op.batch_alter_table("site_profiles") as table:
        table.add_column(sa.Column("needs", sa.JSON()))
        table.add_column(sa.Column("needs_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("site_profiles") as table:
        table.drop_column("needs_version")
        table.drop_column("needs")
    with op.batch_alter_table("household_facts") as table:
        table.add_column(sa.Column("specific_needs", sa.JSON()))
