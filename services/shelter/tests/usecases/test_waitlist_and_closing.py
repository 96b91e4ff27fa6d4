"""The waitlist and closing a site, through shelter's use cases and its household-event handlers on SQLite: who gets
a unit, who waits and in what order, what closing and reopening a site do to the households there."""
import pytest

from haven_kernel.errors import Conflict

FAMILY_TENT = {"unit_type": "family_tent", "covered_area_m2": 16.0}  # 4 persons
SMALL_KIT = {"unit_type": "emergency_shelter_kit", "covered_area_m2": 7.0}  # 2 persons


def departed(data, version=2):
    return {**data, "status": "departed", "version": version, "reason": "returned_home",
            "departure_date": "2026-11-29"}


def status(shelter_db, household):
    allocation = shelter_db.allocation("get_allocation", household["household_id"])
    return allocation["status"], allocation["unit_id"], allocation["waitlist_position"]


def test_the_waitlist_is_served_first_come_first_served(shelter_db, make_site, make_household_data):
    site_id = shelter_db.sites("create", make_site())["site_id"]
    tent = shelter_db.sites("add_units", site_id, [FAMILY_TENT])["units"][0]["unit_id"]
    holder, couple, family, pair = (make_household_data(site_id, size=size) for size in (4, 2, 4, 2))
    shelter_db.apply(("household_registered", holder))
    shelter_db.apply(*(("household_registered", h) for h in (couple, family, pair)))  # one batch, in this order

    assert status(shelter_db, holder) == ("allocated", tent, None)
    assert [(w["household_id"], w["position"]) for w in shelter_db.allocation("waitlist", site_id)] == [
        (couple["household_id"], 1), (family["household_id"], 2), (pair["household_id"], 3)]
    assert [e["position"] for e in shelter_db.emitted("allocation_waitlisted")] == [1, 2, 3]
    assert [site for site in shelter_db.emitted("site_full")] == [
        {"site_id": site_id, "units_total": 1, "capacity_persons": 4}], "full once, when the tent was taken"

    # A kit for two: the first in the queue it fits gets it (the couple), not a later arrival of the same size.
    kit = shelter_db.sites("add_units", site_id, [SMALL_KIT])["units"][0]["unit_id"]
    assert status(shelter_db, couple) == ("allocated", kit, None)
    assert status(shelter_db, pair)[::2] == ("waitlisted", 2)

    # The tent comes free: it goes to the family, first in the queue now, though the pair behind it fits too.
    shelter_db.apply(("household_departed", departed(holder)))
    assert status(shelter_db, holder)[0] == "released"
    assert status(shelter_db, family) == ("allocated", tent, None)
    assert status(shelter_db, pair) == ("waitlisted", None, 1)
    served = shelter_db.emitted("shelter_allocated")[-1]
    assert (served["household_id"], served["unit_id"]) == (family["household_id"], tent)
    history = shelter_db.allocation("history", family["household_id"])
    assert [(h["action"], h["reason"]) for h in history] == [("waitlisted", None), ("allocated", "waitlist")]
    assert shelter_db.sites("get", site_id)["waitlisted_households"] == 1


def test_a_household_whose_event_came_late_keeps_its_turn(shelter_db, make_site, make_household_data):
    """Issue 11, finding 2: the event of a household registered first reaches shelter after those of two households
    registered after it (it failed once and came back from a retry queue): it still stands first in the queue and
    gets the next unit that fits."""
    from datetime import datetime, timedelta, timezone
    t0 = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
    site_id = shelter_db.sites("create", make_site())["site_id"]
    shelter_db.sites("add_units", site_id, [FAMILY_TENT])
    holder, first, second, third = (make_household_data(site_id, size=4) for _ in range(4))
    for offset, household in enumerate((holder, first, second, third)):
        household["registered_at"] = (t0 + timedelta(seconds=offset)).isoformat()
    shelter_db.apply(("household_registered", holder))
    shelter_db.apply(("household_registered", second), ("household_registered", third))
    shelter_db.apply(("household_registered", first))  # late

    assert [w["household_id"] for w in shelter_db.allocation("waitlist", site_id)] == [
        first["household_id"], second["household_id"], third["household_id"]]
    assert status(shelter_db, first) == ("waitlisted", None, 1)
    assert status(shelter_db, second)[2] == 2
    shelter_db.apply(("household_departed", departed(holder)))
    assert status(shelter_db, first)[0] == "allocated", "the unit freed goes to the first registered"


def test_closing_a_site_ends_every_wait_there_and_is_refused_while_anyone_is_sheltered(
        shelter_db, make_site, make_household_data):
    site_id = shelter_db.sites("create", make_site())["site_id"]
    kit = shelter_db.sites("add_units", site_id, [SMALL_KIT])["units"][0]["unit_id"]
    couple = make_household_data(site_id, size=2)
    waiting = [make_household_data(site_id, size=4) for _ in range(2)]
    shelter_db.apply(("household_registered", couple), *(("household_registered", h) for h in waiting))
    assert status(shelter_db, couple) == ("allocated", kit, None)

    emitted = len(shelter_db.events)
    with pytest.raises(Conflict, match="still shelters 1 household"):
        shelter_db.sites("close", site_id, "river flooding")
    assert len(shelter_db.events) == emitted, "a refused close says nothing"
    assert shelter_db.sites("get", site_id)["status"] == "open"
    assert [w["household_id"] for w in shelter_db.allocation("waitlist", site_id)] == [
        h["household_id"] for h in waiting], "and ends no wait"

    shelter_db.apply(("household_departed", departed(couple)))  # the kit is free, too small for either family
    closed = shelter_db.sites("close", site_id, "river flooding")
    assert (closed["status"], closed["closed_reason"], closed["waitlisted_households"]) == \
        ("closed", "river flooding", 0)
    assert [status(shelter_db, h) for h in waiting] == [("unallocated", None, None)] * 2
    assert [(e["household_id"], e["reason"]) for e in shelter_db.emitted("waitlist_left")] == [
        (h["household_id"], "site_closed") for h in waiting], "each wait ended, in queue order"
    assert shelter_db.emitted("site_closed")[0]["reason"] == "river flooding"
    assert shelter_db.allocation("waitlist", site_id) == []

    # Registration still places a household here (it had not heard): shelter records it without a place.
    late = make_household_data(site_id, size=1)
    shelter_db.apply(("household_registered", late))
    assert status(shelter_db, late) == ("unallocated", None, None)
    with pytest.raises(Conflict):
        shelter_db.allocation("allocate_manually", late["household_id"], kit)

    # Reopened: everyone still registered here is placed again, the longest stranded first.
    shelter_db.sites("reopen", site_id)
    assert [w["household_id"] for w in shelter_db.allocation("waitlist", site_id)] == [
        h["household_id"] for h in waiting]
    assert status(shelter_db, late) == ("allocated", kit, None)
