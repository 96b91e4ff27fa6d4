"""Test data for the health service's tests (and the scenario): facilities, report payloads, households at a site."""
from datetime import datetime, timezone

from haven_contracts.testing import Events, household_event, sex_age_of, site_event
from haven_kernel.replica import Replica

from haven_health import facilities, population
from haven_health.models import Site

SITE = "5b0c7a8e-3f4d-4c1e-9a61-2f8d0c4b7e21"
OTHER_SITE = "7d3f2a10-0b4c-4f5e-8a61-2f8d0c4b7e22"
EARLY = datetime(2026, 10, 1, tzinfo=timezone.utc)


def known_site(unit, site_id=SITE, **fields):
    """Shelter's site as health's replica keeps it (as its site_opened event would leave it)."""
    event = Events(start=EARLY).event("shelter", "site_opened", site_event(site_id=site_id, **fields))
    with unit.applying(event):
        Replica(Site, unit).apply(event)


def facility(unit, code="HC-1", site_id=SITE, **fields):
    if site_id is not None and unit.count(Site, Site.site_id == site_id) == 0:
        known_site(unit, site_id)
    payload = {"code": code, "name": f"Health centre {code}", "facility_type": "health_centre_with_beds",
               "site_id": site_id, "adm1": "Sofala", "adm2": "Dondo", "status_since": "2026-10-01", **fields}
    with unit.transaction():
        return facilities.register(unit, payload)


def by_age(under_five=0, five_and_over=0):
    return {"under_five": under_five, "five_and_over": five_and_over}


def report(facility_id, week, cases=None, deaths=(0, 0), consultations=(10, 20, 10, 15)):
    f5, f, m5, m = consultations
    return {"facility_id": facility_id, "week": week,
            "consultations": {"female": by_age(f5, f), "male": by_age(m5, m)},
            "cases": {name: by_age(*counts) for name, counts in (cases or {}).items()},
            "deaths": by_age(*deaths)}


def households(unit, count, site_id=SITE, size=10, events=None, at=None):
    """``count`` households of ``size`` registered at ``site_id`` (4 under-fives each for size 10); returns them."""
    events = events or Events(start=EARLY)
    made = []
    for _ in range(count):
        data = household_event(site_id, by_sex_age=sex_age_of(size))
        event = events.event("registration", "household_registered", data, at=at)
        with unit.applying(event):
            population.household_changed(unit, event)
        made.append(data)
    return made
