"""The projections in memory: order tolerance, versions, placements, idempotence."""
import itertools
import random

import pytest

from haven_contracts import catalogue
from haven_reporting import logistics
from haven_reporting.domain import HANDLERS, MemoryStore, Projector, household_cells
from haven_reporting.sitrep import SitrepBuilder

pytestmark = pytest.mark.unit


def project(events, store=None):
    store = store or MemoryStore()
    projector = Projector(store)
    for event in events:
        projector.apply(event)
    return store


def cells(store):
    return {key: value for key, value in store.cells.items() if value}


def without_arrivals(found):
    return {key: value for key, value in found.items() if key[1] not in ("arrivals", "arrival_individuals")}


def site_cells(store, site_id):
    return {(d, k): v for (s, d, k), v in cells(store).items() if s == site_id}


def test_every_event_reporting_consumes_has_a_projection():
    from haven_reporting import protection  # a source projected by a module of its own
    consumed = {(e.source, e.name) for e in catalogue.consumed_by("reporting")}
    own = {(protection.SOURCE, event_type) for event_type in protection.EVENT_TYPES}
    own |= {(logistics.SOURCE, name) for name in logistics.EVENTS}
    from haven_reporting import health
    assert consumed == set(HANDLERS) | health.EVENT_TYPES | own, \
        "a consumed event without a projection is archived but never counted"


def test_a_registered_household_is_counted_at_its_site(events):
    site = events.site()
    household = events.household(site["site_id"], org="UNHCR")
    store = project([events.event("shelter", "site_opened", site),
                     events.event("registration", "household_registered", household),
                     events.event("registration", "site_needs_counted",
                                  events.site_needs(site["site_id"], {"DS": 1, "SM": 2}))])
    assert site_cells(store, site["site_id"]) == {
        ("population", "households"): 1, ("population", "individuals"): 4,
        ("sex_age", "female/18-59"): 1, ("sex_age", "male/18-59"): 1, ("sex_age", "female/5-17"): 1,
        ("sex_age", "male/0-4"): 1, ("needs", "DS"): 1, ("needs", "SM"): 2,
        ("registered_households", "UNHCR"): 1, ("registered_individuals", "UNHCR"): 4,
        ("arrivals", household["registered_at"][:10]): 1,
        ("arrival_individuals", household["registered_at"][:10]): 4,
    }
    assert store.households[household["household_id"]].__dict__.keys().isdisjoint({"specific_needs", "needs"})
    assert store.sites[site["site_id"]].name == "Guara Guara"


def test_the_latest_household_version_wins_whatever_the_arrival_order(events):
    site_a, site_b = events.site(), events.site(name="Mandruzi", adm2="Dondo")
    hid = events.household(site_a["site_id"])["household_id"]
    registered = events.event("registration", "household_registered", events.household(site_a["site_id"], hid))
    relocated = events.event("registration", "household_relocated", events.household(
        site_b["site_id"], hid, version=2, from_site_id=site_a["site_id"], to_site_id=site_b["site_id"]))
    departed = events.event("registration", "household_departed", events.household(
        site_b["site_id"], hid, version=3, status="departed", reason="returned_home", departure_date="2026-11-25"))
    day = registered.data["registered_at"][:10]
    for order in itertools.permutations([registered, relocated, departed]):
        assert without_arrivals(cells(project(order))) == {}, "a departed household counts nowhere"
        assert cells(project(order)) == {(site_b["site_id"], "arrivals", day): 1,
                                         (site_b["site_id"], "arrival_individuals", day): 4}, "but it arrived"
    for order in itertools.permutations([registered, relocated]):
        store = project(order)
        assert site_cells(store, site_a["site_id"]) == {}
        assert site_cells(store, site_b["site_id"])[("population", "households")] == 1
        assert store.households[hid].version == 2


def test_an_allocation_that_arrives_before_the_registration_is_counted(events):
    site = events.site()
    household = events.household(site["site_id"])
    allocated = events.event("shelter", "shelter_allocated", {
        "household_id": household["household_id"], "site_id": site["site_id"], "unit_id": events.site()["site_id"],
        "unit_type": "family_tent", "persons": 4})
    registered = events.event("registration", "household_registered", household, at=events.tick())
    store = project([allocated, registered])
    assert site_cells(store, site["site_id"])[("shelter", "occupants")] == 4
    assert site_cells(store, site["site_id"])[("shelter", "allocated_households")] == 1
    assert site_cells(store, site["site_id"])[("population", "individuals")] == 4


def _placement_story(events):
    """Waits at a full site, is served, is relocated (released, then queued at the new site), then leaves."""
    full, other = events.site()["site_id"], events.site()["site_id"]
    hid = events.household(full)["household_id"]
    unit_a, unit_b = events.site()["site_id"], events.site()["site_id"]
    story = [
        ("allocation_waitlisted", {"household_id": hid, "site_id": full, "persons": 5, "position": 3}),
        ("shelter_allocated", {"household_id": hid, "site_id": full, "unit_id": unit_a, "unit_type": "family_tent",
                               "persons": 5}),
        ("shelter_released", {"household_id": hid, "site_id": full, "unit_id": unit_a, "unit_type": "family_tent",
                              "persons": 5, "reason": "relocated"}),
        ("allocation_waitlisted", {"household_id": hid, "site_id": other, "persons": 5, "position": 1}),
        ("shelter_allocated", {"household_id": hid, "site_id": other, "unit_id": unit_b,
                               "unit_type": "transitional_shelter", "persons": 5}),
    ]
    return full, other, [events.event("shelter", kind, data) for kind, data in story]


def test_placements_end_the_same_in_every_arrival_order(events):
    full, other, story = _placement_story(events)
    expected = {(other, "shelter", "allocated_households"): 1, (other, "shelter", "occupants"): 5}
    for order in itertools.permutations(story):
        assert cells(project(order)) == expected, [e.event_type for e in order]


def test_each_prefix_of_the_placement_story_counts_what_a_camp_manager_sees(events):
    full, other, story = _placement_story(events)
    seen = [cells(project(story[:i])) for i in range(1, len(story) + 1)]
    assert seen[0] == {(full, "shelter", "waitlisted_households"): 1, (full, "shelter", "waitlisted_persons"): 5}
    assert seen[1] == {(full, "shelter", "allocated_households"): 1, (full, "shelter", "occupants"): 5}
    assert seen[2] == {}
    assert seen[3] == {(other, "shelter", "waitlisted_households"): 1, (other, "shelter", "waitlisted_persons"): 5}


def test_a_relocation_whose_release_arrives_last_is_not_double_counted_in_the_end(events):
    old, new = events.site()["site_id"], events.site()["site_id"]
    hid, unit_old, unit_new = events.site()["site_id"], events.site()["site_id"], events.site()["site_id"]
    allocated_old = events.event("shelter", "shelter_allocated", {"household_id": hid, "site_id": old,
                                 "unit_id": unit_old, "unit_type": "family_tent", "persons": 3})
    # The producer may write the new allocation before the release within one transaction.
    moment = events.tick()
    allocated_new = events.event("shelter", "shelter_allocated", {"household_id": hid, "site_id": new,
                                 "unit_id": unit_new, "unit_type": "family_tent", "persons": 3}, at=moment)
    released_old = events.event("shelter", "shelter_released", {"household_id": hid, "site_id": old,
                                "unit_id": unit_old, "unit_type": "family_tent", "persons": 3, "reason": "relocated"},
                                at=events.tick())
    for order in itertools.permutations([allocated_old, allocated_new, released_old]):
        assert cells(project(order)) == {(new, "shelter", "allocated_households"): 1,
                                         (new, "shelter", "occupants"): 3}


def test_applying_an_event_twice_changes_nothing(events):
    site = events.site()
    full, other, story = _placement_story(events)
    household = events.household(site["site_id"])
    everything = [events.event("shelter", "site_opened", site),
                  events.event("registration", "household_registered", household),
                  events.event("registration", "site_needs_counted", events.site_needs(site["site_id"], {"PG": 1}))
                  ] + story
    once = project(everything)
    twice = project(everything + everything)
    assert cells(once) == cells(twice)
    assert once.sites == twice.sites


def test_random_orders_of_a_busy_day_give_the_same_figures(events):
    sites = [events.site(name=f"Site {i}") for i in range(3)]
    stream = [events.event("shelter", "site_opened", s) for s in sites]
    rng = random.Random(7)
    counted = {s["site_id"]: 0 for s in sites}
    for index in range(40):
        site = rng.choice(sites)["site_id"]
        household = events.household(site)
        stream.append(events.event("registration", "household_registered", household))
        if index % 3 == 0:
            counted[site] += 1
            stream.append(events.event("registration", "site_needs_counted",
                                       events.site_needs(site, {"ER": counted[site]}, version=counted[site])))
        unit = events.site()["site_id"]
        stream.append(events.event("shelter", "shelter_allocated", {
            "household_id": household["household_id"], "site_id": site, "unit_id": unit,
            "unit_type": "family_tent", "persons": household["size"]}))
        if index % 4 == 0:
            stream.append(events.event("registration", "household_departed", {
                **household, "version": 2, "status": "departed", "reason": "returned_home",
                "departure_date": "2026-11-26"}))
            stream.append(events.event("shelter", "shelter_released", {
                "household_id": household["household_id"], "site_id": site, "unit_id": unit,
                "unit_type": "family_tent", "persons": household["size"], "reason": "departed"}))
    reference = project(stream)
    assert sum(v for (s, d, k), v in reference.cells.items() if k == "households") == 30
    for _ in range(20):
        shuffled = list(stream)
        rng.shuffle(shuffled)
        store = project(shuffled)
        assert cells(store) == cells(reference)
        assert SitrepBuilder(store.sites, store.cells).sitrep(now=events.clock)["totals"] == \
            SitrepBuilder(reference.sites, reference.cells).sitrep(now=events.clock)["totals"]


def test_site_details_capacity_and_services_keep_the_latest(events):
    site = events.site()
    opened = events.event("shelter", "site_opened", site)
    renamed = events.event("shelter", "site_updated", {**site, "name": "Guara Guara 2"})
    closed = events.event("shelter", "site_closed", {**site, "name": "Guara Guara 2", "status": "closed",
                                                     "reason": "everyone relocated"})
    capacity = [events.event("shelter", "site_capacity_changed", {"site_id": site["site_id"], "units_total": n,
                             "units_available": n, "capacity_persons": 5 * n, "covered_area_m2": 17.5 * n})
                for n in (10, 20)]
    services = [
        events.event("shelter", "site_services_updated", {"site_id": site["site_id"], "latrines": 4,
                     "phase": "emergency", "as_of": "2026-11-24"}),
        events.event("shelter", "site_services_updated", {"site_id": site["site_id"], "latrines": 9,
                     "phase": "stabilised", "as_of": "2026-11-23"}),  # recorded later, about an earlier day
    ]
    full = events.event("shelter", "site_full", {"site_id": site["site_id"], "units_total": 20,
                                                 "capacity_persons": 100})
    stream = [opened, renamed, closed, *capacity, *services, full]
    rng = random.Random(11)
    for _ in range(300):
        order = rng.sample(stream, len(stream))
        state = project(order).sites[site["site_id"]]
        assert (state.name, state.status) == ("Guara Guara 2", "closed")
        assert (state.units_total, state.capacity_persons, state.covered_area_m2) == (20, 100, 350.0)
        assert state.services["latrines"] == 4 and state.services_as_of.isoformat() == "2026-11-24"
        assert state.last_full_at == full.occurred_at


def test_household_cells_of_an_unknown_household_are_empty(events):
    from haven_reporting.domain import HouseholdState
    assert household_cells(HouseholdState("x")) == {}


def test_the_latest_site_count_of_needs_wins_whatever_the_arrival_order(events):
    site = events.site()["site_id"]
    counts = [events.event("registration", "site_needs_counted", events.site_needs(site, needs, version=v))
              for v, needs in enumerate(({"SV": 1}, {"SV": 2, "DS": 1}, {"DS": 1}), start=1)]
    for order in itertools.permutations(counts):
        assert site_cells(project(order), site) == {("needs", "DS"): 1}
    assert site_cells(project(counts[:2]), site) == {("needs", "SV"): 2, ("needs", "DS"): 1}


# -- arrivals: counted from when a household was collected in the field, not when it synced (issue 16 point 5) ----
def test_a_household_collected_days_before_it_synced_arrives_on_its_collection_day(events):
    from datetime import datetime, timedelta, timezone
    now = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
    site = events.site()
    synced = events.household(site["site_id"], registered_at=now.isoformat(),
                              collected_at=(now - timedelta(days=3)).isoformat())
    direct = events.household(site["site_id"], size=2, registered_at=now.isoformat(), collected_at=None)
    store = project([events.event("shelter", "site_opened", site),
                     events.event("registration", "household_registered", synced),
                     events.event("registration", "household_registered", direct)])
    arrivals = {(d, k): v for (d, k), v in site_cells(store, site["site_id"]).items() if d.startswith("arrival")}
    assert arrivals == {("arrivals", "2026-11-29"): 1, ("arrival_individuals", "2026-11-29"): 4,
                        ("arrivals", "2026-12-02"): 1, ("arrival_individuals", "2026-12-02"): 2}
    report = SitrepBuilder(store.sites, store.cells).sitrep(now=now)
    assert report["totals"]["arrivals"] == {
        "today": {"households": 1, "individuals": 2}, "last_7_days": {"households": 2, "individuals": 6},
        "by_day": [{"date": "2026-11-29", "households": 1, "individuals": 4},
                   {"date": "2026-12-02", "households": 1, "individuals": 2}]}
    assert report["sites"][0]["arrivals"]["last_7_days"] == {"households": 2, "individuals": 6}
    a_week_on = SitrepBuilder(store.sites, store.cells).sitrep(now=now + timedelta(days=6))
    assert a_week_on["totals"]["arrivals"]["last_7_days"] == {"households": 1, "individuals": 2}, \
        "the household collected 9 days before is out of the week"


def test_a_v2_household_event_arrives_on_its_registration_day(events):
    site = events.site()
    household = events.household(site["site_id"])
    v2 = {key: value for key, value in household.items() if key != "collected_at"}
    envelope = {**catalogue.envelope("registration", "household_registered", v2), "schema_version": 2}
    store = project([catalogue.parse(envelope)])
    assert site_cells(store, site["site_id"])[("arrivals", household["registered_at"][:10])] == 1
