"""How each event changes reporting's figures, in plain Python (no broker, no session).

A handler reads the latest known state of what the event is about (a household, a site) from a *store*, decides
from versions and timestamps whether the event is newer than what is known, and turns the change into increments of
per-site counters: what a household contributed before is taken back and what it contributes now is added. So:

* the figures do not depend on the order events arrive in (an allocation that arrives before its household's
  registration is counted all the same; an older household version never overwrites a newer one);
* a query sums per-site rows, never household rows, so its cost grows with sites, not households;
* replaying the archive into an empty store gives the same figures (``rebuild``).

Adding a producer (logistics, health, protection) means adding handlers with ``@projects(source, event_type)``
and, where a new kind of figure is needed, new counter dimensions: nothing here changes.
"""
import uuid
from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timezone

from haven_kernel.clock import aware

HANDLERS = {}


def projects(source, *event_types):
    """Register ``fn(store, event)`` as the projection of these events of ``source``."""

    def register(fn):
        for event_type in event_types:
            if (source, event_type) in HANDLERS:
                raise ValueError(f"{source}.{event_type} already has a projection")
            HANDLERS[(source, event_type)] = fn
        return fn

    return register


class Projector:
    """Applies events to a store (the database in the service, a :class:`MemoryStore` in tests and rebuilds)."""

    def __init__(self, store):
        self.store = store

    def apply(self, event):
        """Apply one event; False when no projection uses this event type (it is archived all the same)."""
        handler = HANDLERS.get((event.source, event.event_type))
        if handler is None:
            return False
        handler(self.store, event)
        self.store.flush()
        return True


# ------------------------------------------------------------------------------------------------------------------
# State
# ------------------------------------------------------------------------------------------------------------------
@dataclass
class HouseholdState:
    """What reporting knows of one household: registration's latest version and shelter's placements."""

    household_id: str
    version: int = 0                       # 0: no registration event seen yet
    site_id: str | None = None
    status: str | None = None              # active | departed
    size: int = 0
    org: str | None = None
    by_sex_age: dict | None = None
    # When the household arrived: collected in the field (``collected_at``, household events v3) or else registered
    # (``registered_at``). Its day counts it among the site's arrivals (``ARRIVALS``), whenever it synced.
    arrived_at: datetime | None = None
    # Shelter placements, each with the time of the last event about it, so that they too are order tolerant:
    # {"units": {unit_id: {"site", "persons", "on", "at"}}, "waits": {site_id: {"persons", "on", "at"}},
    #  "allocated_at": the time of the latest allocation (a wait older than it has been served)}
    shelter: dict = field(default_factory=dict)


SITE_DETAILS = ("name", "code", "site_type", "adm1", "adm2", "lat", "lon", "status", "managing_agency", "opened_on",
                "area_m2")
SERVICE_FIGURES = ("latrines", "latrines_female", "water_taps", "hand_pumps", "water_litres_per_day", "showers",
                   "phase")


@dataclass
class SiteState:
    site_id: str
    name: str | None = None
    code: str | None = None
    site_type: str | None = None
    adm1: str | None = None
    adm2: str | None = None
    lat: float | None = None
    lon: float | None = None
    status: str | None = None
    managing_agency: str | None = None
    opened_on: date | None = None
    area_m2: float | None = None
    details_as_of: datetime | None = None
    units_total: int | None = None
    units_available: int | None = None
    capacity_persons: int | None = None
    covered_area_m2: float | None = None
    capacity_as_of: datetime | None = None
    services: dict | None = None
    services_as_of: date | None = None
    services_occurred_at: datetime | None = None
    last_full_at: datetime | None = None
    needs: dict | None = None              # people with a specific need, by group (registration's site count)
    needs_version: int = 0                 # the version of that count (0: none received)

    @property
    def known(self):
        """Whether a site event (not just a capacity or services figure) has been received."""
        return self.details_as_of is not None


ARRIVALS = ("arrivals", "arrival_individuals")  # counter dimensions keyed by day

STATE_FIELDS = {cls: tuple(f.name for f in fields(cls)) for cls in (HouseholdState, SiteState)}


class MemoryStore:
    """A store in memory: for unit tests and for rebuilding the projections from the archive."""

    def __init__(self):
        self.households = {}
        self.sites = {}
        self.cells = Counter()

    def household(self, household_id):
        return self.households.get(household_id)

    def put_household(self, state):
        self.households[state.household_id] = state

    def site(self, site_id):
        return self.sites.get(site_id)

    def put_site(self, state):
        self.sites[state.site_id] = state

    def add(self, deltas):
        for key, delta in deltas.items():
            self.cells[key] += delta

    def flush(self):
        pass


# ------------------------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------------------------
def _id(value):
    return str(uuid.UUID(str(value)))


def stamp(moment):
    """A timestamp as a sortable string (UTC, microseconds) for the JSON placement records."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _newer(moment, than):
    return than is None or aware(moment) > aware(than)


def _moment(value):
    if value is None or isinstance(value, datetime):
        return aware(value)
    return aware(datetime.fromisoformat(value.replace("Z", "+00:00")))


def arrival_day(moment):
    """The UTC day a household arrived on, as the ``arrivals`` counters' key (``2026-11-27``)."""
    return aware(moment).astimezone(timezone.utc).date().isoformat()


def _date(value):
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def difference(before, after):
    """The increments that turn counters holding ``before`` into counters holding ``after`` (zeros left out)."""
    deltas = {}
    for key in set(before) | set(after):
        delta = after.get(key, 0) - before.get(key, 0)
        if delta:
            deltas[key] = delta
    return deltas


def household_cells(state):
    """What one household contributes to the per-site counters: ``{(site_id, dimension, key): n}``."""
    cells = Counter()
    if state.status == "active" and state.site_id:
        site = state.site_id
        cells[(site, "population", "households")] += 1
        cells[(site, "population", "individuals")] += state.size
        for sex, bands in (state.by_sex_age or {}).items():
            for band, count in bands.items():
                if count:
                    cells[(site, "sex_age", f"{sex}/{band}")] += count
        if state.org:
            cells[(site, "registered_households", state.org)] += 1
            cells[(site, "registered_individuals", state.org)] += state.size
    if state.version and state.site_id and state.arrived_at is not None:
        # Arrivals by day, whatever the household's status since (an arrival that departed still arrived), at the
        # site it is at now: registrations per day counted from when a household was collected, not when it synced.
        day = arrival_day(state.arrived_at)
        cells[(state.site_id, "arrivals", day)] += 1
        cells[(state.site_id, "arrival_individuals", day)] += state.size
    shelter = state.shelter or {}
    # People counted in a unit or a queue: the household's size by its latest registration version (shelter keeps
    # the same), or what shelter's event said while registration's has not arrived.
    for unit in (shelter.get("units") or {}).values():
        if unit["on"]:
            cells[(unit["site"], "shelter", "allocated_households")] += 1
            cells[(unit["site"], "shelter", "occupants")] += state.size if state.version else unit["persons"]
            if unit.get("area") is not None:  # the covered area people live in, in dm² to stay a whole number
                cells[(unit["site"], "shelter", "occupied_area_dm2")] += round(unit["area"] * 100)
                cells[(unit["site"], "shelter", "occupied_area_known")] += 1
    allocated_at = shelter.get("allocated_at")
    for site, wait in (shelter.get("waits") or {}).items():
        if wait["on"] and (allocated_at is None or wait["at"] > allocated_at):
            cells[(site, "shelter", "waitlisted_households")] += 1
            cells[(site, "shelter", "waitlisted_persons")] += state.size if state.version else wait["persons"]
    return cells


# ------------------------------------------------------------------------------------------------------------------
# registration
# ------------------------------------------------------------------------------------------------------------------
@projects("registration", "household_registered", "household_updated", "household_departed",
          "household_relocated")
def household_changed(store, event):
    """Every household event carries the whole summary and a version: the highest version wins."""
    data = event.data
    household_id = _id(data["household_id"])
    state = store.household(household_id) or HouseholdState(household_id)
    if data["version"] <= state.version:
        return  # stale: a newer version has been applied already
    before = household_cells(state)
    state.version = data["version"]
    state.site_id = _id(data["site_id"])
    state.status = data["status"]
    state.size = data["size"]
    state.org = data["org"]
    state.by_sex_age = data["by_sex_age"]
    state.arrived_at = _moment(data.get("collected_at") or data["registered_at"])
    store.put_household(state)
    store.add(difference(before, household_cells(state)))


@projects("registration", "site_needs_counted")
def site_needs_counted(store, event):
    """People with a specific need at a site, by group: registration's count, the highest version wins. Household
    events carry no needs (docs/domain.md §3): reporting never holds a household's codes."""
    site = _site(store, event.data)
    if event.data["version"] <= site.needs_version:
        return
    before = {(site.site_id, "needs", group): n for group, n in (site.needs or {}).items()}
    site.needs = dict(event.data["needs"])
    site.needs_version = event.data["version"]
    store.put_site(site)
    store.add(difference(before, {(site.site_id, "needs", group): n for group, n in site.needs.items() if n}))


# ------------------------------------------------------------------------------------------------------------------
# shelter: allocations and waiting lists (per household)
# ------------------------------------------------------------------------------------------------------------------
@projects("shelter", "shelter_allocated", "shelter_released", "allocation_waitlisted", "waitlist_left")
def placement_changed(store, event):
    """Each unit a household holds and each queue it waits in is a placement switched on and off by events; the
    latest event about a placement wins, and an allocation ends any wait that began before it."""
    data = event.data
    household_id = _id(data["household_id"])
    state = store.household(household_id) or HouseholdState(household_id)
    before = household_cells(state)
    shelter = {"units": dict((state.shelter or {}).get("units") or {}),
               "waits": dict((state.shelter or {}).get("waits") or {}),
               "allocated_at": (state.shelter or {}).get("allocated_at")}
    at = stamp(event.occurred_at)
    site = _id(data["site_id"])
    kind = event.event_type
    if kind in ("shelter_allocated", "shelter_released"):
        unit_id = _id(data["unit_id"])
        current = shelter["units"].get(unit_id)
        if current is not None and at <= current["at"]:
            return
        shelter["units"][unit_id] = {"site": site, "persons": data["persons"], "on": kind == "shelter_allocated",
                                     "at": at, "area": data.get("covered_area_m2")}
        if kind == "shelter_allocated" and (shelter["allocated_at"] is None or at > shelter["allocated_at"]):
            shelter["allocated_at"] = at
    else:
        current = shelter["waits"].get(site)
        if current is not None and at <= current["at"]:
            return
        persons = data.get("persons", current["persons"] if current else 0)
        shelter["waits"][site] = {"persons": persons, "on": kind == "allocation_waitlisted", "at": at}
    state.shelter = shelter
    store.put_household(state)
    store.add(difference(before, household_cells(state)))


# ------------------------------------------------------------------------------------------------------------------
# shelter: sites (latest event of each kind wins)
# ------------------------------------------------------------------------------------------------------------------
def _site(store, data):
    site_id = _id(data["site_id"])
    return store.site(site_id) or SiteState(site_id)


@projects("shelter", "site_opened", "site_updated", "site_closed")
def site_described(store, event):
    site = _site(store, event.data)
    if not _newer(event.occurred_at, site.details_as_of):
        return
    for name in SITE_DETAILS:
        value = event.data.get(name)
        setattr(site, name, _date(value) if name == "opened_on" else value)
    site.details_as_of = event.occurred_at
    store.put_site(site)


@projects("shelter", "site_capacity_changed")
def capacity_changed(store, event):
    site = _site(store, event.data)
    if not _newer(event.occurred_at, site.capacity_as_of):
        return
    for name in ("units_total", "units_available", "capacity_persons", "covered_area_m2"):
        setattr(site, name, event.data[name])
    site.capacity_as_of = event.occurred_at
    store.put_site(site)


@projects("shelter", "site_services_updated")
def services_updated(store, event):
    """Site monitoring figures: the latest ``as_of`` date wins (ties: the latest event)."""
    site = _site(store, event.data)
    as_of = _date(event.data["as_of"])
    if site.services_as_of is not None:
        if (as_of, aware(event.occurred_at)) <= (site.services_as_of, aware(site.services_occurred_at)):
            return
    site.services = {name: event.data.get(name) for name in SERVICE_FIGURES}
    site.services_as_of = as_of
    site.services_occurred_at = event.occurred_at
    store.put_site(site)


@projects("shelter", "site_full")
def site_full(store, event):
    site = _site(store, event.data)
    if _newer(event.occurred_at, site.last_full_at):
        site.last_full_at = event.occurred_at
        store.put_site(site)
