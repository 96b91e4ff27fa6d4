"""The middle tier: shelter's use cases and event handlers run against a SQLite unit of work in memory (the kernel's
``UnitOfWork`` over a sessionmaker on ``sqlite://``), no broker and no server, in milliseconds. The kernel's own
SQLite fixture replaces :class:`Shelter`'s set-up when it lands; the use-case calls stay."""
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from haven_contracts import catalogue
from haven_contracts.standards import DEFAULT_TARGETS
from haven_kernel.auth import Caller
from haven_kernel.context import CALLER_CONTEXT_KEY
from haven_kernel.db import KernelBase, OutboxEvent, UnitOfWork
from haven_shelter import handlers
from haven_shelter.allocation import Allocator
from haven_shelter.models import Base
from haven_shelter.sites import SiteRegistry

CAMP_MANAGER = Caller(sub="camp-manager", org="IOM", scopes=("shelter:write", "shelter:read"))
SHELTER = Caller(sub="service:shelter", org="HAVEN", scopes=("admin",))  # what an event's handler works as


class Shelter:
    """Shelter's use cases over one SQLite database, each call one committed transaction as an entrypoint makes it;
    ``events`` lists what the transactions wrote to the outbox, as (event_type, data, correlation_id)."""

    def __init__(self, engine):
        self.engine = engine
        self.work = UnitOfWork(sessionmaker(engine, expire_on_commit=False), "shelter", {}, catalogue)
        self.events = []
        self._seen = 0

    def _transaction(self, context, body):
        self.work.use_context(context)
        try:
            result = body()
            self.work.commit()
        except BaseException:
            self.work.rollback()
            raise
        finally:
            self.work.close()
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(OutboxEvent.id, OutboxEvent.envelope)
                                      .where(OutboxEvent.id > self._seen).order_by(OutboxEvent.id)).all()
        for row_id, envelope in rows:
            self._seen = row_id
            self.events.append((envelope["event_type"], envelope["data"], envelope["correlation_id"]))
        return result

    def sites(self, method, *args, **kwargs):
        """A call of ``SiteRegistry`` by a camp manager (as an RPC method makes it)."""
        return self._transaction(
            {CALLER_CONTEXT_KEY: CAMP_MANAGER.as_context(), "correlation_id": "rpc"},
            lambda: getattr(SiteRegistry(self.work, DEFAULT_TARGETS), method)(*args, **kwargs))

    def allocation(self, method, *args, **kwargs):
        """A call of ``Allocator`` by a camp manager (as an RPC method makes it)."""
        return self._transaction({CALLER_CONTEXT_KEY: CAMP_MANAGER.as_context(), "correlation_id": "rpc"},
                                 lambda: getattr(Allocator(self.work), method)(*args, **kwargs))

    def apply(self, *changes):
        """Registration's household events ``(event_type, data)`` applied as the kernel applies a batch: prepared
        together, each handled under its own context (correlation ids ``corr-0``, ``corr-1``...), one commit."""
        events = [catalogue.parse(catalogue.envelope("registration", event_type, data, correlation_id=f"corr-{i}"))
                  for i, (event_type, data) in enumerate(changes)]

        def batch():
            handlers.prepare(self.work, events)
            for event in events:
                self.work.use_context({CALLER_CONTEXT_KEY: SHELTER.as_context(),
                                       "correlation_id": event.correlation_id})
                handlers.household_changed(self.work, event)
        self._transaction({CALLER_CONTEXT_KEY: SHELTER.as_context()}, batch)

    def emitted(self, event_type):
        return [data for kind, data, _ in self.events if kind == event_type]


@pytest.fixture
def shelter_db():
    engine = sa.create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _foreign_keys(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    KernelBase.metadata.create_all(engine)
    Base.metadata.create_all(engine)
    yield Shelter(engine)
    engine.dispose()
