"""Shelter rules in plain Python: Sphere-derived capacity, which unit a household gets, how the waitlist is served,
when a site counts as full, how a household event changes what shelter knows, and the minimum-standards
indicators. Nothing here touches a database or a broker."""
import math
from dataclasses import dataclass
from decimal import Decimal

ALLOCATED, WAITLISTED, RELEASED, UNALLOCATED = "allocated", "waitlisted", "released", "unallocated"
HOLDING = (ALLOCATED, WAITLISTED)  # statuses that hold a place (a unit or a queue position) at a site


# ------------------------------------------------------------------------------------------------------------------
# Standards (values are configuration: see config.yml)
# ------------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Standards:
    covered_area_m2_per_person: float = 3.5
    people_per_latrine_emergency: float = 50
    people_per_latrine_stabilised: float = 20
    female_latrine_share: float = 0.75
    people_per_tap: float = 250
    people_per_hand_pump: float = 500
    water_litres_per_person_per_day: float = 15

    CONFIG_KEYS = {
        "covered_area_m2_per_person": "SPHERE_COVERED_AREA_M2_PER_PERSON",
        "people_per_latrine_emergency": "SPHERE_PEOPLE_PER_LATRINE_EMERGENCY",
        "people_per_latrine_stabilised": "SPHERE_PEOPLE_PER_LATRINE_STABILISED",
        "female_latrine_share": "SPHERE_FEMALE_LATRINE_SHARE",
        "people_per_tap": "SPHERE_PEOPLE_PER_TAP",
        "people_per_hand_pump": "SPHERE_PEOPLE_PER_HAND_PUMP",
        "water_litres_per_person_per_day": "SPHERE_WATER_LITRES_PER_PERSON_PER_DAY",
    }

    @classmethod
    def from_config(cls, config):
        """Read the thresholds from a nameko config; a missing key keeps the Sphere default, a bad one fails."""
        values = {}
        for attribute, key in cls.CONFIG_KEYS.items():
            raw = config.get(key)
            if raw is None or raw == "":
                continue
            value = float(raw)
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"{key} must be a positive number; got {raw!r}")
            values[attribute] = value
        if values.get("female_latrine_share", cls.female_latrine_share) > 1:
            raise ValueError("SPHERE_FEMALE_LATRINE_SHARE is a share: at most 1")
        return cls(**values)

    def people_per_latrine(self, phase):
        return self.people_per_latrine_stabilised if phase == "stabilised" else self.people_per_latrine_emergency


def derived_capacity(covered_area_m2, standards):
    """Persons a unit shelters by the covered-area standard: floor(area / m² per person), at least 1."""
    persons = (Decimal(str(covered_area_m2)) / Decimal(str(standards.covered_area_m2_per_person)))
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


def serve_queue(waiting, free_units):
    """Serve the waitlist first come, first served: in queue order each household gets the smallest free unit that
    fits it. A household no free unit fits keeps its place, and those behind it may still be served (a large family
    does not block small ones; a unit still goes to the earliest household it fits). Returns [(household_id,
    FreeUnit)] in the order the allocations are made."""
    free = list(free_units)
    served = []
    for entry in sorted(waiting, key=lambda w: w.queue_number):
        unit = choose_unit(entry.persons, free)
        if unit is None:
            continue
        free.remove(unit)
        served.append((entry.household_id, unit))
    return served


def queue_position(queue_numbers, queue_number):
    """1-based position of ``queue_number`` among a site's waiting queue numbers."""
    return sum(1 for n in queue_numbers if n <= queue_number)


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


def _indicator(value, target, met):
    return {"value": value, "target": target, "met": met}


def _per_point(occupants, points, target):
    """People per latrine / tap / pump, ≤ target. Missing count → None. No occupants → None (nothing to measure).
    Zero points with people on site: the standard is not met and there is no finite value."""
    if points is None or not occupants:
        return None
    if points == 0:
        return _indicator(None, target, False)
    value = occupants / points
    return _indicator(round(value, 1), target, value <= target)


def _number(value):
    return int(value) if float(value).is_integer() else value


def standards_block(figures, services, standards):
    """Each indicator ``{value, target, met}``, or None when the data it needs is missing (never a made-up value).

    ``services`` is the latest ``record_site_services`` figures (a dict) or None. A site with people and no latrine
    fails; a site with taps and no hand pumps is not measured on hand pumps (and the other way round)."""
    services = services or {}
    occupants = figures.occupants
    area = covered_area_per_person(figures)
    block = {
        "covered_area_per_person_m2": (None if area is None else _indicator(
            area, _number(standards.covered_area_m2_per_person),
            figures.occupied_area_m2 / occupants >= standards.covered_area_m2_per_person)),
        "people_per_latrine": None,
        "female_latrine_share": None,
        "people_per_tap": None,
        "people_per_hand_pump": None,
        "water_litres_per_person_per_day": None,
    }
    if not services:
        return block
    phase = services.get("phase")
    block["people_per_latrine"] = _per_point(occupants, services.get("latrines"),
                                             _number(standards.people_per_latrine(phase)))
    latrines, female = services.get("latrines"), services.get("latrines_female")
    if latrines and female is not None:
        share = female / latrines
        block["female_latrine_share"] = _indicator(round(share, 2), _number(standards.female_latrine_share),
                                                   share >= standards.female_latrine_share)
    taps, pumps = services.get("water_taps"), services.get("hand_pumps")
    # Zero of one kind is "not this kind of water point" when the other kind exists; zero of both fails both.
    block["people_per_tap"] = _per_point(occupants, None if taps == 0 and pumps else taps,
                                         _number(standards.people_per_tap))
    block["people_per_hand_pump"] = _per_point(occupants, None if pumps == 0 and taps else pumps,
                                               _number(standards.people_per_hand_pump))
    litres = services.get("water_litres_per_day")
    if litres is not None and occupants:
        value = litres / occupants
        target = standards.water_litres_per_person_per_day
        block["water_litres_per_person_per_day"] = _indicator(round(value, 1), _number(target), value >= target)
    return block
