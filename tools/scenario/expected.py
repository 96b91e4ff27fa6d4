"""The situation report the cyclone scenario must produce, computed from its own inputs (the families it registered,
moved and sheltered as shelter's policy must place them), never from what the services answer."""
from collections import Counter, defaultdict

from .plan import BANDS, SEXES, band_of

def expected_sitrep(scenario, threshold=5, targets=None):
    """Every figure the sitrep must show, computed from the scenario's inputs: ``{"totals", "sites", "three_w"}``
    (``sites`` keyed by site id)."""
    targets = {**DEFAULT_TARGETS, **(targets or {})}
    sites = {}
    for site in scenario.sites:
        active = [h for h in scenario.households if h.site is site and h.status == "active"]
        sex_age = {sex: {band: 0 for band in BANDS} for sex in SEXES}
        needs = Counter()
        for household in active:
            for member in household.members:
                sex_age[member.sex][band_of(member.age)] += 1
                for code in member.needs:
                    needs[code.split("-")[0]] += 1
        allocated = [h for h in active if h.shelter == "allocated"]
        waiting = [h for h in active if h.shelter == "waitlisted"]
        occupants = sum(h.size for h in allocated)
        capacity = site.capacity()
        sites[site.site_id] = {
            "site_id": site.site_id, "name": site.name, "site_type": site.site_type, "adm1": site.adm1,
            "adm2": site.adm2, "lat": site.lat, "lon": site.lon, "status": site.status,
            "managing_agency": site.agency, "code": f"MZ-{site.key}-{scenario.tag}",
            "households": len(active), "individuals": sum(h.size for h in active), "by_sex_age": sex_age,
            "specific_needs": {group: _suppressed(count, threshold) for group, count in sorted(needs.items())},
            "exact_needs": dict(needs),
            "units_total": site.units_total(), "capacity_persons": capacity,
            "covered_area_m2": site.covered_area(), "occupants": occupants,
            "allocated_households": len(allocated), "waitlisted_households": len(waiting),
            "waitlisted_persons": sum(h.size for h in waiting),
            "occupancy_rate": round(occupants / capacity, 3) if capacity else None,
            "occupied_covered_area_m2": sum(h.unit_area for h in allocated) if allocated else None,
            "standards": _standards(occupants, sum(h.unit_area for h in allocated), site.services if site.status == "open" and
                                    site.services else None, targets),
        }
    totals = {"sites": len(sites), "sites_open": sum(1 for s in sites.values() if s["status"] == "open"),
              "households": 0, "individuals": 0, "occupants": 0, "waitlisted_households": 0,
              "capacity_persons": 0, "by_sex_age": {sex: {band: 0 for band in BANDS} for sex in SEXES},
              "specific_needs": Counter()}
    for site in sites.values():
        for key in ("households", "individuals", "occupants", "waitlisted_households"):
            totals[key] += site[key]
        if site["status"] == "open":
            totals["capacity_persons"] += site["capacity_persons"]
        for sex in SEXES:
            for band in BANDS:
                totals["by_sex_age"][sex][band] += site["by_sex_age"][sex][band]
        totals["specific_needs"].update(site["exact_needs"])
    totals["specific_needs"] = dict(sorted(totals["specific_needs"].items()))
    three_w = _three_w(scenario, sites) + [row for act in scenario.acts for row in act.three_w(scenario)]
    result = {"totals": totals, "sites": sites,
              "three_w": sorted(three_w, key=lambda r: (r["org"], r["sector"], r["adm1"], r["adm2"], r["activity"]))}
    for act in scenario.acts:  # each act's own section of the sitrep (e.g. "logistics")
        result[act.section] = act.expected(scenario)
    return result

def _three_w(scenario, sites):
    rows = defaultdict(lambda: [set(), 0, 0])
    by_id = {s.site_id: s for s in scenario.sites}

    def add(org, sector, site_id, activity, households, individuals):
        site = by_id[site_id]
        row = rows[(org, sector, site.adm1, site.adm2, activity)]
        row[0].add(site_id)
        row[1] += households
        row[2] += individuals

    for household in scenario.households:
        if household.status == "active":
            add(household.org, "CCCM", household.site.site_id, "Registration", 1, household.size)
    for site_id, figures in sites.items():
        site = by_id[site_id]
        if figures["status"] == "open":
            add(site.agency, "CCCM", site_id, "Site management", figures["households"], figures["individuals"])
        if figures["allocated_households"]:
            add(site.agency, "Shelter", site_id, "Shelter allocation", figures["allocated_households"],
                figures["occupants"])
    return sorted(({"org": k[0], "sector": k[1], "adm1": k[2], "adm2": k[3], "activity": k[4],
                    "sites": len(v[0]), "households": v[1], "individuals": v[2]} for k, v in rows.items()),
                  key=lambda r: (r["org"], r["sector"], r["adm1"], r["adm2"], r["activity"]))

# The Sphere targets, written out again here on purpose: the expectation does not borrow the code it checks.
DEFAULT_TARGETS = {"covered_area_m2_per_person": 3.5, "people_per_latrine_emergency": 50,
                   "people_per_latrine_stabilised": 20, "female_latrine_share": 0.75, "people_per_tap": 250,
                   "people_per_hand_pump": 500, "water_litres_per_person_per_day": 15}


def _suppressed(count, threshold):
    return f"<{threshold}" if 0 < count < threshold else count


def _standards(people, covered_area, services, targets):
    """Sphere indicators for the figures the scenario planned (see docs/domain.md)."""
    def whole(x):
        return int(x) if float(x) == int(x) else x

    result = dict.fromkeys(("covered_area_per_person_m2", "people_per_latrine", "female_latrine_share",
                            "people_per_tap", "people_per_hand_pump", "water_litres_per_person_per_day"))
    if people:
        target = targets["covered_area_m2_per_person"]
        result["covered_area_per_person_m2"] = {"value": round(covered_area / people, 2), "target": whole(target),
                                                "met": covered_area / people >= target}
    if not services or not people:
        return result

    def per(count, target):
        if count is None:
            return None
        if count == 0:
            return {"value": None, "target": whole(target), "met": False}
        return {"value": round(people / count, 1), "target": whole(target), "met": people / count <= target}

    phase_target = targets["people_per_latrine_stabilised" if services["phase"] == "stabilised" else
                           "people_per_latrine_emergency"]
    result["people_per_latrine"] = per(services["latrines"], phase_target)
    if services["latrines"]:
        share = services["latrines_female"] / services["latrines"]
        result["female_latrine_share"] = {"value": round(share, 2), "target": whole(targets["female_latrine_share"]),
                                          "met": share >= targets["female_latrine_share"]}
    taps, pumps = services["water_taps"], services["hand_pumps"]
    result["people_per_tap"] = None if taps == 0 and pumps else per(taps, targets["people_per_tap"])
    result["people_per_hand_pump"] = None if pumps == 0 and taps else per(pumps, targets["people_per_hand_pump"])
    litres = services["water_litres_per_day"] / people
    result["water_litres_per_person_per_day"] = {
        "value": round(litres, 1), "target": whole(targets["water_litres_per_person_per_day"]),
        "met": litres >= targets["water_litres_per_person_per_day"]}
    return result
