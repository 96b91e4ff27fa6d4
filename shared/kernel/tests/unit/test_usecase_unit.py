"""The middle tier's unit of work (haven_kernel.testing.usecases.UseCaseUnit) on a toy service's SQLite database:
who it acts for, transactions as the entrypoints run them, and reading only what was committed."""
import pytest
import sqlalchemy as sa
from marshmallow import Schema, fields
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from haven_kernel.db import KernelBase, OutboxEvent, metadata
from haven_kernel.errors import Conflict
from haven_kernel.events import Catalogue, EventType
from haven_kernel.testing.usecases import UseCaseUnit


class Counted(Schema):
    """Something was counted."""

    n = fields.Integer(required=True)


catalogue = Catalogue.of(EventType("counter", "counted", Counted, consumers=("audit",)),
                         EventType("audit", "audited", Counted, consumers=("counter",)))


class Base(DeclarativeBase):
    metadata = metadata()


class Count(Base):
    __tablename__ = "counts"
    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int]
    by: Mapped[str]


def count(unit, n):
    """A use case: a row and its event, written for the unit's caller."""
    unit.session.add(Count(n=n, by=unit.caller.org))
    unit.emit("counted", {"n": n})


@pytest.fixture
def unit(tmp_path):
    url = f"sqlite:///{tmp_path / 'counter.db'}"
    engine = sa.create_engine(url)
    Base.metadata.create_all(engine)
    KernelBase.metadata.create_all(engine)
    engine.dispose()
    unit = UseCaseUnit(url, "counter", catalogue).act_as("counter:write", org="IOM")
    yield unit
    unit.close()


def test_a_transaction_commits_rows_and_events_together_for_its_caller(unit):
    with unit.transaction():
        count(unit, 1)
        assert unit.count(Count) == 0 and unit.events() == [], "only what is committed is read"
    assert unit.count(Count, Count.by == "IOM") == 1 and unit.events("counted") == [{"n": 1}]
    unit.act_as("counter:write", org="WFP", correlation_id="c-7")
    with unit.transaction():
        count(unit, 2)
    assert [e["correlation_id"] for e in unit.envelopes()] == ["test-1", "c-7"]
    with unit.engine.connect() as connection:
        assert connection.execute(sa.select(OutboxEvent.origin_org).order_by(OutboxEvent.id)).scalars().all() == [
            "IOM", "WFP"]
    assert (unit.caller.org, unit.caller.scopes) == ("WFP", ("counter:write",))


def test_a_transaction_that_raises_leaves_nothing(unit):
    with pytest.raises(Conflict), unit.transaction():
        count(unit, 1)
        raise Conflict("refused after writing")
    assert unit.count(Count) == 0 and unit.events() == []
    with unit.transaction():
        count(unit, 2)
    assert unit.events() == [{"n": 2}], "the unit works on after a rollback"


def test_applying_an_event_works_as_the_service_then_gives_the_caller_back(unit):
    event = catalogue.parse(catalogue.envelope("audit", "audited", {"n": 3}, correlation_id="audit-1"),
                            origin_org="UNHCR")
    with unit.applying(event):
        assert (unit.caller.sub, unit.caller.org) == ("service:counter", "HAVEN")
        count(unit, event.data["n"])
    assert unit.envelopes()[0]["correlation_id"] == "audit-1"
    assert unit.count(Count, Count.by == "HAVEN") == 1
    assert unit.caller.org == "IOM"
    with unit.engine.connect() as connection:
        assert connection.execute(sa.select(OutboxEvent.origin_org)).scalar_one() == "UNHCR"


def test_a_batch_of_events_is_prepared_then_handled_each_under_its_context_in_one_transaction(unit):
    envelopes = [catalogue.envelope("audit", "audited", {"n": n}, correlation_id=f"audit-{n}") for n in (1, 2, -1)]
    events = [catalogue.parse(envelope, origin_org=org) for envelope, org in zip(envelopes, ("UNHCR", "WFP", "IOM"))]
    seen = []

    def prepare(unit, batch):
        seen.append(("prepare", unit.context().correlation_id, [e.data["n"] for e in batch]))

    def handle(unit, event):
        seen.append(("handle", unit.context().correlation_id, unit.context().origin_org))
        if event.data["n"] < 0:
            raise Conflict("refused")
        count(unit, event.data["n"])
        return event.data["n"]

    assert unit.apply_events(events[:2], handle, prepare) == [1, 2]
    assert seen == [("prepare", "audit-1", [1, 2]), ("handle", "audit-1", "UNHCR"), ("handle", "audit-2", "WFP")]
    assert [e["correlation_id"] for e in unit.envelopes()] == ["audit-1", "audit-2"] and unit.caller.org == "IOM"
    with pytest.raises(Conflict):
        unit.apply_events(events, handle)
    assert unit.count(Count) == 2, "a batch with a failing event leaves nothing of itself"
