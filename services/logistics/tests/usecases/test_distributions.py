"""Distribution rounds and records, the household replica, and the pipeline, over the unit of work on SQLite."""
from datetime import timedelta

import pytest

from haven_contracts.testing import household_event
from haven_kernel.errors import Conflict, ServiceUnavailable, ValidationError

from haven_logistics.distributions import Distributions, create_round
from haven_logistics.models import Distribution, Household

from .conftest import TODAY


def a_round(unit, world, item_code="KIT-SHELTER", **overrides):
    with unit.transaction():
        return create_round(unit, {"site_id": world.site_id, "warehouse_id": world.store, "item_code": item_code,
                                   "starts_on": TODAY.isoformat(),
                                   "ends_on": (TODAY + timedelta(days=13)).isoformat(), **overrides})


def record(unit, round_id, household_id, on=TODAY):
    with unit.transaction():
        return Distributions(unit).record({"round_id": round_id, "household_id": household_id,
                                           "distributed_on": on.isoformat()})


def test_one_record_per_household_per_round_the_second_names_the_first(unit, world):
    world.receive(world.store, "KIT-SHELTER", 10)
    round_id = a_round(unit, world)["round_id"]
    household = world.household(size=5)
    first = record(unit, round_id, household)
    assert first["quantity"] == 1
    with pytest.raises(Conflict, match=first["distribution_id"]):
        record(unit, round_id, household)
    assert world.on_hand(world.store, "KIT-SHELTER") == 9
    assert unit.count(Distribution) == 1
    event = unit.events("distribution_recorded")[0]
    assert (event["household_id"], event["quantity"], event["category"]) == (household, 1, "shelter")
    assert event["balances"][0]["on_hand"] == 9


def test_the_share_follows_the_rule_and_the_household_size(unit, world):
    world.receive(world.store, "KIT-HYGIENE", 10)
    round_id = a_round(unit, world, item_code="KIT-HYGIENE")["round_id"]
    sizes = {world.household(size=size): size for size in (1, 5, 6, 11)}
    with unit.transaction():
        results = Distributions(unit).record_many([{"round_id": round_id, "household_id": h,
                                                    "distributed_on": TODAY.isoformat()} for h in sizes])
    assert [r["quantity"] for r in results] == [1, 1, 2, 3]
    assert world.on_hand(world.store, "KIT-HYGIENE") == 3


def test_only_active_households_of_the_site_and_unknown_ones_are_retried(unit, world):
    world.receive(world.store, "KIT-SHELTER", 10)
    round_id = a_round(unit, world)["round_id"]
    later = household_event(world.site_id, size=3)
    with pytest.raises(ServiceUnavailable, match="retry"):
        record(unit, round_id, later["household_id"])
    world.apply("household_registered", later)  # registration's event arrives: the same call now succeeds
    assert record(unit, round_id, later["household_id"])["quantity"] == 1

    elsewhere = world.household(site_id="0b0c7a8e-3f4d-4c1e-9a61-2f8d0c4b7e21")
    with pytest.raises(Conflict, match="another site"):
        record(unit, round_id, elsewhere)
    gone = household_event(world.site_id, size=2)
    world.apply("household_registered", gone)
    world.apply("household_departed", {**gone, "status": "departed", "version": 2, "reason": "returned_home",
                                       "departure_date": TODAY.isoformat()})
    with pytest.raises(Conflict, match="departed"):
        record(unit, round_id, gone["household_id"])


def test_not_enough_stock_says_what_is_available(unit, world):
    world.receive(world.store, "BLANKET", 4)
    round_id = a_round(unit, world, item_code="BLANKET")["round_id"]
    household = world.household(size=5)
    with pytest.raises(Conflict, match="5 wanted, 4 available"):
        record(unit, round_id, household)
    assert world.on_hand(world.store, "BLANKET") == 4 and unit.count(Distribution) == 0


def test_bulk_recording_answers_each_item_in_its_place(unit, world):
    world.receive(world.store, "KIT-SHELTER", 2)
    round_id = a_round(unit, world)["round_id"]
    households = [world.household() for _ in range(3)]
    batch = [{"round_id": round_id, "household_id": h, "distributed_on": TODAY.isoformat()} for h in households]
    batch += [{"round_id": round_id, "household_id": households[0], "distributed_on": TODAY.isoformat()},
              {"round_id": round_id, "household_id": "nope", "distributed_on": TODAY.isoformat()}]
    with unit.transaction():
        results = Distributions(unit).record_many(batch)
    kinds = [r["error"]["type"] if "error" in r else "ok" for r in results]
    assert kinds == ["ok", "ok", "Conflict", "Conflict", "ValidationError"]
    assert "0 available" in results[2]["error"]["message"]
    assert results[0]["distribution_id"] in results[3]["error"]["message"]
    assert results[4]["error"]["errors"] == {"distribution.household_id": ["Must be a uuid string."]}
    with pytest.raises(ValidationError) as error, unit.transaction():
        Distributions(unit).record_many(batch * 201)
    assert list(error.value.errors) == ["distributions"]
    with pytest.raises(ValidationError), unit.transaction():
        Distributions(unit).record_many({"round_id": round_id})


def test_household_events_twice_or_out_of_order_change_nothing_twice(unit, world):
    data = household_event(world.site_id, size=3)
    world.apply("household_updated", {**data, "size": 6, "version": 3, "changed": ["members"]})
    world.apply("household_registered", data)  # version 1, overtaken by version 3
    world.apply("household_updated", {**data, "size": 6, "version": 3, "changed": ["members"]})
    with unit.transaction():
        household = unit.session.get(Household, data["household_id"])
        assert (household.size, household.version, household.status) == (6, 3, "active")


def test_the_pipeline_goes_at_risk_then_broken_with_one_event_per_change(unit, world):
    world.receive(world.store, "KIT-SHELTER", 3)
    round_id = a_round(unit, world, ends_on=TODAY.isoformat())["round_id"]
    households = [world.household() for _ in range(3)]
    for household in households[:2]:
        record(unit, round_id, household)  # 2 handed out this week, 1 left: under the 2 weeks' lead time
    statuses = [(e["previous"], e["status"]) for e in unit.events("pipeline_status_changed")]
    assert statuses == [("ok", "at_risk")]
    record(unit, round_id, households[2])
    statuses = [(e["previous"], e["status"]) for e in unit.events("pipeline_status_changed")]
    assert statuses == [("ok", "at_risk"), ("at_risk", "broken")]
    assert unit.events("pipeline_status_changed")[-1]["on_hand"] == 0
