"""Shelter and registration as real services on one broker (each with its own database): sites flow to
registration, households flow to shelter, and shelter allocates, queues, frees and moves units."""
from datetime import date

import pytest

from haven_contracts import catalogue
from haven_kernel.errors import Conflict
from haven_kernel.testing import wait_until

pytestmark = pytest.mark.service

FAMILY_TENT = {"unit_type": "family_tent", "covered_area_m2": 16.0}  # floor(16 / 3.5) = 4 persons


def of(recorder, event_type, **match):
    return [e["data"] for e in recorder.events(event_type)
            if all(e["data"].get(key) == value for key, value in match.items())]


def test_registered_households_get_units_queue_move_and_leave(shelter, registration, record_events,
                                                              make_registration_household):
    events = record_events(shelter.amqp_uri, "shelter")
    with shelter.client() as sc, registration.client() as rc:
        camp = shelter.create_site(sc, units=[FAMILY_TENT], name="Camp A")
        school = shelter.create_site(sc, units=[FAMILY_TENT], name="Escola B", site_type="collective_centre")
        camp_id, school_id = camp["site_id"], school["site_id"]
        assert camp["capacity_persons"] == 4 and camp["units_free"] == 1 and camp["occupants"] == 0
        wait_until(lambda: registration.site_known(camp_id) and registration.site_known(school_id),
                   message="registration learns the sites from site_opened")

        # A household registered at the camp gets its only unit; the site's occupancy follows.
        first = rc.registration.register_household(make_registration_household(camp_id, size=4))["household_id"]
        shelter.wait_status(first, "allocated")
        allocation = sc.shelter.get_allocation(first)
        first_unit = allocation["unit_id"]
        assert allocation["site_id"] == camp_id and allocation["persons"] == 4
        assert allocation["unit_type"] == "family_tent" and allocation["since"]
        site = sc.shelter.get_site(camp_id)
        assert (site["households"], site["occupants"], site["units_free"], site["occupancy_rate"]) == (1, 4, 0, 1.0)
        assert site["covered_area_per_person_m2"] == 4.0
        assert site["standards"]["covered_area_per_person_m2"] == {"value": 4.0, "target": 3.5, "met": True}

        # The camp is full: the next households wait, first come first served.
        second = rc.registration.register_household(make_registration_household(camp_id, size=3))["household_id"]
        third = rc.registration.register_household(make_registration_household(camp_id, size=2))["household_id"]
        shelter.wait_status(second, "waitlisted")
        shelter.wait_status(third, "waitlisted")
        assert [w["household_id"] for w in sc.shelter.list_waitlist(camp_id)] == [second, third]
        assert sc.shelter.get_site(camp_id)["waitlisted_households"] == 2

        # A new tent goes to the first in the queue.
        sc.shelter.add_shelter_units(camp_id, [FAMILY_TENT])
        assert sc.shelter.get_allocation(second)["status"] == "allocated"
        assert sc.shelter.list_waitlist(camp_id) == [
            {"household_id": third, "persons": 2, "position": 1, "since": sc.shelter.get_allocation(third)["since"]}]

        # A departure frees its unit, which goes to the next in the queue.
        rc.registration.record_departure(first, "returned_home", date.today().isoformat())
        shelter.wait_status(first, "released")
        assert sc.shelter.get_allocation(third)["unit_id"] == first_unit
        assert sc.shelter.list_waitlist(camp_id) == []

        # A relocation releases at the old site and allocates at the new one.
        rc.registration.relocate_household(second, school_id)
        wait_until(lambda: shelter.allocation(second)[2] == school_id and shelter.allocation(second)[0] == "allocated",
                   message="relocated household allocated at the school")
        assert sc.shelter.get_site(school_id)["occupants"] == 3
        camp = sc.shelter.get_site(camp_id)
        assert (camp["households"], camp["occupants"], camp["units_free"]) == (1, 2, 1)

        # An occupied site cannot be closed.
        with pytest.raises(Conflict):
            sc.shelter.close_site(camp_id, "flooding")
        assert sc.shelter.get_site(camp_id)["status"] == "open"

        history = [(h["action"], h["reason"]) for h in sc.shelter.get_allocation_history(second)]
        assert history == [("waitlisted", None), ("allocated", "waitlist"), ("released", "relocated"),
                           ("allocated", "automatic")]

    events.wait_for("shelter_released", count=2)
    events.drain(0.5)
    for envelope in events.events():
        catalogue.parse(envelope)  # every event shelter published matches its catalogue entry
    assert len(of(events, "shelter_allocated", household_id=first)) == 1, "allocated exactly once"
    assert [(e["household_id"], e["position"]) for e in of(events, "allocation_waitlisted")] == [(second, 1),
                                                                                               (third, 2)]
    assert [(e["household_id"], e["reason"]) for e in of(events, "shelter_released")] == [(first, "departed"),
                                                                                         (second, "relocated")]
    assert of(events, "shelter_allocated", household_id=third)[0]["unit_id"] == first_unit
    # The camp filled once and stayed full while units changed hands within one transaction; the school filled once.
    assert len(of(events, "site_full", site_id=camp_id)) == 1 and len(of(events, "site_full", site_id=school_id)) == 1
    assert of(events, "site_capacity_changed", site_id=camp_id)[-1] == {
        "site_id": camp_id, "units_total": 2, "units_available": 2, "capacity_persons": 8, "covered_area_m2": 32.0}


def test_registration_asks_shelter_for_a_site_it_has_not_heard_of(shelter, registration,
                                                                   make_registration_household):
    """Registration's ServiceRpc (its own token, scope shelter:read) reads shelter.get_site when site_opened has not
    reached it yet."""
    shelter.relay.pause()
    with shelter.client() as sc, registration.client() as rc:
        site_id = shelter.create_site(sc, units=[FAMILY_TENT])["site_id"]
        assert not registration.site_known(site_id)
        household = rc.registration.register_household(make_registration_household(site_id, size=2))
        assert registration.site_known(site_id), "registration stored the site it read from shelter"
        shelter.wait_status(household["household_id"], "allocated")
    shelter.relay.resume()
