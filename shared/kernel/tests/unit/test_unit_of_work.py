"""The unit of work's transaction API on SQLite in memory: what a transaction keeps (state), its before-commit
hooks, savepoints, and the context an emitted event carries."""
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from marshmallow import Schema, fields
from sqlalchemy.orm import sessionmaker

from haven_kernel.context import CALLER_CONTEXT_KEY, ORIGIN_ORG_CONTEXT_KEY, EventContext
from haven_kernel.db import KernelBase, OutboxEvent, TransactionState, UnitOfWork
from haven_kernel.events import Catalogue, EventType


class Counted(Schema):
    """Something was counted."""

    n = fields.Integer(required=True)


catalogue = Catalogue.of(EventType("counter", "counted", Counted, consumers=("audit",)))
LOG = []


@dataclass
class Tally(TransactionState):
    seen: list = field(default_factory=list)

    def before_commit(self, unit):
        LOG.append(("tally", tuple(self.seen)))
        unit.emit("counted", {"n": len(self.seen)})
        unit.state(Late).note = "made by a hook"


@dataclass
class Late(TransactionState):
    note: str = ""

    def before_commit(self, unit):
        LOG.append(("late", self.note))


@pytest.fixture
def unit():
    engine = sa.create_engine("sqlite://")
    KernelBase.metadata.create_all(engine)
    caller = {"sub": "tester", "org": "IOM", "scopes": ["admin"]}
    unit = UnitOfWork(sessionmaker(engine), "counter", {"correlation_id": "c-1", CALLER_CONTEXT_KEY: caller},
                      catalogue)
    LOG.clear()
    yield unit
    unit.close()
    engine.dispose()


def outbox(unit):
    return [(row.envelope["correlation_id"], row.origin_org, row.envelope["data"]["n"])
            for row in unit.session.execute(sa.select(OutboxEvent).order_by(OutboxEvent.id)).scalars()]


def test_a_state_lives_for_one_transaction_and_its_hook_runs_once_before_the_commit(unit):
    assert unit.state(Tally) is unit.state(Tally), "one instance per transaction"
    unit.state(Tally).seen.append("a")
    unit.commit()
    assert LOG == [("tally", ("a",)), ("late", "made by a hook")], "in the order made, one made by a hook included"
    assert outbox(unit) == [("c-1", "IOM", 1)], "a hook may emit; the row commits with the rest"
    assert unit.state(Tally).seen == [], "a new transaction starts with a new state"
    unit.rollback()
    unit.commit()
    assert LOG == [("tally", ("a",)), ("late", "made by a hook")], "rolled back: the hook did not run"


def test_a_savepoint_that_rolls_back_drops_the_states_made_in_it(unit):
    unit.state(Late).note = "kept"
    with pytest.raises(RuntimeError):
        with unit.savepoint():
            unit.state(Tally).seen.append("undone")
            unit.emit("counted", {"n": 99})
            raise RuntimeError("refused")
    unit.commit()
    assert LOG == [("late", "kept")] and outbox(unit) == []


def test_an_event_carries_the_context_it_is_emitted_under(unit):
    kept = unit.context()
    assert kept == EventContext("c-1", "IOM")
    unit.use_context({"correlation_id": "c-2", ORIGIN_ORG_CONTEXT_KEY: "WFP",
                      CALLER_CONTEXT_KEY: {"sub": "s", "org": "HAVEN", "scopes": []}})
    unit.emit("counted", {"n": 1})
    unit.emit("counted", {"n": 2}, context=kept)
    unit.commit()
    assert outbox(unit) == [("c-2", "WFP", 1), ("c-1", "IOM", 2)]
