"""CCCM minimum-standards indicators (Sphere; figures and sources in docs/domain.md) as one pure function, so that
a site reads the same in every service that shows it: people are the site's occupants; each indicator is
``{"value", "target", "met"}``, or ``None`` when the data it needs is missing (never a made-up value); a site with
people and no latrine fails; zero taps is "not this kind of water point" when the site has hand pumps (and the other
way round), zero of both fails both.

Targets are configuration, not code: :func:`targets_from_config` reads the ``SPHERE_*`` keys of a service's
``config.yml``, keeping the Sphere figure for any key that is not set.
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
INDICATORS = ("covered_area_per_person_m2", "people_per_latrine", "female_latrine_share", "people_per_tap",
              "people_per_hand_pump", "water_litres_per_person_per_day")


def targets_from_config(config):
    """The targets in a nameko ``config`` (``SPHERE_*`` keys); a missing key keeps the Sphere figure, a bad one
    raises ValueError (so a service with a wrong target does not start)."""
    targets = dict(DEFAULT_TARGETS)
    for name, key in CONFIG_KEYS.items():
        raw = (config or {}).get(key)
        if raw is None or raw == "":
            continue
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise ValueError(f"{key} must be a positive number; got {raw!r}") from None
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"{key} must be a positive number; got {raw!r}")
        targets[name] = value
    if targets["female_latrine_share"] > 1:
        raise ValueError("SPHERE_FEMALE_LATRINE_SHARE is a share: at most 1")
    return targets


def _number(value):
    return int(value) if float(value).is_integer() else value


def _indicator(value, target, met):
    return {"value": value, "target": target, "met": met}


def _per_point(people, points, target):
    """People per latrine / tap / pump (at most ``target``). Missing count or nobody: None. People and zero points:
    not met, and no finite value."""
    if points is None or not people:
        return None
    if points == 0:
        return _indicator(None, target, False)
    value = people / points
    return _indicator(round(value, 1), target, value <= target)


def site_standards(occupants, covered_area_m2=None, services=None, targets=None):
    """The minimum-standards indicators of one site.

    ``occupants``: persons sheltered at the site; ``covered_area_m2``: the covered living space they have (None when
    unknown); ``services``: the latest site-monitoring figures (``latrines``, ``latrines_female``, ``water_taps``,
    ``hand_pumps``, ``water_litres_per_day``, ``phase``), or None when none were recorded.
    """
    targets = targets or DEFAULT_TARGETS
    services = services or {}
    block = {name: None for name in INDICATORS}
    if occupants and covered_area_m2 is not None:
        target = targets["covered_area_m2_per_person"]
        per_person = covered_area_m2 / occupants
        block["covered_area_per_person_m2"] = _indicator(round(per_person, 2), _number(target), per_person >= target)
    if not services:
        return block
    phase = services.get("phase")
    latrine_target = targets["people_per_latrine_stabilised" if phase == "stabilised" else
                              "people_per_latrine_emergency"]
    block["people_per_latrine"] = _per_point(occupants, services.get("latrines"), _number(latrine_target))
    latrines, female = services.get("latrines"), services.get("latrines_female")
    if latrines and female is not None:
        share, target = female / latrines, targets["female_latrine_share"]
        block["female_latrine_share"] = _indicator(round(share, 2), _number(target), share >= target)
    taps, pumps = services.get("water_taps"), services.get("hand_pumps")
    block["people_per_tap"] = _per_point(occupants, None if taps == 0 and pumps else taps,
                                         _number(targets["people_per_tap"]))
    block["people_per_hand_pump"] = _per_point(occupants, None if pumps == 0 and taps else pumps,
                                               _number(targets["people_per_hand_pump"]))
    litres = services.get("water_litres_per_day")
    if litres is not None and occupants:
        per_person, target = litres / occupants, targets["water_litres_per_person_per_day"]
        block["water_litres_per_person_per_day"] = _indicator(round(per_person, 1), _number(target),
                                                              per_person >= target)
    return block


def standards_summary(block):
    """``(met, assessed)``: how many indicators are met, out of those that could be judged."""
    judged = [indicator["met"] for indicator in block.values() if indicator is not None]
    return sum(1 for met in judged if met), len(judged)
