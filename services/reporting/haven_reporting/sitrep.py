"""The sitrep builder: the situation report, a site's figures and the 3W, computed from the projections in plain
Python (no session: the use cases in ``reports.py`` read the projections and hand them over).

Everything here reads per-site rows (site profiles and counters), never household rows, so producing a report
costs the same at a thousand households as at a hundred thousand.
"""
from collections import Counter, defaultdict
from datetime import timedelta

from haven_contracts.disclosure import DEFAULT_THRESHOLD, suppress, suppress_counts
from haven_contracts.reference import SPECIFIC_NEEDS, empty_sex_age, needs_by_group
from haven_contracts.standards import DEFAULT_TARGETS, site_standards, standards_summary
from haven_kernel.clock import aware, iso, utcnow

NEED_GROUPS = tuple(SPECIFIC_NEEDS)
ARRIVAL_DAYS = 14  # the days of arrivals a report lists (today included); the counters read are those days'


def arrival_days(today):
    """The ISO days (oldest first) whose arrivals a report built ``today`` lists."""
    return [(today - timedelta(days=n)).isoformat() for n in range(ARRIVAL_DAYS - 1, -1, -1)]


def arrivals(households_by_day, individuals_by_day, today):
    """Arrivals counted by the day each household was collected (else registered): today, the last 7 days (today
    included) and each of the last ARRIVAL_DAYS days that had any."""
    days = arrival_days(today)
    week = set(days[-7:])

    def sum_of(selected):
        return {"households": sum(households_by_day.get(d, 0) for d in selected),
                "individuals": sum(individuals_by_day.get(d, 0) for d in selected)}
    return {"today": sum_of([days[-1]]), "last_7_days": sum_of(week),
            "by_day": [{"date": d, "households": households_by_day.get(d, 0),
                        "individuals": individuals_by_day.get(d, 0)} for d in days if households_by_day.get(d)]}
__all__ = ["DEFAULT_THRESHOLD", "NEED_GROUPS", "SitrepBuilder", "event_reference", "suppress"]


def suppressed_needs(needs, threshold):
    """Specific-needs counts by group as published in a breakdown (``haven_contracts.disclosure``)."""
    return suppress_counts(needs, threshold)


def group_cells(cells):
    """``{(site, dimension, key): n}`` -> ``{site: {dimension: {key: n}}}`` (zero cells left out)."""
    grouped = defaultdict(lambda: defaultdict(dict))
    for (site, dimension, key), value in cells.items():
        if value:
            grouped[site][dimension][key] = value
    return grouped


class SitrepBuilder:
    """Builds reports from the projections: ``sites`` (``{site_id: SiteState}``) and ``cells``
    (``{(site_id, dimension, key): n}``)."""

    def __init__(self, sites, cells, threshold=DEFAULT_THRESHOLD, targets=None, now=None):
        self.sites = sites
        self.cells = group_cells(cells)
        self.threshold = threshold
        self.targets = targets or DEFAULT_TARGETS
        self.today = (now or utcnow()).date()  # arrivals: today's and the days before

    # -- sites ---------------------------------------------------------------------------------------------------
    def site_ids(self):
        ids = {site_id for site_id, state in self.sites.items() if state.known} | set(self.cells)
        return sorted(ids, key=self._site_order)

    def _site_order(self, site_id):
        state = self.sites.get(site_id)
        if state is None or not state.known:
            return (1, "", "", "", site_id)
        return (0, state.adm1 or "", state.adm2 or "", (state.name or "").lower(), site_id)

    def figures(self, site_id):
        """Exact figures of one site (no suppression): the basis of every table."""
        state = self.sites.get(site_id)
        cells = self.cells.get(site_id, {})
        population = cells.get("population", {})
        shelter = cells.get("shelter", {})
        by_sex_age = empty_sex_age()
        for key, count in cells.get("sex_age", {}).items():
            sex, band = key.split("/", 1)
            by_sex_age.setdefault(sex, {}).setdefault(band, 0)
            by_sex_age[sex][band] += count
        individuals = population.get("individuals", 0)
        occupants = shelter.get("occupants", 0)
        known = state is not None and state.known
        capacity = state.capacity_persons if state is not None else None
        covered = state.covered_area_m2 if state is not None else None
        services = state.services if state is not None else None
        # Covered living space per person is that of the units people live in (the area each allocation event
        # carries), as shelter computes it; when an allocation did not say its unit's area, the figure is missing
        # (null), never approximated from the empty units.
        allocated = shelter.get("allocated_households", 0)
        occupied_area = (shelter.get("occupied_area_dm2", 0) / 100
                         if allocated and shelter.get("occupied_area_known", 0) == allocated else None)
        standards = site_standards(occupants, covered_area_m2=occupied_area, services=services, targets=self.targets)
        met, assessed = standards_summary(standards)
        return {
            "site_id": site_id,
            "name": state.name if known else None,
            "code": state.code if known else None,
            "site_type": state.site_type if known else None,
            "adm1": state.adm1 if known else None,
            "adm2": state.adm2 if known else None,
            "lat": state.lat if known else None,
            "lon": state.lon if known else None,
            "status": state.status if known else "unknown",
            "managing_agency": state.managing_agency if known else None,
            "opened_on": iso(state.opened_on) if known else None,
            "households": population.get("households", 0),
            "individuals": individuals,
            "by_sex_age": by_sex_age,
            "specific_needs": needs_by_group(cells.get("needs", {})),
            "units_total": state.units_total if state is not None else None,
            "units_available": state.units_available if state is not None else None,
            "units_free": (max(0, state.units_available - shelter.get("allocated_households", 0))
                           if state is not None and state.units_available is not None else None),
            "capacity_persons": capacity,
            "covered_area_m2": covered,
            "occupied_covered_area_m2": occupied_area,
            "occupants": occupants,
            "allocated_households": shelter.get("allocated_households", 0),
            "waitlisted_households": shelter.get("waitlisted_households", 0),
            "waitlisted_persons": shelter.get("waitlisted_persons", 0),
            "occupancy_rate": round(occupants / capacity, 3) if capacity else None,
            "covered_area_per_person_m2": (standards["covered_area_per_person_m2"] or {}).get("value"),
            "services": dict(services) if services else None,
            "services_as_of": iso(state.services_as_of) if state is not None else None,
            "standards": standards,
            "standards_met": met,
            "standards_assessed": assessed,
            "last_full_at": iso(state.last_full_at) if state is not None else None,
            "arrivals": arrivals(cells.get("arrivals", {}), cells.get("arrival_individuals", {}), self.today),
        }

    def site_entry(self, site_id):
        """A site as published: specific-needs counts by group with small cells suppressed."""
        entry = self.figures(site_id)
        entry["specific_needs"] = suppressed_needs(entry["specific_needs"], self.threshold)
        return entry

    # -- totals --------------------------------------------------------------------------------------------------
    @staticmethod
    def totals(entries):
        """Totals over exact site figures (capacity and units: of open sites)."""
        totals = {
            "sites": len(entries),
            "sites_open": sum(1 for e in entries if e["status"] == "open"),
            "households": 0, "individuals": 0, "by_sex_age": empty_sex_age(), "specific_needs": Counter(),
            "capacity_persons": 0, "units_total": 0, "occupants": 0, "allocated_households": 0,
            "waitlisted_households": 0, "waitlisted_persons": 0,
        }
        by_day = defaultdict(lambda: {"households": 0, "individuals": 0})
        for entry in entries:
            for day in entry["arrivals"]["by_day"]:
                by_day[day["date"]]["households"] += day["households"]
                by_day[day["date"]]["individuals"] += day["individuals"]
            for key in ("households", "individuals", "occupants", "allocated_households", "waitlisted_households",
                        "waitlisted_persons"):
                totals[key] += entry[key]
            if entry["status"] == "open":  # a closed site's units shelter nobody
                totals["capacity_persons"] += entry["capacity_persons"] or 0
                totals["units_total"] += entry["units_total"] or 0
            for sex, bands in entry["by_sex_age"].items():
                for band, count in bands.items():
                    totals["by_sex_age"].setdefault(sex, {}).setdefault(band, 0)
                    totals["by_sex_age"][sex][band] += count
            totals["specific_needs"].update(entry["specific_needs"])
        totals["specific_needs"] = needs_by_group(totals["specific_needs"])
        totals["arrivals"] = {
            key: {count: sum(e["arrivals"][key][count] for e in entries) for count in ("households", "individuals")}
            for key in ("today", "last_7_days")}
        totals["arrivals"]["by_day"] = [{"date": day, **by_day[day]} for day in sorted(by_day)]
        return totals

    def admin_areas(self, figures):
        """Totals per admin level 1 and per admin level 2 (sites whose area is not known yet are left out)."""
        groups = defaultdict(list)
        for entry in figures:
            if entry["adm1"] is None:
                continue
            groups[(entry["adm1"], None)].append(entry)
            groups[(entry["adm1"], entry["adm2"])].append(entry)
        areas = []
        for (adm1, adm2), entries in sorted(groups.items(), key=lambda item: (item[0][0], item[0][1] or "")):
            totals = self.totals(entries)
            totals["specific_needs"] = suppressed_needs(totals["specific_needs"], self.threshold)
            areas.append({"level": 1 if adm2 is None else 2, "adm1": adm1, "adm2": adm2, **totals})
        return areas

    # -- the reports ---------------------------------------------------------------------------------------------
    def sitrep(self, adm1=None, adm2=None, last_event=None, now=None):
        now = now or utcnow()
        self.today = now.date()
        figures = [self.figures(site_id) for site_id in self.site_ids()]
        if adm1 is not None:
            figures = [f for f in figures if f["adm1"] == adm1]
        if adm2 is not None:
            figures = [f for f in figures if f["adm2"] == adm2]
        totals = self.totals(figures)
        # Specific needs are sensitive at every level: a response-wide "SC 2" points at two children as surely as a
        # site's does, so the totals' small counts are suppressed like a site's or an area's.
        totals["specific_needs"] = suppressed_needs(totals["specific_needs"], self.threshold)
        lag = None
        if last_event is not None:
            occurred = aware(last_event["occurred_at"])
            lag = round(max(0.0, (now - occurred).total_seconds()), 3)
        areas = self.admin_areas(figures)
        sites = [{**entry, "specific_needs": suppressed_needs(entry["specific_needs"], self.threshold)}
                 for entry in figures]
        return {
            "generated_at": now.isoformat(),
            "as_of_event": event_reference(last_event),
            "lag_seconds": lag,
            "filters": {"adm1": adm1, "adm2": adm2},
            "small_cell_threshold": self.threshold,
            "totals": totals,
            "admin_areas": areas,
            "sites": sites,
        }

    def three_w(self):
        """Operational presence: organisation × sector × admin area × activity, with counts."""
        rows = defaultdict(lambda: {"site_ids": set(), "households": 0, "individuals": 0})

        def add(org, sector, state, activity, site_id, households, individuals):
            adm1 = state.adm1 if state is not None and state.known else None
            adm2 = state.adm2 if state is not None and state.known else None
            row = rows[(org or "unknown", sector, adm1, adm2, activity)]
            row["site_ids"].add(site_id)
            row["households"] += households
            row["individuals"] += individuals

        for site_id in self.site_ids():
            state = self.sites.get(site_id)
            cells = self.cells.get(site_id, {})
            by_org = cells.get("registered_individuals", {})
            for org, households in cells.get("registered_households", {}).items():
                add(org, "CCCM", state, "Registration", site_id, households, by_org.get(org, 0))
            population = cells.get("population", {})
            agency = state.managing_agency if state is not None and state.known else None
            if state is not None and state.known and state.status == "open":
                add(agency, "CCCM", state, "Site management", site_id, population.get("households", 0),
                    population.get("individuals", 0))
            shelter = cells.get("shelter", {})
            if shelter.get("allocated_households"):
                add(agency, "Shelter", state, "Shelter allocation", site_id, shelter["allocated_households"],
                    shelter.get("occupants", 0))
        result = []
        for (org, sector, adm1, adm2, activity), row in sorted(rows.items(), key=lambda i: tuple(v or "" for v in i[0])):
            result.append({"org": org, "sector": sector, "adm1": adm1, "adm2": adm2, "activity": activity,
                           "sites": len(row["site_ids"]), "households": row["households"],
                           "individuals": row["individuals"]})
        return result


def event_reference(last_event):
    """The last event applied (``repository.last_event``) as published: its times in ISO 8601."""
    if last_event is None:
        return None
    return {key: (iso(value) if key in ("occurred_at", "received_at") else value)
            for key, value in last_event.items()}
