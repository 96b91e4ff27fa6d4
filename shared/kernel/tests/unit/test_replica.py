"""The replica of another service's records (haven_kernel.replica) on SQLite in memory: a toy spec, its model made
from the mixin, events applied in any order, and the one fallback lookup."""
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, sessionmaker

from haven_kernel.db import UnitOfWork
from haven_kernel.errors import NotFound, ServiceUnavailable
from haven_kernel.events import Catalogue
from haven_kernel.replica import Replica, ReplicaSpec, replica_model

DEPOT = ReplicaSpec(source="stores", key="depot_id", fields={"name": String(50), "status": String(10),
                                                             "bays": Integer()},
                    optional=("bays",), events=("depot_opened", "depot_closed"), lookup="get_depot",
                    scopes=("stores:read",))


class Base(DeclarativeBase):
    pass


class Depot(replica_model(DEPOT), Base):
    __tablename__ = "depots"


T0 = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)


def event(occurred_at, **data):
    return SimpleNamespace(data={"depot_id": "d-1", "name": "North", "status": "open", "bays": 3, **data},
                           occurred_at=occurred_at)


class Stores:
    """The source service's fallback method, as a ServiceRpc dependency would call it."""

    def __init__(self, answer):
        self.answer, self.asked = answer, []

    def get_depot(self, depot_id):
        self.asked.append(depot_id)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.fixture
def unit():
    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    unit = UnitOfWork(sessionmaker(engine), "consumer", {}, Catalogue.of())
    yield unit
    unit.close()
    engine.dispose()


def test_the_mixin_gives_the_key_the_fields_and_as_of():
    columns = Depot.__table__.c
    assert [c.name for c in columns] == ["depot_id", "as_of", "name", "status", "bays"]
    assert columns.depot_id.primary_key and not columns.as_of.nullable
    assert not columns.name.nullable and columns.bays.nullable


def test_an_older_event_never_overwrites_a_newer_one(unit):
    replica = Replica(Depot, unit)
    replica.apply(event(T0 + timedelta(minutes=5), status="closed", extra="ignored"))
    replica.apply(event(T0, status="open"))  # arrives late
    row = unit.session.get(Depot, "d-1")
    assert row.status == "closed" and row.bays == 3
    replica.apply(event(T0 + timedelta(minutes=6), status="open", name="North 2"))
    assert (row.status, row.name) == ("open", "North 2")


def test_an_unknown_record_is_asked_of_the_source_once_then_kept(unit):
    stores = Stores({"depot_id": "d-1", "name": "North", "status": "open", "bays": None, "manager": "x"})
    replica = Replica(Depot, unit, fallback=stores)
    assert replica.get("d-1").name == "North"
    assert replica.get("d-1").status == "open"
    assert stores.asked == ["d-1"]
    # the lookup's answer is as of now: an event that happened before it does not overwrite it
    replica.apply(event(T0, status="closed"))
    assert unit.session.get(Depot, "d-1").status == "open"


@pytest.mark.parametrize("answer", [NotFound("no such depot"), ServiceUnavailable("stores did not answer"), None])
def test_a_record_the_source_does_not_give_is_none(unit, answer):
    assert Replica(Depot, unit, fallback=Stores(answer)).get("d-9") is None
    assert Replica(Depot, unit).get("d-9") is None, "without a fallback, only the replica is read"
    assert unit.session.get(Depot, "d-9") is None
