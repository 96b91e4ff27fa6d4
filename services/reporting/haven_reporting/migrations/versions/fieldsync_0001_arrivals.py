"""Arrivals by day (offline field sync, issue 16 point 5): household_facts gains ``arrived_at`` (when a household
was collected in the field, else registered) and site_counters the ``arrivals`` and ``arrival_individuals`` cells
keyed by that UTC day. Households projected before this revision get theirs from the archived event of the version
the projection holds (their ``registered_at``: no event before v3 carried ``collected_at``).

Revision ID: fieldsync_0001
Revises: faults_0001
Create Date: 2026-12-02
"""
from collections import Counter
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from haven_kernel import dialect

revision = "fieldsync_0001"
down_revision = "logistics_0002"
branch_labels = None
depends_on = None

HOUSEHOLD_EVENTS = ("household_registered", "household_updated", "household_departed", "household_relocated")
CHUNK = 1000

_archive = sa.table("archived_events", sa.column("id", sa.BigInteger), sa.column("source", sa.String),
                    sa.column("event_type", sa.String), sa.column("envelope", sa.JSON))
_facts = sa.table("household_facts", sa.column("household_id", sa.String), sa.column("version", sa.Integer),
                  sa.column("site_id", sa.String), sa.column("size", sa.Integer),
                  sa.column("arrived_at", sa.DateTime(timezone=True)))
_counters = sa.table("site_counters", sa.column("site_id", sa.String), sa.column("dimension", sa.String),
                     sa.column("key", sa.String), sa.column("value", sa.BigInteger))


def _moment(value):
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def upgrade():
    with op.batch_alter_table("household_facts") as table:
        table.add_column(sa.Column("arrived_at", sa.DateTime(timezone=True)))
    bind = op.get_bind()
    facts = {row.household_id: row for row in bind.execute(
        sa.select(_facts.c.household_id, _facts.c.version, _facts.c.site_id, _facts.c.size)
        .where(_facts.c.version > 0))}
    if not facts:
        return
    arrived = {}  # household id -> when, from the archived event of the version projected
    last = 0
    while True:
        rows = bind.execute(sa.select(_archive.c.id, _archive.c.envelope).where(
            _archive.c.id > last, _archive.c.source == "registration", _archive.c.event_type.in_(HOUSEHOLD_EVENTS))
            .order_by(_archive.c.id).limit(CHUNK)).all()
        if not rows:
            break
        last = rows[-1].id
        for _, envelope in rows:
            data = envelope.get("data") or {}
            fact = facts.get(str(data.get("household_id")))
            if fact is not None and data.get("version") == fact.version:
                arrived[fact.household_id] = _moment(data.get("collected_at") or data["registered_at"])
    cells = Counter()
    for household_id, moment in arrived.items():
        fact = facts[household_id]
        if fact.site_id:
            day = moment.astimezone(timezone.utc).date().isoformat()
            cells[(fact.site_id, "arrivals", day)] += 1
            cells[(fact.site_id, "arrival_individuals", day)] += fact.size
    updates = [{"id": household_id, "at": moment} for household_id, moment in arrived.items()]
    for start in range(0, len(updates), CHUNK):
        bind.execute(sa.update(_facts).where(_facts.c.household_id == sa.bindparam("id"))
                     .values(arrived_at=sa.bindparam("at")), updates[start:start + CHUNK])
    if cells:
        statement = dialect.upsert(bind, _counters, ["site_id", "dimension", "key"],
                                   lambda excluded: {"value": _counters.c.value + excluded.value})
        bind.execute(statement, [{"site_id": site, "dimension": dimension, "key": key, "value": value}
                                 for (site, dimension, key), value in sorted(cells.items())])


def downgrade():
    op.execute("DELETE FROM site_counters WHERE dimension IN ('arrivals', 'arrival_individuals')")
    with op.batch_alter_table("household_facts") as table:
        table.drop_column("arrived_at")
