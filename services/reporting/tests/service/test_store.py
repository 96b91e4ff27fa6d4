"""The projections in a real database, applied the way the service applies them: a batch of events in one
transaction (archive, households, sites and counters each written once) must give exactly the figures the same
events give one at a time in memory, on PostgreSQL and on the embedded SQLite default, and an event already
archived is never counted twice."""
import random

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from haven_kernel.migrations import upgrade
from haven_reporting import repository
from haven_reporting.domain import MemoryStore, Projector


def story(events, households=40):
    """Sites, registrations, allocations, a relocation, updates, departures and a queue: in arrival order."""
    rng = random.Random(7)
    sites = [events.site(name=f"Site {i}") for i in range(3)]
    out = [events.event("shelter", "site_opened", s) for s in sites]
    disabled, versions = {s["site_id"]: 0 for s in sites}, {s["site_id"]: 0 for s in sites}

    def count(site, change):  # registration's site count of people with a disability, after each change
        disabled[site] += change
        versions[site] += 1
        out.append(events.event("registration", "site_needs_counted", events.site_needs(
            site, {"DS": disabled[site]} if disabled[site] else {}, version=versions[site])))

    for i in range(households):
        site = rng.choice(sites)["site_id"]
        household = events.household(site, org=rng.choice(["IOM", "UNHCR", "CARE"]))
        out.append(events.event("registration", "household_registered", household))
        if i % 3 == 0:
            count(site, 1)
        if i % 4 == 0:
            out.append(events.event("shelter", "allocation_waitlisted", {
                "household_id": household["household_id"], "site_id": site, "persons": 4, "position": 1}))
        unit = {"household_id": household["household_id"], "site_id": site, "unit_id": events.site()["site_id"],
                "unit_type": "family_tent", "persons": 4, "manual": False, "covered_area_m2": 16.0}
        out.append(events.event("shelter", "shelter_allocated", unit))
        if i % 5 == 0:
            moved = [s["site_id"] for s in sites if s["site_id"] != site][0]
            out.append(events.event("registration", "household_relocated", {
                **household, "site_id": moved, "version": 2, "from_site_id": site, "to_site_id": moved}))
            if i % 3 == 0:
                count(site, -1)
                count(moved, 1)
            released = {k: v for k, v in unit.items() if k != "manual"}
            out.append(events.event("shelter", "shelter_released", {**released, "reason": "relocated"}))
        if i % 7 == 0:
            out.append(events.event("registration", "household_departed", {
                **household, "status": "departed", "version": 3, "reason": "returned_home",
                "departure_date": "2026-11-25"}))
            if i % 3 == 0:
                count(moved if i % 5 == 0 else site, -1)
    out.append(events.event("shelter", "site_full", {"site_id": sites[0]["site_id"], "units_total": 10,
                                                     "capacity_persons": 50}))
    return out


def in_memory(evts):
    memory = MemoryStore()
    projector = Projector(memory)
    for event in evts:
        projector.apply(event)
    return {key: value for key, value in memory.cells.items() if value}, memory


def apply_in_batches(url, evts, sizes):
    engine = create_engine(url)
    try:
        position = 0
        for size in sizes:
            batch = evts[position:position + size]
            position += size
            with Session(engine) as session:
                sql = repository.SqlStore(session)
                sql.prepare(batch)
                applied = [sql.record(event) for event in batch]
                sql.write()
                session.commit()
                yield applied
        with Session(engine) as session:
            yield repository.load_cells(session), repository.load_sites(session), repository.archived_count(session)
    finally:
        engine.dispose()


def check(url, events):
    evts = story(events)
    expected, memory = in_memory(evts)
    sizes = [1, 2, 50, 7, 100, len(evts)]  # a lone event, small and large batches, then the rest
    results = list(apply_in_batches(url, evts + evts[:30], sizes))  # the last 30 arrive a second time
    cells, sites, archived = results[-1]
    applied = [flag for batch in results[:-1] for flag in batch]
    assert applied == [True] * len(evts) + [False] * 30, "each event applied once; a repeat is recognised"
    assert archived == len(evts)
    assert cells == expected, "a batch in the database gives what the events give one by one in memory"
    assert {s: (v.name, v.status, v.last_full_at is not None) for s, v in sites.items()} == {
        s: (v.name, v.status, v.last_full_at is not None) for s, v in memory.sites.items()}


@pytest.mark.service
def test_batches_on_the_embedded_sqlite_default(tmp_path, events):
    url = f"sqlite:///{tmp_path / 'reporting.db'}"
    upgrade("haven_reporting", url)
    check(url, events)


@pytest.mark.service
def test_batches_on_postgresql(database_url, events):
    check(database_url("haven_reporting"), events)
