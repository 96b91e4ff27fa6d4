"""Allocation from registration's events (published here as registration's relay would), the manual override, the
waitlist, the insert-only history, and two allocations racing for the last unit on PostgreSQL."""
import uuid

import pytest
import sqlalchemy as sa

from haven_kernel.db import ProcessedEvent
from haven_kernel.errors import Conflict, NotFound
from haven_kernel.testing import race, wait_until

pytestmark = pytest.mark.service

FAMILY_TENT = {"unit_type": "family_tent", "covered_area_m2": 16.0}  # 4 persons
SMALL_KIT = {"unit_type": "emergency_shelter_kit", "covered_area_m2": 7.0}  # 2 persons


def of(recorder, event_type, **match):
    return [e["data"] for e in recorder.events(event_type)
            if all(e["data"].get(key) == value for key, value in match.items())]


def test_duplicate_delivery_allocates_once_and_stale_events_are_ignored(shelter, record_events, make_household_data):
    events = record_events(shelter.amqp_uri, "shelter")
    site_id = shelter.create_site(units=[FAMILY_TENT, SMALL_KIT])["site_id"]
    data = make_household_data(site_id, size=2)
    household_id = data["household_id"]
    event_id = str(uuid.uuid4())
    shelter.household_event("household_registered", data, event_id=event_id)
    shelter.household_event("household_registered", data, event_id=event_id)  # the broker delivers it again
    shelter.household_event("household_registered", data)  # a replay under a new id: same version, ignored
    shelter.wait_status(household_id, "allocated")
    wait_until(lambda: shelter.count(ProcessedEvent) == 2, message="both distinct events processed")
    events.wait_for("shelter_allocated")
    events.drain(0.5)
    allocated = of(events, "shelter_allocated")
    assert len(allocated) == 1, "one allocation for one household, however often the event comes"
    assert allocated[0]["unit_type"] == "emergency_shelter_kit", "the smallest unit that fits"
    assert allocated[0]["persons"] == 2 and allocated[0]["manual"] is False

    # Out of order: the update (version 3) overtakes the departure (version 2)... which then changes nothing.
    shelter.household_event("household_updated", {**data, "size": 3, "version": 3, "changed": ["members"]})
    shelter.wait_status(household_id, "allocated", version=3)
    shelter.household_event("household_departed", {**data, "status": "departed", "version": 2,
                                                   "reason": "returned_home", "departure_date": "2026-11-28"})
    wait_until(lambda: shelter.count(ProcessedEvent) == 4, message="all events processed")
    with shelter.client("reader") as client:
        allocation = client.shelter.get_allocation(household_id)
        assert allocation["status"] == "allocated" and allocation["persons"] == 3, "the stale departure was ignored"


def test_relocation_of_a_household_never_seen_allocates_at_the_new_site(shelter, make_household_data):
    old_site = shelter.create_site(units=[FAMILY_TENT])["site_id"]
    new_site = shelter.create_site(units=[FAMILY_TENT], name="Camp B")["site_id"]
    data = make_household_data(new_site, size=4, version=2, from_site_id=old_site, to_site_id=new_site)
    shelter.household_event("household_relocated", data)
    shelter.wait_status(data["household_id"], "allocated")
    shelter.household_event("household_registered", make_household_data(old_site, household_id=data["household_id"]))
    departed = make_household_data(old_site, size=1, status="departed", reason="deceased",
                                   departure_date="2026-11-28")
    shelter.household_event("household_departed", departed)  # never seen: recorded, nothing allocated
    shelter.wait_status(departed["household_id"], "released")
    with shelter.client() as client:
        assert client.shelter.get_allocation(data["household_id"])["site_id"] == new_site
        assert client.shelter.get_site(old_site)["households"] == 0
        assert client.shelter.get_site(new_site)["occupants"] == 4
        assert client.shelter.get_allocation_history(departed["household_id"]) == []


def test_waitlist_order_site_full_and_units_out_of_service(shelter, record_events, make_household_data):
    events = record_events(shelter.amqp_uri, "shelter")
    site_id = shelter.create_site(units=[FAMILY_TENT])["site_id"]
    first = shelter.register(site_id, size=4)["household_id"]
    shelter.wait_status(first, "allocated")
    large = shelter.register(site_id, size=6)["household_id"]
    shelter.wait_status(large, "waitlisted")
    small = shelter.register(site_id, size=2)["household_id"]
    shelter.wait_status(small, "waitlisted")
    last = shelter.register(site_id, size=3)["household_id"]
    shelter.wait_status(last, "waitlisted")
    with shelter.client() as client:
        assert [(w["household_id"], w["position"]) for w in client.shelter.list_waitlist(site_id)] == [
            (large, 1), (small, 2), (last, 3)]
        # Two 4-person tents: the family of six still fits neither and keeps its place; the next two are served.
        added = client.shelter.add_shelter_units(site_id, [{**FAMILY_TENT, "count": 2}])
        assert [u["number"] for u in added["units"]] == [2, 3] and added["units"][0]["capacity_persons"] == 4
        assert added["site"]["waitlisted_households"] == 1 and added["site"]["units_free"] == 0
        assert client.shelter.get_allocation(large)["waitlist_position"] == 1
        # A transitional shelter for eight, given a capacity explicitly, goes to the family of six.
        client.shelter.add_shelter_units(site_id, [{"unit_type": "transitional_shelter", "covered_area_m2": 24.0,
                                                    "capacity_persons": 8}])
        assert client.shelter.get_allocation(large)["unit_capacity_persons"] == 8
        assert client.shelter.list_waitlist(site_id) == []

        # The first family leaves: its tent is free, the site is no longer full.
        shelter.household_event("household_departed", make_household_data(
            site_id, household_id=first, status="departed", version=2, reason="returned_home",
            departure_date="2026-11-28"))
        shelter.wait_status(first, "released")
        units = client.shelter.list_units(site_id, status="available")
        free_tent = next(u for u in units if u["household_id"] is None)
        # A damaged tent goes out of service (an occupied one cannot: move its household first).
        occupied = next(u for u in units if u["household_id"] == small)
        with pytest.raises(Conflict):
            client.shelter.set_unit_status(occupied["unit_id"], "unavailable")
        assert client.shelter.set_unit_status(free_tent["unit_id"], "unavailable")["status"] == "unavailable"
        site = client.shelter.get_site(site_id)
        assert (site["units_total"], site["units_available"], site["units_free"], site["capacity_persons"]) == \
            (4, 3, 0, 16)
        newcomer = shelter.register(site_id, size=1)["household_id"]
        shelter.wait_status(newcomer, "waitlisted")
        client.shelter.set_unit_status(free_tent["unit_id"], "available")  # repaired: the queue is served
        assert client.shelter.get_allocation(newcomer)["unit_id"] == free_tent["unit_id"]

    events.wait_for("site_capacity_changed", count=5)
    events.drain(0.5)
    # Full after the first allocation; not again while units changed hands within one change; full again only after
    # a tent had come free in between (when that last free tent went out of service).
    assert len(of(events, "site_full", site_id=site_id)) == 2
    assert [e["position"] for e in of(events, "allocation_waitlisted")] == [1, 2, 3, 1]
    assert [(e["units_total"], e["units_available"]) for e in of(events, "site_capacity_changed")] == [
        (1, 1), (3, 3), (4, 4), (4, 3), (4, 4)]


def test_manual_allocation_and_insert_only_history(shelter, record_events, make_household_data):
    events = record_events(shelter.amqp_uri, "shelter")
    with shelter.client() as client:
        site = shelter.create_site(client, units=[SMALL_KIT, FAMILY_TENT])
        elsewhere = shelter.create_site(client, units=[SMALL_KIT], name="Camp B")
        kit, tent = [u["unit_id"] for u in client.shelter.list_units(site["site_id"])]
        couple = shelter.register(site["site_id"], size=2)["household_id"]
        shelter.wait_status(couple, "allocated")
        assert client.shelter.get_allocation(couple)["unit_id"] == kit

        # The camp manager moves the couple to the tent: the kit is released (reallocated), the tent allocated.
        moved = client.shelter.allocate_shelter(couple, tent)
        assert moved["unit_id"] == tent and moved["status"] == "allocated"
        assert client.shelter.allocate_shelter(couple, tent)["unit_id"] == tent  # asking again changes nothing
        family = shelter.register(site["site_id"], size=4)["household_id"]
        shelter.wait_status(family, "waitlisted")  # the free kit is too small for four
        with pytest.raises(Conflict):
            client.shelter.allocate_shelter(family, tent)  # taken
        with pytest.raises(Conflict):
            client.shelter.allocate_shelter(family, client.shelter.list_units(elsewhere["site_id"])[0]["unit_id"])
        with pytest.raises(NotFound):
            client.shelter.allocate_shelter(str(uuid.uuid4()), kit)
        with pytest.raises(NotFound):
            client.shelter.allocate_shelter(family, str(uuid.uuid4()))
        # An override may put a family in a smaller unit than the standard says (the camp manager decides).
        assert client.shelter.allocate_shelter(family, kit)["unit_id"] == kit
        assert client.shelter.list_waitlist(site["site_id"]) == []

        history = client.shelter.get_allocation_history(couple)
        assert [(h["action"], h["reason"], h["manual"], h["unit_id"]) for h in history] == [
            ("allocated", "automatic", False, kit), ("released", "reallocated", False, kit),
            ("allocated", "manual", True, tent)]
        assert history[2]["actor"] == "camp-manager" and history[0]["actor"].startswith("event:registration.")
    events.wait_for("shelter_allocated", count=3)
    events.drain(0.3)
    assert [(e["household_id"], e["manual"]) for e in of(events, "shelter_allocated")] == [
        (couple, False), (couple, True), (family, True)]
    assert of(events, "shelter_released")[0]["reason"] == "reallocated"

    engine = sa.create_engine(shelter.database_url)
    try:
        with pytest.raises(sa.exc.DBAPIError, match="insert-only"):
            with engine.begin() as connection:
                connection.execute(sa.text("UPDATE allocation_history SET reason = 'rewritten'"))
        with pytest.raises(sa.exc.DBAPIError, match="insert-only"):
            with engine.begin() as connection:
                connection.execute(sa.text("DELETE FROM allocation_history"))
    finally:
        engine.dispose()


def test_closing_a_site_empties_its_queue_and_reopening_takes_its_households_back(shelter, record_events,
                                                                                 make_household_data):
    events = record_events(shelter.amqp_uri, "shelter")
    with shelter.client() as client:
        site_id = shelter.create_site(client, units=[SMALL_KIT])["site_id"]
        kit = client.shelter.list_units(site_id)[0]["unit_id"]
        waiting = [shelter.register(site_id, size=4)["household_id"] for _ in range(2)]
        for household_id in waiting:
            shelter.wait_status(household_id, "waitlisted")

        closed = client.shelter.close_site(site_id, "river flooding")
        assert closed["status"] == "closed" and closed["closed_reason"] == "river flooding"
        assert closed["waitlisted_households"] == 0
        assert all(client.shelter.get_allocation(h)["status"] == "unallocated" for h in waiting)
        with pytest.raises(Conflict):
            client.shelter.close_site(site_id, "again")
        with pytest.raises(Conflict):
            client.shelter.add_shelter_units(site_id, [FAMILY_TENT])
        with pytest.raises(Conflict):
            client.shelter.allocate_shelter(waiting[0], kit)  # a closed site takes no allocations
        late = shelter.register(site_id, size=1)["household_id"]  # registered before registration heard
        shelter.wait_status(late, "unallocated")
        assert client.shelter.list_sites(status="closed")[0]["site_id"] == site_id
        assert client.shelter.list_sites(status="open") == []

        reopened = client.shelter.reopen_site(site_id)
        assert reopened["status"] == "open" and reopened["closed_reason"] is None
        with pytest.raises(Conflict):
            client.shelter.reopen_site(site_id)
        # Households still registered here are placed again: the single person gets the kit, the families queue.
        assert client.shelter.get_allocation(late)["unit_id"] == kit
        assert [w["household_id"] for w in client.shelter.list_waitlist(site_id)] == waiting

    events.wait_for("site_opened", count=2)
    events.drain(0.3)
    assert [(e["household_id"], e["reason"]) for e in of(events, "waitlist_left")] == [(h, "site_closed")
                                                                                       for h in waiting]
    closed_event = of(events, "site_closed")[0]
    assert closed_event["status"] == "closed" and closed_event["reason"] == "river flooding"
    assert [e["status"] for e in of(events, "site_opened")] == ["open", "open"]


def _race(client, method, calls):
    """Fire every call before waiting for any reply; return the outcomes in call order."""
    return race(getattr(client.shelter, method), calls)


def test_allocations_racing_for_the_last_unit_exactly_one_wins(shelter):
    with shelter.client() as client:
        site_id = shelter.create_site(client, units=[{"unit_type": "host_plot", "covered_area_m2": 3.5}])["site_id"]
        unit_id = client.shelter.list_units(site_id)[0]["unit_id"]
        households = [shelter.register(site_id, size=4)["household_id"] for _ in range(6)]
        for household_id in households:
            shelter.wait_status(household_id, "waitlisted")  # the one-person plot fits none of them

        outcomes = _race(client, "allocate_shelter", [(h, unit_id) for h in households])
        assert sorted(outcomes) == ["conflict"] * 5 + ["ok"]
        winner = households[outcomes.index("ok")]
        assert client.shelter.get_allocation(winner)["unit_id"] == unit_id
        assert len(client.shelter.list_waitlist(site_id)) == 5
        assert client.shelter.get_site(site_id)["households"] == 1


def test_households_arriving_together_never_share_a_unit(shelter, record_events):
    events = record_events(shelter.amqp_uri, "shelter")
    site_id = shelter.create_site(units=[{**FAMILY_TENT, "count": 3}])["site_id"]
    households = [shelter.register(site_id, size=4)["household_id"] for _ in range(10)]
    wait_until(lambda: shelter.count(ProcessedEvent) == 10, message="ten registrations handled")
    with shelter.client("reader") as client:
        allocations = [client.shelter.get_allocation(h) for h in households]
        site = client.shelter.get_site(site_id)
    units = [a["unit_id"] for a in allocations if a["status"] == "allocated"]
    assert len(units) == 3 and len(set(units)) == 3
    assert sorted(a["waitlist_position"] for a in allocations if a["status"] == "waitlisted") == list(range(1, 8))
    assert (site["households"], site["waitlisted_households"], site["units_free"]) == (3, 7, 0)
    events.wait_for("allocation_waitlisted", count=7)
    events.drain(0.3)
    assert sorted(e["position"] for e in of(events, "allocation_waitlisted")) == list(range(1, 8))
    assert len(of(events, "site_full")) == 1
