"""CCCM minimum-standards indicators (Sphere), as one pure function every service can share.

Targets are configuration, not code: :func:`targets_from_config` reads the ``SPHERE_*`` keys of a service's
``config.yml`` (the names shelter uses), falling back to the Sphere figures in ../shared/DOMAIN.md. Each indicator
is ``{"value", "target", "met"}``; ``value`` is ``None`` when the data it needs is missing (never a made-up value),
and ``met`` is ``None`` when it cannot be judged.
"""
import math

DEFAULT_TARGETS = {
    "covered_area_m2_per_person": 3.5,       # at least
    "people_per_latrine_emergency": 50,      # at most, first phase
    "people_per_latrine_stabilised": 20,     # at most, medium term
    "female_latrine_share": 0.75,            # at least (3 female : 1 male)
    "people_per_tap": 250,                   # at most
    "people_per_hand_pump": 500,             # at most
    "water_litres_per_person_per_day": 15,   # at least
}

CONFIG_KEYS = {name: "SPHERE_" + name.upper() for name in DEFAULT_TARGETS}

# Indicator names, in display order.
INDICATORS = (
    "covered_area_per_person_m2",
    "people_per_latrine",
    "female_latrine_share",
    "people_per_tap",
    "people_per_hand_pump",
    "water_litres_per_person_per_day",
)


def targets_from_config(config):
    """The targets in ``config`` (a nameko config dict; ``SPHERE_*`` keys), defaults for what is not set."""
    targets = dict(DEFAULT_TARGETS)
    for name, key in CONFIG_KEYS.items():
        value = (config or {}).get(key)
        if value not in (None, ""):
            targets[name] = float(value)
    for name, value in targets.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0 or math.isnan(value):
            raise ValueError(f"standards target {name} must be a non-negative number, got {value!r}")
    return targets


def _indicator(value, target, direction):
    if value is None:
        return {"value": None, "target": target, "met": None}
    met = value >= target if direction == "min" else value <= target
    return {"value": round(value, 2), "target": target, "met": met}


def _per_unit(people, units, target, none_means_missing=True):
    """People per facility (lower is better). No people or no figure: cannot be judged. People but none of the
    facility: not met, unless ``none_means_missing`` is false (another kind of facility may serve them)."""
    if units is None or people is None or people <= 0:
        return {"value": None, "target": target, "met": None}
    if units == 0:
        return {"value": None, "target": target, "met": False if none_means_missing else None}
    return _indicator(people / units, target, "max")


def site_standards(people, covered_area_m2=None, services=None, targets=None, sheltered=None):
    """Minimum-standards indicators of one site.

    ``people``: persons living at the site (the WASH denominators); ``sheltered``: persons in its shelter units
    (the covered-area denominator; defaults to ``people``); ``covered_area_m2``: covered living space of the units;
    ``services``: the latest ``site_services_updated`` figures (``latrines``, ``latrines_female``, ``water_taps``,
    ``hand_pumps``, ``water_litres_per_day``, ``phase``), or ``None`` when none were recorded.
    """
    targets = targets or DEFAULT_TARGETS
    services = services or {}
    sheltered = people if sheltered is None else sheltered
    phase = services.get("phase") or "emergency"
    result = {}

    target = targets["covered_area_m2_per_person"]
    if covered_area_m2 is None or not sheltered:
        result["covered_area_per_person_m2"] = {"value": None, "target": target, "met": None}
    else:
        result["covered_area_per_person_m2"] = _indicator(covered_area_m2 / sheltered, target, "min")

    latrine_target = targets["people_per_latrine_stabilised" if phase == "stabilised" else
                              "people_per_latrine_emergency"]
    result["people_per_latrine"] = _per_unit(people, services.get("latrines"), latrine_target)

    target = targets["female_latrine_share"]
    latrines, female = services.get("latrines"), services.get("latrines_female")
    if latrines is None or female is None or latrines == 0:
        result["female_latrine_share"] = {"value": None, "target": target, "met": None}
    else:
        result["female_latrine_share"] = _indicator(female / latrines, target, "min")

    # Taps and hand pumps are alternatives: a site served by taps alone does not fail the hand-pump indicator.
    taps, pumps = services.get("water_taps"), services.get("hand_pumps")
    no_water_point = (taps or 0) == 0 and (pumps or 0) == 0
    result["people_per_tap"] = _per_unit(people, taps, targets["people_per_tap"], no_water_point)
    result["people_per_hand_pump"] = _per_unit(people, pumps, targets["people_per_hand_pump"], no_water_point)

    target = targets["water_litres_per_person_per_day"]
    litres = services.get("water_litres_per_day")
    if litres is None or not people:
        result["water_litres_per_person_per_day"] = {"value": None, "target": target, "met": None}
    else:
        result["water_litres_per_person_per_day"] = _indicator(litres / people, target, "min")
    return result


def standards_summary(indicators):
    """``(met, assessed)``: how many indicators are met out of those that could be judged."""
    judged = [i["met"] for i in indicators.values() if i["met"] is not None]
    return sum(1 for m in judged if m), len(judged)
