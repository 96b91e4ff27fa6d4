"""Persistence: one database per service, a session per worker, and the kernel's own tables (outbox, inbox).

``Database`` is the nameko dependency provider; what a service method sees is a :class:`UnitOfWork`: a lazily
opened SQLAlchemy session plus ``emit()`` (write an event to the outbox in the same transaction) and
``already_processed()`` (the inbox). The Haven entrypoints commit the unit of work *before* nameko replies or
acknowledges, so a partner never sees success for a change that was not committed.
"""
import contextlib
import logging
import os
import threading
import time
import weakref
from datetime import datetime

from nameko.extensions import DependencyProvider
from sqlalchemy import (JSON, BigInteger, DateTime, Index, Integer, MetaData, String, Text, create_engine, event,
                        insert, select)
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from . import dialect
from .auth import Caller
from .clock import utcnow
from .events import catalogue_of

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

CALLER_CONTEXT_KEY = "haven.caller"
ORIGIN_ORG_CONTEXT_KEY = "haven.origin_org"


def metadata():
    """A MetaData with Haven's naming convention, for a service's own declarative base."""
    return MetaData(naming_convention=NAMING_CONVENTION)


class KernelBase(DeclarativeBase):
    metadata = metadata()


BigId = BigInteger().with_variant(Integer, "sqlite")


class OutboxEvent(KernelBase):
    """An event written in the same transaction as the change that caused it; the relay publishes and marks it."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event_type: Mapped[str] = mapped_column(String(100))
    envelope: Mapped[dict] = mapped_column(JSON)
    origin_org: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_outbox_events_unsent", "id", postgresql_where=published_at.is_(None),
              sqlite_where=published_at.is_(None)),
    )


class ProcessedEvent(KernelBase):
    """The inbox: one row per (event, handler) applied, written in the same transaction as the handler's effect."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    handler: Mapped[str] = mapped_column(String(200), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


_psycopg_patched = False
_patch_lock = threading.Lock()


def _cooperative_postgres():
    """psycopg2 blocks the eventlet hub unless patched; patch once per process, only when eventlet is in use."""
    global _psycopg_patched
    with _patch_lock:
        if _psycopg_patched:
            return
        import eventlet.patcher
        if eventlet.patcher.is_monkey_patched("socket"):
            from psycogreen.eventlet import patch_psycopg
            patch_psycopg()
        _psycopg_patched = True


def default_database_url(service_name):
    root = os.environ.get("HAVEN_VAR_DIR", os.path.join(os.getcwd(), "var"))
    return f"sqlite:///{os.path.join(root, service_name + '.db')}"


def make_engine(url, pool_size=10, ping_after_idle=1.0):
    if url.startswith("postgresql"):
        _cooperative_postgres()
        engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)
        _ping_after_idle(engine, ping_after_idle)
        return engine
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()
        return engine
    return create_engine(url, pool_pre_ping=True)


def _ping_after_idle(engine, seconds):
    """Check a pooled connection before use only when it has been idle ``seconds`` or more (SQLAlchemy's
    ``pool_pre_ping`` would ping before every transaction: one more round trip for each call and each event). A
    dead connection is replaced before the caller sees it; a connection in steady use needs no ping, and one that
    breaks mid-use makes SQLAlchemy recycle the whole pool."""

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection, record):
        record.info["haven_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, proxy):
        idle_since = record.info.pop("haven_idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < seconds:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError("pooled connection is gone") from exc
        if not alive:
            raise DisconnectionError("pooled connection is gone")


class UnitOfWork:
    """What a service method gets as ``self.db``: one session, the caller, and the outbox."""

    def __init__(self, session_factory, service_name, context_data, catalogue, on_commit=None):
        self._session_factory = session_factory
        self._session = None
        self.service_name = service_name
        self.context_data = context_data or {}
        self.catalogue = catalogue
        self._outbox = []  # rows emitted in this transaction, written together just before it commits
        self._on_commit = on_commit
        self._before_commit = {}
        self.scratch = {}

    @property
    def session(self):
        if self._session is None:
            self._session = self._session_factory()
        return self._session

    @property
    def caller(self) -> Caller | None:
        return Caller.from_context(self.context_data.get(CALLER_CONTEXT_KEY))

    @property
    def correlation_id(self):
        return self.context_data.get("correlation_id")

    @property
    def origin_org(self):
        caller = self.caller
        return self.context_data.get(ORIGIN_ORG_CONTEXT_KEY) or (caller.org if caller else None)

    def emit(self, event_type, data):
        """Write an event to the outbox in this transaction. Data that does not match the catalogue is refused.

        The rows of a transaction are inserted together, in the order they were emitted, as it commits (one
        statement for a whole batch of events); :meth:`savepoint` forgets those emitted inside a rolled-back one."""
        envelope = self.catalogue.envelope(self.service_name, event_type, data, correlation_id=self.correlation_id)
        self._outbox.append({"event_id": envelope["event_id"], "event_type": event_type, "envelope": envelope,
                             "origin_org": self.origin_org, "created_at": utcnow(), "attempts": 0})
        return envelope

    @contextlib.contextmanager
    def savepoint(self):
        """A SAVEPOINT: what the block changes, events it emits included, is undone if it raises (and re-raised)."""
        emitted, callbacks = len(self._outbox), set(self._before_commit)
        nested = self.session.begin_nested()
        try:
            yield
            nested.commit()  # inside: a row that conflicts only when flushed here undoes the block too
        except BaseException:
            nested.rollback()  # also after a failed flush, which leaves it inactive but not yet rolled back
            del self._outbox[emitted:]
            for key in set(self._before_commit) - callbacks:
                del self._before_commit[key]
            raise

    def _write_outbox(self):
        if self._outbox:
            self.session.execute(insert(OutboxEvent.__table__), self._outbox)

    def already_processed(self, event_id, handler):
        """Inbox check-and-claim. True means this handler has applied this event before: skip it."""
        session = self.session
        if dialect.has_on_conflict(session):
            # One statement: claim the row, or find it claimed (a concurrent claim is waited for, as a flush would).
            claim = (dialect.insert_or_ignore(session, ProcessedEvent, ["event_id", "handler"])
                     .values(event_id=event_id, handler=handler, processed_at=utcnow())
                     .returning(ProcessedEvent.__table__.c.event_id))
            return session.execute(claim).first() is None
        if session.get(ProcessedEvent, (event_id, handler)) is not None:
            return True
        session.add(ProcessedEvent(event_id=event_id, handler=handler, processed_at=utcnow()))
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return True
        return False

    def claim(self, keys):
        """Inbox check-and-claim for several ``(event_id, handler)`` pairs in one statement (a batch of events):
        returns the pairs claimed now; the others have been applied before, or appear twice in ``keys``."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return set()
        session = self.session
        if not dialect.has_on_conflict(session):
            return {key for key in keys if not self.already_processed(*key)}
        now = utcnow()
        table = ProcessedEvent.__table__
        # One statement compiled once and cached (executemany: SQLAlchemy sends the rows as multi-row VALUES).
        claim = (dialect.insert_or_ignore(session, table, ["event_id", "handler"])
                 .returning(table.c.event_id, table.c.handler))
        rows = session.execute(claim, [{"event_id": e, "handler": h, "processed_at": now} for e, h in keys])
        return {(row.event_id, row.handler) for row in rows}

    def before_commit(self, key, callback):
        """Run ``callback()`` just before this transaction commits, once per ``key`` however often it is asked for
        (a batch of events writes what its handlers gathered in memory once, at the end). Forgotten on rollback; an
        exception from it rolls the transaction back like any other."""
        self._before_commit.setdefault(key, callback)

    def commit(self):
        if self._session is None and not self._outbox and not self._before_commit:
            self._forget()
            return
        while self._before_commit:
            key = next(iter(self._before_commit))
            self._before_commit.pop(key)()
        self._write_outbox()
        self.session.commit()
        if self._outbox and self._on_commit:
            self._on_commit()
        self._forget()

    def rollback(self):
        if self._session is not None:
            self._session.rollback()
        self._forget()

    def _forget(self):
        """What lived for one transaction only: events emitted, callbacks, ``scratch``."""
        self._outbox = []
        self._before_commit.clear()
        self.scratch.clear()

    def close(self):
        if self._session is not None:
            self._session.close()
            self._session = None


class Database(DependencyProvider):
    """One engine per service container; a :class:`UnitOfWork` per worker.

    The URL comes from the service's config key ``DATABASE_URL`` (config.yml maps it from
    ``<SERVICE>_DATABASE_URL``); unset, it is a SQLite file under ``var/``.
    """

    def __init__(self):
        self._units = weakref.WeakKeyDictionary()
        self._commit_listeners = []

    def setup(self):
        service = self.container.service_name
        self.catalogue = catalogue_of(self.container.service_cls)
        self.url = self.container.config.get("DATABASE_URL") or default_database_url(service)
        config = self.container.config
        self.engine = make_engine(self.url, pool_size=int(config.get("DATABASE_POOL_SIZE", 10)),
                                  ping_after_idle=float(config.get("DATABASE_PING_AFTER_IDLE_SECONDS", 1.0)))
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)

    def stop(self):
        self.engine.dispose()

    def on_commit(self, listener):
        """``listener()`` is called after a commit that wrote events (the outbox relay wakes up)."""
        self._commit_listeners.append(listener)

    def _committed(self):
        for listener in self._commit_listeners:
            listener()

    def unit_of_work(self, context_data=None):
        return UnitOfWork(self.session_factory, self.container.service_name, context_data, self.catalogue,
                          on_commit=self._committed)

    def get_dependency(self, worker_ctx):
        unit = self.unit_of_work(worker_ctx.context_data)
        self._units[worker_ctx] = unit
        return unit

    def worker_teardown(self, worker_ctx):
        unit = self._units.pop(worker_ctx, None)
        if unit is not None:
            unit.rollback()
            unit.close()

    def ping(self):
        with self.engine.connect() as connection:
            connection.execute(select(1))


def unit_of_work_of(service):
    """The unit of work injected into a service instance (any attribute holding one)."""
    for value in vars(service).values():
        if isinstance(value, UnitOfWork):
            return value
    return None
