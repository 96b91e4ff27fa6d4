"""Two toy services on the real kernel: ``ledger`` records entries and emits ``entry_recorded``; ``tally`` applies
them. They have their own event catalogue, so the kernel is tested apart from Haven's services."""
import uuid
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from marshmallow import Schema, fields
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from haven_kernel.db import KernelBase, TransactionState, metadata
from haven_kernel.errors import Conflict
from haven_kernel.events import Catalogue
from haven_kernel.messaging import event_handler
from haven_kernel.rpc import rpc
from haven_kernel.service import HavenService
from haven_kernel.validation import load
from haven_kernel.testing import make_token, rpc_client, service_config

toy_catalogue = Catalogue()


class EntryRecorded(Schema):
    entry_id = fields.UUID(required=True)
    amount = fields.Integer(required=True, strict=True)


toy_catalogue.register("ledger", "entry_recorded", EntryRecorded, consumers=("tally",))


class EntrySchema(Schema):
    amount = fields.Integer(required=True, strict=True)


class ToyBase(DeclarativeBase):
    metadata = metadata()


class Entry(ToyBase):
    __tablename__ = "entries"
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    amount: Mapped[int] = mapped_column(sa.Integer)


class Applied(ToyBase):
    __tablename__ = "applied"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(sa.String(36))
    amount: Mapped[int] = mapped_column(sa.Integer)


class Batch(ToyBase):
    """One row per transaction tally commits: written by a before-commit callback from what its handlers gathered."""
    __tablename__ = "batches"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    prepared: Mapped[int] = mapped_column(sa.Integer)
    events: Mapped[int] = mapped_column(sa.Integer)
    total: Mapped[int] = mapped_column(sa.Integer)


# How tally's handler behaves for a given amount: {"fail_times": n} fails n times, {"fail_always": True} never works,
# {"wait_for": eventlet Event} holds the event (and its batch) until the test sends the event;
# {"database_away_times": n} fails n times as a database that went away does (OperationalError).
BEHAVIOUR = {}
ATTEMPTS = {}


class Ledger(HavenService):
    name = "ledger"
    catalogue = toy_catalogue

    @rpc(scope="ledger:write", idempotent=True)
    def record(self, amount, then_fail=False):
        entry_id = str(uuid.uuid4())
        self.db.session.add(Entry(id=entry_id, amount=amount))
        self.db.emit("entry_recorded", {"entry_id": entry_id, "amount": amount})
        if then_fail:
            raise Conflict("refused after writing: the transaction must roll back")
        return entry_id

    @rpc(scope="ledger:write", idempotent=True)
    def record_each(self, amounts):
        """Each amount in a savepoint of its own, as bulk registration does: a negative one is refused after it was
        written and its event emitted; the others are kept."""
        kept = []
        for amount in amounts:
            try:
                with self.db.savepoint():
                    entry_id = str(uuid.uuid4())
                    self.db.session.add(Entry(id=entry_id, amount=amount))
                    self.db.session.flush()
                    self.db.emit("entry_recorded", {"entry_id": entry_id, "amount": amount})
                    if amount < 0:
                        raise Conflict("negative amounts are refused")
                kept.append(amount)
            except Conflict:
                continue
        return kept

    @rpc(scope="ledger:write")
    def record_checked(self, entry):
        """``entry`` checked as a partner's input is: a bad one is a ValidationError naming the field."""
        data = load(EntrySchema(), entry, field="entry")
        entry_id = str(uuid.uuid4())
        self.db.session.add(Entry(id=entry_id, amount=data["amount"]))
        return entry_id

    @rpc(scope="ledger:write")
    def record_invalid_event(self):
        self.db.session.add(Entry(id=str(uuid.uuid4()), amount=1))
        self.db.emit("entry_recorded", {"entry_id": "not-a-uuid", "amount": "x"})


@dataclass
class Gathered(TransactionState):
    """What tally's handlers gather in one transaction (a batch of events, or one), written once as it commits."""

    prepared: int = 0
    events: int = 0
    total: int = 0

    def before_commit(self, unit):
        unit.session.add(Batch(prepared=self.prepared, events=self.events, total=self.total))


class Tally(HavenService):
    name = "tally"
    catalogue = toy_catalogue

    def prepare_event_batch(self, events):
        self.db.state(Gathered).prepared = len(events)

    @event_handler("ledger", "entry_recorded")
    def on_entry_recorded(self, event):
        amount = event.data["amount"]
        ATTEMPTS[amount] = ATTEMPTS.get(amount, 0) + 1
        self.db.session.add(Applied(entry_id=event.data["entry_id"], amount=amount))
        self.db.session.flush()
        gathered = self.db.state(Gathered)
        gathered.events += 1
        gathered.total += amount
        behaviour = BEHAVIOUR.get(amount, {})
        if behaviour.get("wait_for") is not None:
            behaviour["wait_for"].wait()
        if ATTEMPTS[amount] <= behaviour.get("database_away_times", 0):
            raise sa.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("the database is away"))
        if behaviour.get("fail_always") or ATTEMPTS[amount] <= behaviour.get("fail_times", 0):
            raise RuntimeError(f"tally cannot apply amount {amount} (attempt {ATTEMPTS[amount]})")


def create_tables(url):
    engine = sa.create_engine(url)
    ToyBase.metadata.create_all(engine)
    KernelBase.metadata.create_all(engine)
    engine.dispose()


class Toys:
    def __init__(self, amqp_uri, start_service, database_url):
        self.amqp_uri = amqp_uri
        self._start = start_service
        self._database_url = database_url
        self.urls = {}
        self.token = make_token("ledger:write", org="WFP")
        # The toy world, for tests (conftest modules are not importable under --import-mode=importlib).
        self.Ledger, self.Tally, self.Entry, self.Applied, self.Batch = Ledger, Tally, Entry, Applied, Batch
        self.BEHAVIOUR, self.ATTEMPTS, self.catalogue = BEHAVIOUR, ATTEMPTS, toy_catalogue

    def url(self, name):
        if name not in self.urls:
            self.urls[name] = self._database_url("haven_kernel", migrate=False)
            create_tables(self.urls[name])
        return self.urls[name]

    def start(self, cls, **extra):
        return self._start(cls, service_config(self.amqp_uri, self.url(cls.name), **extra))

    def client(self):
        return rpc_client(self.amqp_uri, self.token)

    def rows(self, name, model):
        engine = sa.create_engine(self.url(name))
        try:
            with engine.connect() as connection:
                return connection.execute(sa.select(model.__table__)).all()
        finally:
            engine.dispose()


@pytest.fixture
def toys(amqp_uri, start_service, database_url):
    BEHAVIOUR.clear()
    ATTEMPTS.clear()
    return Toys(amqp_uri, start_service, database_url)
