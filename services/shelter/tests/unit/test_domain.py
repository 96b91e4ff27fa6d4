"""Shelter's rules without a broker or a database: capacity, allocation policy, queue order, site full, how household
events are reconciled, and the minimum-standards indicators."""
import pytest

from haven_contracts.standards import DEFAULT_TARGETS, targets_from_config
from haven_shelter import domain
from haven_shelter.domain import FreeUnit, Known, Facts, Plan, SiteFigures, Waiting

pytestmark = pytest.mark.unit
SPHERE = DEFAULT_TARGETS


# -- capacity ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("area, persons", [(16.0, 4), (17.5, 5), (10.5, 3), (3.5, 1), (3.49, 1), (0.5, 1),
                                           (7.0, 2), (20.99, 5), (21.0, 6), (350.0, 100)])
def test_capacity_is_covered_area_over_the_standard_floored_at_least_one(area, persons):
    assert domain.derived_capacity(area, SPHERE) == persons


def test_capacity_follows_the_configured_standard():
    cold = targets_from_config({"SPHERE_COVERED_AREA_M2_PER_PERSON": "4.5"})
    assert cold["covered_area_m2_per_person"] == 4.5 and cold["people_per_tap"] == 250
    assert domain.derived_capacity(16.0, cold) == 3


def test_the_service_config_sets_every_target_under_the_kernels_names():
    import os
    import yaml
    path = os.path.join(os.path.dirname(__file__), "..", "..", "config.yml")
    with open(path) as handle:
        keys = set(yaml.safe_load(handle))
    from haven_contracts.standards import CONFIG_KEYS
    assert set(CONFIG_KEYS.values()) <= keys


# -- allocation policy ---------------------------------------------------------------------------------------------
def units(*capacities):
    return [FreeUnit(f"u{i}", c, covered_area_m2=c * 3.5, order=i) for i, c in enumerate(capacities, start=1)]


def test_smallest_free_unit_that_fits():
    free = units(6, 2, 4, 4, 8)
    assert domain.choose_unit(3, free).unit_id == "u3"  # 4 is the smallest that fits; the older of the two fours
    assert domain.choose_unit(2, free).unit_id == "u2"
    assert domain.choose_unit(5, free).unit_id == "u1"
    assert domain.choose_unit(8, free).unit_id == "u5"
    assert domain.choose_unit(9, free) is None
    assert domain.choose_unit(1, []) is None


def test_smaller_area_breaks_a_capacity_tie():
    free = [FreeUnit("big", 4, 18.0, 1), FreeUnit("snug", 4, 14.0, 2)]
    assert domain.choose_unit(4, free).unit_id == "snug"


def test_queue_is_served_first_come_first_served():
    waiting = [Waiting("late", 2, 7), Waiting("first", 2, 3), Waiting("second", 2, 5)]
    served = domain.serve_queue(waiting, units(2, 2))
    assert [household for household, _ in served] == ["first", "second"]
    assert [unit.unit_id for _, unit in served] == ["u1", "u2"]


def test_a_household_nothing_fits_keeps_its_place_without_blocking_those_behind():
    waiting = [Waiting("big", 7, 1), Waiting("small", 2, 2), Waiting("medium", 4, 3)]
    served = dict(domain.serve_queue(waiting, units(4, 2)))
    assert served["small"].unit_id == "u2" and served["medium"].unit_id == "u1" and "big" not in served


def test_a_unit_goes_to_the_earliest_household_it_fits():
    waiting = [Waiting("big", 6, 1), Waiting("small", 1, 2)]
    served = domain.serve_queue(waiting, units(6))
    assert [(h, u.unit_id) for h, u in served] == [("big", "u1")]


def test_queue_position_counts_who_is_ahead():
    keys = [domain.queue_key(None, n) for n in (3, 5, 9)]
    assert domain.queue_position(keys, domain.queue_key(None, 3)) == 1
    assert domain.queue_position(keys, domain.queue_key(None, 9)) == 3


def test_the_queue_goes_by_registration_time_not_by_when_the_event_came():
    """Issue 11, finding 2: a household whose event was delayed (a fault, a retry) took a later ticket, but it was
    registered first: it is served first and stands first."""
    from datetime import datetime, timedelta, timezone
    t0 = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
    waiting = [Waiting("came-first", 2, 3, t0 + timedelta(seconds=5)), Waiting("delayed", 2, 9, t0),
               Waiting("came-second", 2, 4, t0 + timedelta(seconds=6))]
    assert [household for household, _ in domain.serve_queue(waiting, units(2))] == ["delayed"]
    keys = [domain.queue_key(w.registered_at, w.queue_number) for w in waiting]
    assert domain.queue_position(keys, domain.queue_key(t0, 9)) == 1
    naive = datetime(2026, 12, 1, 8, 0)  # as SQLite gives it back: read as UTC
    assert domain.queue_key(naive, 1) < domain.queue_key(t0 + timedelta(seconds=1), 0)


# -- site full -----------------------------------------------------------------------------------------------------
def test_site_full_is_announced_once_per_filling():
    assert domain.full_transition(False, units_available=3, units_free=0) == (True, True)
    assert domain.full_transition(True, units_available=3, units_free=0) == (True, False)  # still full: quiet
    assert domain.full_transition(True, units_available=3, units_free=1) == (False, False)  # a unit came free
    assert domain.full_transition(False, units_available=3, units_free=0) == (True, True)  # full again: announce
    assert domain.full_transition(False, units_available=0, units_free=0) == (False, False)  # no units: not full


# -- household events ----------------------------------------------------------------------------------------------
def known(site="A", persons=4, version=1, registration_status="active", status="allocated"):
    return Known(site, persons, version, registration_status, status)


def facts(site="A", persons=4, version=2, registration_status="active"):
    return Facts(site, persons, version, registration_status)


def test_first_news_of_a_household_places_it_at_its_site():
    assert domain.reconcile(None, facts(version=1)) == Plan(place=True)
    assert domain.reconcile(None, facts(site="B", version=2)) == Plan(place=True)  # a relocation seen first


def test_stale_and_repeated_events_are_ignored():
    assert domain.reconcile(known(version=2), facts(version=2)).ignore
    assert domain.reconcile(known(version=3), facts(site="B", version=2)).ignore


def test_departure_releases_whatever_the_household_holds():
    assert domain.reconcile(known(), facts(registration_status="departed")) == Plan(leave_reason="departed")
    assert domain.reconcile(known(status="waitlisted"), facts(registration_status="departed")) == \
        Plan(leave_reason="departed")
    assert domain.reconcile(known(status="unallocated"), facts(registration_status="departed")) == Plan()
    assert domain.reconcile(None, facts(registration_status="departed")) == Plan()


def test_a_new_site_means_relocation_even_when_the_relocation_event_was_missed():
    assert domain.reconcile(known(), facts(site="B")) == Plan(leave_reason="relocated", place=True)
    assert domain.reconcile(known(status="unallocated"), facts(site="B")) == Plan(place=True)


def test_size_changes_reserve_the_queue_only_for_waiting_households():
    assert domain.reconcile(known(status="waitlisted"), facts(persons=2)) == Plan(reserve_queue=True)
    assert domain.reconcile(known(status="allocated"), facts(persons=6)) == Plan()  # nobody is evicted
    assert domain.reconcile(known(status="unallocated"), facts(persons=6)) == Plan(place=True)


# -- minimum standards (the kernel's shared indicators, fed with shelter's figures) ------------------------------------
def test_without_people_or_figures_every_indicator_is_null():
    block = domain.standards_block(SiteFigures(), None, SPHERE)
    assert set(block) == {"covered_area_per_person_m2", "people_per_latrine", "female_latrine_share",
                          "people_per_tap", "people_per_hand_pump", "water_litres_per_person_per_day"}
    assert all(value is None for value in block.values())
    assert domain.standards_summary(block) == (0, 0)
    assert domain.occupancy_rate(SiteFigures()) is None and domain.covered_area_per_person(SiteFigures()) is None


def test_covered_area_uses_the_units_people_live_in():
    figures = SiteFigures(capacity_persons=20, occupants=10, occupied_area_m2=32.0, covered_area_m2=80.0)
    assert domain.occupancy_rate(figures) == 0.5
    assert domain.covered_area_per_person(figures) == 3.2
    assert domain.standards_block(figures, None, SPHERE)["covered_area_per_person_m2"] == \
        {"value": 3.2, "target": 3.5, "met": False}
    roomy = SiteFigures(capacity_persons=20, occupants=10, occupied_area_m2=35.0)
    assert domain.standards_block(roomy, None, SPHERE)["covered_area_per_person_m2"]["met"] is True


def test_wash_indicators_against_sphere():
    figures = SiteFigures(occupants=1000, occupied_area_m2=4000.0)
    services = {"latrines": 25, "latrines_female": 15, "water_taps": 5, "hand_pumps": 1,
                "water_litres_per_day": 14000.0, "showers": None, "phase": "emergency"}
    block = domain.standards_block(figures, services, SPHERE)
    assert block == {
        "covered_area_per_person_m2": {"value": 4.0, "target": 3.5, "met": True},
        "people_per_latrine": {"value": 40.0, "target": 50, "met": True},
        "female_latrine_share": {"value": 0.6, "target": 0.75, "met": False},
        "people_per_tap": {"value": 200.0, "target": 250, "met": True},
        "people_per_hand_pump": {"value": 1000.0, "target": 500, "met": False},
        "water_litres_per_person_per_day": {"value": 14.0, "target": 15, "met": False},
    }
    assert domain.standards_summary(block) == (3, 6)
    stabilised = domain.standards_block(figures, {**services, "phase": "stabilised"}, SPHERE)
    assert stabilised["people_per_latrine"] == {"value": 40.0, "target": 20, "met": False}


def test_missing_figures_stay_null_and_zero_latrines_fail_without_a_made_up_value():
    figures = SiteFigures(occupants=100, occupied_area_m2=400.0)
    block = domain.standards_block(figures, {"latrines": 0, "latrines_female": None, "water_taps": None,
                                             "hand_pumps": None, "water_litres_per_day": None,
                                             "phase": "emergency"}, SPHERE)
    assert block["people_per_latrine"] == {"value": None, "target": 50, "met": False}
    assert block["female_latrine_share"] is None  # no latrines: no share to speak of
    assert block["people_per_tap"] is None and block["people_per_hand_pump"] is None
    assert block["water_litres_per_person_per_day"] is None


def test_a_site_with_taps_only_is_not_measured_on_hand_pumps():
    figures = SiteFigures(occupants=100, occupied_area_m2=400.0)
    taps_only = domain.standards_block(figures, {"water_taps": 1, "hand_pumps": 0, "phase": "emergency"}, SPHERE)
    assert taps_only["people_per_hand_pump"] is None and taps_only["people_per_tap"]["met"] is True
    none_at_all = domain.standards_block(figures, {"water_taps": 0, "hand_pumps": 0, "phase": "emergency"}, SPHERE)
    assert none_at_all["people_per_tap"]["met"] is False and none_at_all["people_per_hand_pump"]["met"] is False


def test_thresholds_come_from_configuration():
    strict = targets_from_config({"SPHERE_PEOPLE_PER_TAP": 100, "SPHERE_WATER_LITRES_PER_PERSON_PER_DAY": 20})
    block = domain.standards_block(SiteFigures(occupants=200), {"water_taps": 1, "water_litres_per_day": 3600.0,
                                                                "phase": "emergency"}, strict)
    assert block["people_per_tap"] == {"value": 200.0, "target": 100, "met": False}
    assert block["water_litres_per_person_per_day"] == {"value": 18.0, "target": 20, "met": False}
