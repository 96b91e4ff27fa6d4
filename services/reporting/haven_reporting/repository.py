"""All of reporting's SQL: the projection store the event handlers write through (:class:`SqlStore`), the archive,
the reads the reports and the metrics are built from, and the rebuild.

Counters change only by ``INSERT ... ON CONFLICT DO UPDATE SET value = value + n`` (sorted, so that two transactions
never wait on each other in opposite orders); a household's or a site's row is locked (PostgreSQL ``FOR UPDATE``, in
id order) from the moment a transaction reads it until it commits, so two transactions that concern one household
apply their events one after the other. A batch of events is one transaction: its households, sites and counters
are read and written once each (:class:`SqlStore`), not once per event.
"""
import time
from datetime import datetime

from sqlalchemy import delete, func, insert, or_, select, text

from haven_contracts import catalogue as default_catalogue
from haven_kernel import dialect
from haven_kernel.clock import aware, utcnow
from haven_kernel.db import TransactionState, plain_rows

from .models import ArchivedEvent, HouseholdFact, SiteCounter, SiteProfile
from .domain import ARRIVALS, HANDLERS, STATE_FIELDS, HouseholdState, MemoryStore, Projector, SiteState, _id

CHUNK = 2000


def _to_state(cls, row):
    values = {name: getattr(row, name) for name in STATE_FIELDS[cls]}
    for name, value in values.items():
        if isinstance(value, datetime):
            values[name] = aware(value)
    if cls is HouseholdState and values.get("shelter") is None:
        values["shelter"] = {}
    return cls(**values)


def _household_row(state):
    return {name: getattr(state, name) for name in STATE_FIELDS[HouseholdState]}


def _site_row(state):
    return {name: getattr(state, name) for name in STATE_FIELDS[SiteState]}


class SqlStore(TransactionState):
    """The projection store for one transaction, which may apply a whole batch of events (kept as the unit of work's
    transaction state).

    ``prepare(events)`` archives the events in one statement and reads (row-locking, in id order) every household
    and site they concern in one query each; the handlers then change those states in memory, and ``write()``,
    called once before the commit, stores what changed: households, sites and counter increments, one statement
    each. A state no prepared event named is read (and locked) when a handler first asks for it.
    """

    def __init__(self, session):
        self.session = session
        self.households, self.sites = {}, {}
        self._dirty_households, self._dirty_sites = set(), set()
        self._pending = {}
        self._prepared, self._archived = set(), set()

    # -- preparing a batch -----------------------------------------------------------------------------------------
    def prepare(self, events):
        """Archive ``events`` and read what they concern. Returns the ids of the events archived now."""
        self._prepared.update(event.event_id for event in events)
        self._archived |= archive_many(self.session, events)
        household_ids, site_ids = set(), set()
        for event in events:
            if (event.source, event.event_type) not in HANDLERS:
                continue  # archived only: no projection reads or writes a row for it
            data = event.data
            try:
                if "household_id" in data:
                    household_ids.add(_id(data["household_id"]))
                elif "site_id" in data:
                    site_ids.add(_id(data["site_id"]))
            except (TypeError, ValueError):
                continue  # the handler will refuse it on its own
        self._load(HouseholdFact, HouseholdState, self.households, household_ids - set(self.households),
                   {"version": 0, "size": 0, "shelter": {}})
        self._load(SiteProfile, SiteState, self.sites, site_ids - set(self.sites), {})
        return self._archived

    def record(self, event):
        """Apply an event archived now (prepared with its batch, or alone here); False if it was archived before."""
        if event.event_id not in self._prepared:
            self.prepare([event])
        if event.event_id not in self._archived:
            return False
        Projector(self).apply(event)
        return True

    def _load(self, model, state_cls, into, ids, blank):
        """Claim the rows first (blank ones if new), so that two first events about one household in concurrent
        transactions queue up on its lock instead of both inserting it; then read them locked, in id order."""
        if not ids:
            return
        ids = sorted(ids)
        key = model.__table__.primary_key.columns.values()[0]
        created = set(_many(self.session, dialect.insert_or_ignore(self.session, model, [key.name]),
                            [{key.name: i, **blank} for i in ids], key))
        for new_id in created:  # inserted (and so locked) by this transaction: blank, nothing to read
            into[new_id] = state_cls(new_id)
        existing = [i for i in ids if i not in created]
        if existing:
            rows = self.session.execute(dialect.for_update(self.session,
                                                           select(model).where(key.in_(existing)).order_by(key)))
            for row in rows.scalars():
                into[getattr(row, key.name)] = _to_state(state_cls, row)

    # -- what the projection handlers use ------------------------------------------------------------------------
    def household(self, household_id):
        if household_id not in self.households:
            self._load(HouseholdFact, HouseholdState, self.households, {household_id},
                       {"version": 0, "size": 0, "shelter": {}})
        return self.households[household_id]

    def put_household(self, state):
        self.households[state.household_id] = state
        self._dirty_households.add(state.household_id)

    def site(self, site_id):
        if site_id not in self.sites:
            self._load(SiteProfile, SiteState, self.sites, {site_id}, {})
        return self.sites[site_id]

    def put_site(self, state):
        self.sites[state.site_id] = state
        self._dirty_sites.add(state.site_id)

    def add(self, deltas):
        for key, delta in deltas.items():
            self._pending[key] = self._pending.get(key, 0) + delta

    def flush(self):
        """Called after each event; the writing waits for :meth:`write`."""

    # -- writing, once per transaction -------------------------------------------------------------------------
    def before_commit(self, unit):
        self.write()

    def write(self):
        self._upsert(HouseholdFact, "household_id",
                     [_household_row(self.households[i]) for i in sorted(self._dirty_households)])
        self._upsert(SiteProfile, "site_id", [_site_row(self.sites[i]) for i in sorted(self._dirty_sites)])
        self._dirty_households, self._dirty_sites = set(), set()
        pending = sorted((key, delta) for key, delta in self._pending.items() if delta)
        self._pending = {}
        if not pending:
            return
        statement = dialect.upsert(self.session, SiteCounter, ["site_id", "dimension", "key"],
                                   lambda excluded: {"value": SiteCounter.value + excluded.value})
        _many(self.session, statement, [{"site_id": site, "dimension": dimension, "key": key, "value": delta}
                                        for (site, dimension, key), delta in pending], SiteCounter.__table__.c.key)

    def _upsert(self, model, key, rows):
        # Rows given separately from the statement: compiled once, not once per batch size (bench: compiling a
        # VALUES list per batch cost a sixth of reporting's CPU).
        if not rows:
            return
        statement = dialect.upsert_columns(self.session, model, [key], rows[0])
        _many(self.session, statement, rows, model.__table__.c[key])


def _many(session, statement, rows, column):
    """Execute an INSERT ... ON CONFLICT for many rows as one multi-row statement; returns ``column`` of the rows
    inserted or updated. The statement is compiled once (the rows are parameters) and SQLAlchemy batches the rows
    into VALUES lists only when the statement has a RETURNING clause; without one, psycopg2 would send one statement
    per row."""
    return session.execute(statement.returning(column), rows).scalars().all()


# ------------------------------------------------------------------------------------------------------------------
# The archive
# ------------------------------------------------------------------------------------------------------------------
HOUSEHOLD_EVENTS = ("household_registered", "household_updated", "household_departed", "household_relocated")


def archived_envelope(event):
    """``(schema version, envelope)`` as the archive keeps an event: a household event of v1 (from a registration
    not yet upgraded) without its per-household ``specific_needs``, which makes it a v2 one. Reporting never keeps a
    household's needs codes (docs/domain.md §3); migration ``needs_0001`` scrubbed those archived before."""
    envelope = event.as_envelope()
    if event.source == "registration" and event.event_type in HOUSEHOLD_EVENTS and "specific_needs" in event.data:
        envelope["data"] = {key: value for key, value in event.data.items() if key != "specific_needs"}
        envelope["schema_version"] = 2
    return envelope["schema_version"], envelope


def archive_many(session, events):
    """Keep the events (envelopes included), in one statement. Returns the ids of those not archived before (an
    event archived already was applied then too)."""
    if not events:
        return set()
    now = utcnow()
    statement = dialect.insert_or_ignore(session, ArchivedEvent, ["event_id"]).returning(ArchivedEvent.event_id)
    rows = []
    for e in events:
        version, envelope = archived_envelope(e)
        rows.append({"event_id": e.event_id, "source": e.source, "event_type": e.event_type,
                     "schema_version": version, "occurred_at": e.occurred_at, "received_at": now,
                     "origin_org": e.origin_org, "envelope": envelope})
    return set(session.execute(statement, rows).scalars())


def last_event(session):
    """The last event applied (the newest archive row): ``{event_id, source, event_type, occurred_at,
    received_at}`` or None."""
    row = session.execute(select(ArchivedEvent.event_id, ArchivedEvent.source, ArchivedEvent.event_type,
                                 ArchivedEvent.occurred_at, ArchivedEvent.received_at)
                          .order_by(ArchivedEvent.id.desc()).limit(1)).one_or_none()
    if row is None:
        return None
    return {"event_id": row.event_id, "source": row.source, "event_type": row.event_type,
            "occurred_at": aware(row.occurred_at), "received_at": aware(row.received_at)}


def archived_count(session):
    return session.execute(select(func.count()).select_from(ArchivedEvent)).scalar_one()


# ------------------------------------------------------------------------------------------------------------------
# Reads
# ------------------------------------------------------------------------------------------------------------------
def load_sites(session, site_id=None):
    query = select(SiteProfile)
    if site_id is not None:
        query = query.where(SiteProfile.site_id == site_id)
    return {row.site_id: _to_state(SiteState, row) for row in session.execute(query).scalars()}


def load_cells(session, site_id=None, arrivals_since=None):
    """``{(site, dimension, key): value}`` of the non-zero counters; of the arrivals by day, only those from
    ``arrivals_since`` (an ISO day) when given, so that a report's cost does not grow with the days gone by."""
    query = select(SiteCounter.site_id, SiteCounter.dimension, SiteCounter.key, SiteCounter.value).where(
        SiteCounter.value != 0)
    if arrivals_since is not None:
        query = query.where(or_(SiteCounter.dimension.not_in(ARRIVALS), SiteCounter.key >= arrivals_since))
    if site_id is not None:
        query = query.where(SiteCounter.site_id == site_id)
    return {(row.site_id, row.dimension, row.key): row.value for row in plain_rows(session, query)}


def sites_by_status(session):
    """``{status: number of sites}`` of the sites a site event has described."""
    return dict(session.execute(select(SiteProfile.status, func.count())
                                .where(SiteProfile.details_as_of.is_not(None))
                                .group_by(SiteProfile.status)).all())


def response_figures(session):
    """Response-wide sums of the population and shelter counters: ``{key: total}``."""
    return dict(session.execute(select(SiteCounter.key, func.sum(SiteCounter.value))
                                .where(SiteCounter.dimension.in_(("population", "shelter")))
                                .group_by(SiteCounter.key)).all())


# ------------------------------------------------------------------------------------------------------------------
# Rebuild
# ------------------------------------------------------------------------------------------------------------------
def rebuild(session, catalogue=default_catalogue):
    """Drop the projections and replay the whole archive into them, in one transaction.

    On PostgreSQL the archive is locked against new rows first: handlers that receive events meanwhile wait, then
    apply them to the rebuilt projections. Returns what was replayed.
    """
    started = time.perf_counter()
    if session.bind.dialect.name == "postgresql":
        session.execute(text("LOCK TABLE archived_events IN SHARE ROW EXCLUSIVE MODE"))
    memory = MemoryStore()
    projector = Projector(memory)
    replayed = 0
    query = select(ArchivedEvent.envelope, ArchivedEvent.origin_org).order_by(ArchivedEvent.id)
    for envelope, origin_org in session.execute(query.execution_options(yield_per=CHUNK)):
        projector.apply(catalogue.parse(envelope, origin_org=origin_org))
        replayed += 1
    for model in (SiteCounter, HouseholdFact, SiteProfile):
        session.execute(delete(model))
    _bulk(session, SiteProfile, [_site_row(s) for s in memory.sites.values()])
    _bulk(session, HouseholdFact, [_household_row(h) for h in memory.households.values()])
    _bulk(session, SiteCounter, [{"site_id": site, "dimension": dimension, "key": key, "value": value}
                                 for (site, dimension, key), value in sorted(memory.cells.items()) if value])
    return {"events_replayed": replayed, "sites": len(memory.sites), "households": len(memory.households),
            "duration_seconds": round(time.perf_counter() - started, 3)}


def _bulk(session, model, rows):
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(model), rows[start:start + CHUNK])
