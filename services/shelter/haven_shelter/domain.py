"""Shelter rules in plain Python: Sphere-derived capacity, which unit a household gets, how the waitlist is served,
when a site counts as full, how a household event changes what shelter knows, and the minimum-standards
indicators. Nothing here touches a database or a broker."""
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from haven_kernel.clock import aware

from haven_contracts.standards import DEFAULT_TARGETS, site_standards
from haven_contracts.standards import standards_summary  # noqa: F401  (met, judged) of a standards block, used by views

ALLOCATED, WAITLISTED, RELEASED, UNALLOCATED = "allocated", "waitlisted", "released", "unallocated"
HOLDING = (ALLOCATED, WAITLISTED)  # statuses that hold a place (a unit or a queue position) at a site
# The services figures a site reports (CCCM site monitoring: WASH), each optional.
SERVICE_FIELDS = ("latrines", "latrines_female", "water_taps", "hand_pumps", "water_litres_per_day", "showers")


# ------------------------------------------------------------------------------------------------------------------
# Standards: targets are configuration (the SPHERE_* keys of config.yml), read by
# ``haven_contracts.standards.targets_from_config``; the indicators are the contracts' ``site_standards``, which
# reporting uses too, so a site reads the same wherever it is shown.
# ------------------------------------------------------------------------------------------------------------------
def derived_capacity(covered_area_m2, targets=DEFAULT_TARGETS):
    """Persons a unit shelters by the covered-area standard: floor(area / m² per person), at least 1."""
    persons = Decimal(str(covered_area_m2)) / Decimal(str(targets["covered_area_m2_per_person"]))
    return max(1, int(persons.to_integral_value(rounding="ROUND_FLOOR")))


# ------------------------------------------------------------------------------------------------------------------
# Allocation policy
# ------------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FreeUnit:
    unit_id: str
    capacity: int
    covered_area_m2: float = 0.0
    order: int = 0  # tie-break: older units first


def choose_unit(persons, free_units):
    """The smallest free unit whose capacity fits ``persons`` (then the smaller area, then the older unit); None
    when none fits."""
    fitting = [u for u in free_units if u.capacity >= persons]
    if not fitting:
        return None
    return min(fitting, key=lambda u: (u.capacity, u.covered_area_m2, u.order, u.unit_id))


@dataclass(frozen=True)
class Waiting:
    household_id: str
    persons: int
    queue_number: int
    registered_at: datetime | None = None  # when registration registered it: the queue's order


_BEFORE_ANY = datetime.min.replace(tzinfo=timezone.utc)


def queue_key(registered_at, queue_number):
    """A waiting household's place: its registration time (a household shelter knew before it kept the time first),
    then its ticket. Registration time, not the order events reached shelter: a household whose event was delayed
    by a fault, or retried behind newer ones, keeps its turn."""
    return (aware(registered_at) if registered_at is not None else _BEFORE_ANY, queue_number or 0)


def serve_queue(waiting, free_units):
    """Serve the waitlist first come, first served (by registration time, :func:`queue_key`): in queue order each
    household gets the smallest free unit that
    fits it. A household no free unit fits keeps its place, and those behind it may still be served (a large family
    does not block small ones; a unit still goes to the earliest household it fits). Returns [(household_id,
    FreeUnit)] in the order the allocations are made."""
    free = list(free_units)
    served = []
    for entry in sorted(waiting, key=lambda w: queue_key(w.registered_at, w.queue_number)):
        unit = choose_unit(entry.persons, free)
        if unit is None:
            continue
        free.remove(unit)
        served.append((entry.household_id, unit))
    return served


def queue_position(queue_keys, key):
    """1-based position of ``key`` (:func:`queue_key`) among a site's waiting households' keys."""
    return sum(1 for other in queue_keys if other <= key)


def full_transition(was_full, units_available, units_free):
    """(is_full, emit_site_full). A site is full when it has available units and none is free; ``site_full`` is
    emitted on the transition into that state only, so once per filling."""
    is_full = units_available > 0 and units_free == 0
    return is_full, is_full and not was_full


# ------------------------------------------------------------------------------------------------------------------
# Household events → what changes
# ------------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Known:
    """What shelter knows of a household."""

    site_id: str
    persons: int
    version: int
    registration_status: str  # active | departed
    status: str  # allocated | waitlisted | released | unallocated


@dataclass(frozen=True)
class Facts:
    """What a registration event says of a household now (every household event carries the full summary)."""

    site_id: str
    persons: int
    version: int
    registration_status: str


@dataclass(frozen=True)
class Plan:
    ignore: bool = False
    leave_reason: str | None = None  # release the unit / leave the queue at the current site, with this reason
    place: bool = False  # allocate (or queue) at facts.site_id
    reserve_queue: bool = False  # a waiting household's size changed: serve its site's queue again


IGNORE = Plan(ignore=True)


def reconcile(known, facts):
    """Decide what a household event changes. Events may come twice or out of order: one whose version is not newer
    than what shelter has is ignored; otherwise the event's summary is the truth, whatever its type (a missed
    relocation is caught up by a later update, a relocation of a household never seen places it at the new site)."""
    if known is not None and facts.version <= known.version:
        return IGNORE
    holding = known is not None and known.status in HOLDING
    if facts.registration_status == "departed":
        return Plan(leave_reason="departed" if holding else None)
    if known is None:
        return Plan(place=True)
    if known.site_id != facts.site_id:
        return Plan(leave_reason="relocated" if holding else None, place=True)
    if not holding:
        return Plan(place=True)  # at its site without a place (came back, or its site has reopened)
    if known.status == WAITLISTED and facts.persons != known.persons:
        return Plan(reserve_queue=True)
    return Plan()


# ------------------------------------------------------------------------------------------------------------------
# Site figures and minimum-standards indicators
# ------------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SiteFigures:
    units_total: int = 0
    units_available: int = 0
    units_free: int = 0
    capacity_persons: int = 0
    covered_area_m2: float = 0.0  # of available units
    households: int = 0
    occupants: int = 0
    occupied_area_m2: float = 0.0  # covered area of the units households live in
    waitlisted_households: int = 0


def _ratio(numerator, denominator, digits=2):
    return round(numerator / denominator, digits)


def occupancy_rate(figures):
    """Occupants ÷ capacity; None when the site has no capacity."""
    if not figures.capacity_persons:
        return None
    return _ratio(figures.occupants, figures.capacity_persons, 3)


def covered_area_per_person(figures):
    """Covered living space per person: area of the occupied units ÷ the people in them; None with nobody."""
    if not figures.occupants:
        return None
    return _ratio(figures.occupied_area_m2, figures.occupants)


def standards_block(figures, services, targets=DEFAULT_TARGETS):
    """The site's minimum-standards indicators (``haven_contracts.standards.site_standards``): each ``{value, target,
    met}``, or None when the data it needs is missing (never a made-up value).

    Covered living space is that of the units households live in, per person in them (empty tents give nobody
    space). ``services`` is the latest ``record_site_services`` figures (a dict) or None."""
    return site_standards(figures.occupants, covered_area_m2=figures.occupied_area_m2, services=services,
                          targets=targets)

