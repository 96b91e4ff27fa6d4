"""The middle test tier: a service's use cases and event handlers run on a real unit of work over SQLite, migrated by
the service's own alembic revisions, with no broker and no service container, so a rule is tested in milliseconds.

The ``sqlite_unit`` fixture (registered by the plugin) gives a :class:`UseCaseUnit`; a service's conftest names it::

    @pytest.fixture
    def unit(sqlite_unit):
        return sqlite_unit(ShelterService, "shelter:read", "shelter:write", org="IOM")

    def test_a_closed_site_takes_no_household(unit):
        with unit.transaction():                    # committed as @rpc commits; rolled back if it raises
            site = sites.create(unit, site_payload())
        with pytest.raises(Conflict), unit.transaction():
            ...
        assert unit.events("site_opened")[0]["name"] == "Guara Guara"    # what was committed to the outbox
        unit.act_as("shelter:read", org="UNHCR")    # another caller from now on
        with unit.applying(event):                  # an event handler's context: the service, the event's org
            handlers.on_household_registered(unit, event)
        unit.apply_events([first, second], handlers.household_changed, prepare=handlers.prepare)  # a batch

Each package is migrated once per test session into a template file (``haven migrate`` on SQLite, what ``make
run`` does); each unit works on a copy of it, in a file of its own, so what another session reads is what was
committed, as on PostgreSQL. SQLite is not PostgreSQL: row locks, concurrency and PostgreSQL-only SQL are the
service tier's to test.
"""
import contextlib
import os
import sqlite3

from sqlalchemy import event, func, select
from sqlalchemy.orm import sessionmaker

from ..auth import Caller
from ..context import worker_context
from ..db import OutboxEvent, UnitOfWork, make_engine
from ..events import catalogue_of
from .harness import package_of


def _no_fsync(dbapi_connection, _record):
    """A test's database is thrown away: commits need not wait for the disk."""
    dbapi_connection.execute("PRAGMA synchronous=OFF")


class SqliteTemplates:
    """One SQLite file per service package, migrated once (alembic, the service's revisions); copies for tests."""

    def __init__(self, directory):
        self.directory = directory
        self.templates = {}

    def template(self, package):
        if package not in self.templates:
            from ..migrations import upgrade
            path = os.path.join(self.directory, f"template-{package}.db")
            upgrade(package, f"sqlite:///{path}")
            self.templates[package] = path
        return self.templates[package]

    def copy(self, package, path):
        """A copy of ``package``'s migrated template at ``path`` (SQLite's backup API: a consistent copy)."""
        source, target = sqlite3.connect(self.template(package)), sqlite3.connect(path)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return path


class UseCaseUnit(UnitOfWork):
    """A :class:`~haven_kernel.db.UnitOfWork` over a SQLite file, acting for a caller, with what a test reads."""

    def __init__(self, url, service_name, catalogue):
        self.engine = make_engine(url)  # the engine `make run` uses on SQLite (foreign keys on, WAL)
        event.listen(self.engine, "connect", _no_fsync)
        super().__init__(sessionmaker(self.engine, expire_on_commit=False), service_name, {}, catalogue)
        self.correlation_ids = (f"test-{n}" for n in range(1, 1_000_000))

    @classmethod
    def of(cls, service_cls, url):
        """A unit of ``service_cls`` (its name and catalogue) on the database at ``url``."""
        return cls(url, service_cls.name, catalogue_of(service_cls))

    # -- who the work is for -----------------------------------------------------------------------------------------
    def act_as(self, *scopes, org="IOM", sub=None, correlation_id=None):
        """From now on, work for a partner's caller (as an RPC whose token has ``scopes`` and ``org``)."""
        caller = Caller(sub=sub or f"{org.lower()}-client", org=org, scopes=tuple(scopes))
        self.use_context(worker_context(correlation_id or next(self.correlation_ids), caller.as_context(), org))
        return self

    def as_service(self, event):
        """From now on, work as the kernel applies ``event`` (a :class:`haven_kernel.events.Event`): as the service
        itself, under the event's correlation id and origin organisation."""
        identity = Caller(sub=f"service:{self.service_name}", org="HAVEN", scopes=("admin",)).as_context()
        self.use_context(worker_context(event.correlation_id, identity, event.origin_org))
        return self

    # -- transactions as the entrypoints run them --------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self):
        """The block's work committed when it ends, rolled back (and the error raised) if it raises: what ``@rpc``
        does around a method."""
        try:
            yield self
            self.commit()
        except BaseException:
            self.rollback()
            raise

    @contextlib.contextmanager
    def applying(self, event):
        """:meth:`as_service` for ``event``, then :meth:`transaction`: what the kernel does around a handler. The
        caller the unit acted for before is restored afterwards."""
        kept = self._context_data
        try:
            with self.as_service(event).transaction():
                yield self
        finally:
            self.use_context(kept)

    def apply_events(self, events, handler, prepare=None):
        """Apply ``events`` as the kernel applies a batch of them: one transaction, ``prepare(unit, events)`` first
        (the service's ``prepare_event_batch`` body, if any), then ``handler(unit, event)`` for each under that
        event's context, one commit. Returns the handlers' results; the caller the unit acted for is restored."""
        kept = self._context_data
        try:
            with self.as_service(events[0]).transaction():
                if prepare is not None:
                    prepare(self, events)
                return [handler(self.as_service(event), event) for event in events]
        finally:
            self.use_context(kept)

    # -- what was committed ------------------------------------------------------------------------------------------
    def envelopes(self, event_type=None):
        """The envelopes of the events committed to the outbox, oldest first (of ``event_type`` when given)."""
        query = select(OutboxEvent.envelope).order_by(OutboxEvent.id)
        if event_type is not None:
            query = query.where(OutboxEvent.event_type == event_type)
        with self._session_factory() as session:
            return list(session.execute(query).scalars())

    def events(self, event_type=None):
        """The data of the events committed to the outbox, oldest first."""
        return [envelope["data"] for envelope in self.envelopes(event_type)]

    def count(self, model, *where):
        """Committed rows of ``model`` (matching ``where``)."""
        with self._session_factory() as session:
            return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()

    def close(self):
        super().close()
        self.engine.dispose()


def sqlite_unit_factory(templates, directory):
    """What the ``sqlite_unit`` fixture gives: ``make(service_cls, *scopes, org="IOM", sub=None)`` → a
    :class:`UseCaseUnit` on a fresh copy of the service's migrated database, acting for that caller; and the units
    made, to close."""
    made = []

    def make(service_cls, *scopes, org="IOM", sub=None):
        package = package_of(service_cls)
        path = templates.copy(package, os.path.join(directory, f"{package}-{len(made)}.db"))
        unit = UseCaseUnit.of(service_cls, f"sqlite:///{path}").act_as(*scopes, org=org, sub=sub)
        made.append(unit)
        return unit

    return make, made
