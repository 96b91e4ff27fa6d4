"""The health section of the sitrep, built from reporting's health projection (``health``): per site and per admin
area for an epi-week, consultations, cases per syndrome, deaths, crude and under-five mortality per 10,000 per day
with the threshold flag (as the health service assessed them against the week's population), open alerts and the
age of the oldest; completeness and timeliness per week; the epi curve (weekly cases per syndrome, response-wide).
Counts by site and admin area are suppressed as the sitrep suppresses specific needs (``haven_contracts.disclosure``);
rates, flags and response-wide weekly totals are published as they are."""
from collections import defaultdict
from datetime import date

from sqlalchemy import select

from haven_contracts import epiweek
from haven_contracts.disclosure import suppress
from haven_contracts.health import SYNDROMES
from haven_kernel.clock import aware
from haven_kernel.db import plain_rows

from .health_models import HealthAlert, HealthFacility, HealthPlaceWeek, HealthReport, HealthWeekCases
from .models import SiteProfile

OPEN = ("raised", "confirmed", "investigated", "monitored")
# what the section reads of an open alert: plain rows, not ORM objects (a response can have thousands open)
ALERT_COLUMNS = (HealthAlert.alert_id, HealthAlert.rule_id, HealthAlert.level, HealthAlert.syndrome,
                 HealthAlert.site_id, HealthAlert.place, HealthAlert.week, HealthAlert.status, HealthAlert.raised_at,
                 HealthAlert.adm1, HealthAlert.adm2)


def _add(into, figures):
    for by_age in figures["consultations"].values():
        into["consultations"] += by_age["under_five"] + by_age["five_and_over"]
    for syndrome, by_age in figures["cases"].items():
        into["cases"][syndrome] += by_age["under_five"] + by_age["five_and_over"]
    into["deaths"] += figures["deaths"]["under_five"] + figures["deaths"]["five_and_over"]
    into["deaths_under_five"] += figures["deaths"]["under_five"]


def _blank():
    return {"consultations": 0, "cases": defaultdict(int), "deaths": 0, "deaths_under_five": 0, "reports": 0}


def _published(figures, threshold):
    return {"consultations": suppress(figures["consultations"], threshold),
            "cases": {name: suppress(count, threshold) for name, count in sorted(figures["cases"].items()) if count},
            "deaths": suppress(figures["deaths"], threshold),
            "deaths_under_five": suppress(figures["deaths_under_five"], threshold), "reports": figures["reports"]}


class Completeness:
    """Which facilities were expected each week (their status histories, parsed once) and the reports received.
    Whether a history expects a week is worked out once per distinct history and week (facilities registered
    together share one), so every week's completeness costs facilities x weeks look-ups, not status walks."""

    def __init__(self, facilities, received):
        self.histories = {f.facility_id: (tuple((date.fromisoformat(item["since"]), item["status"])
                                                for item in f.status_history), f.adm1, f.adm2) for f in facilities}
        self.received = defaultdict(list)  # {week: [(facility_id, late)]} from [(facility_id, week, late)]
        for facility_id, week, late in received:
            self.received[week].append((facility_id, late))
        self._expects = {}  # {(history, week): bool}
        self._weeks = {}  # {week text: parsed}

    def _expected(self, history, week):
        key = (history, week)
        if key not in self._expects:
            parsed = self._weeks.get(week) or self._weeks.setdefault(week, epiweek.parse(week))
            self._expects[key] = epiweek.expected_to_report(history, parsed)
        return self._expects[key]

    def week(self, week, adm1=None, adm2=None):
        """Reports received ÷ facilities expected (functional that week), on time ÷ expected."""
        expected = {facility_id for facility_id, (history, a1, a2) in self.histories.items()
                    if (adm1 is None or a1 == adm1) and (adm2 is None or a2 == adm2)
                    and self._expected(history, week)}
        received = [late for facility_id, late in self.received.get(week, ()) if facility_id in expected]
        on_time = sum(1 for late in received if not late)
        ratio = (lambda part: round(part / len(expected), 4) if expected else None)
        return {"week": week, "expected": len(expected), "received": len(received), "on_time": on_time,
                "completeness": ratio(len(received)), "timeliness": ratio(on_time)}


def section(session, threshold, now, week=None, adm1=None, adm2=None):
    """The health section: the latest reported week's (or ``week``'s) figures per site and admin area, every
    week's completeness and timeliness, the epi curve and the open alerts; only the chosen week's reports are read
    whole (``adm1``/``adm2`` narrow it to an area)."""
    def in_area(query, model):
        if adm1 is not None:
            query = query.where(model.adm1 == adm1)
        if adm2 is not None:
            query = query.where(model.adm2 == adm2)
        return query
    facilities = session.execute(in_area(select(HealthFacility.facility_id, HealthFacility.status_history,
                                                HealthFacility.adm1, HealthFacility.adm2), HealthFacility)).all()
    received = [tuple(row) for row in plain_rows(session, in_area(  # every report ever received
        select(HealthReport.facility_id, HealthReport.week, HealthReport.late), HealthReport))]
    weeks = sorted({w for _, w, _ in received}, key=epiweek.parse)
    week = week or (weeks[-1] if weeks else None)
    reports = list(session.execute(in_area(select(HealthReport).where(HealthReport.week == week),
                                           HealthReport)).scalars())
    places = list(session.execute(select(HealthPlaceWeek).where(HealthPlaceWeek.week == week)).scalars())
    alerts = session.execute(in_area(select(*ALERT_COLUMNS).where(HealthAlert.status.in_(OPEN)), HealthAlert)).all()
    counting = Completeness(facilities, received)
    names = {row.site_id: row.name for row in session.execute(select(SiteProfile.site_id, SiteProfile.name))}
    by_site, by_area, site_areas = defaultdict(_blank), defaultdict(_blank), {}
    for report in reports:
        if report.site_id:
            site_areas[report.site_id] = (report.adm1, report.adm2)
        for key in ([("site", report.site_id)] if report.site_id else []) + \
                [("adm1", report.adm1, None), ("adm2", report.adm1, report.adm2)]:
            target = by_site[key[1]] if key[0] == "site" else by_area[key[1:]]
            _add(target, report.figures)
            target["reports"] += 1
    raised = {a.alert_id: aware(a.raised_at) for a in alerts}
    open_alerts = sorted(alerts, key=lambda a: raised[a.alert_id])  # oldest first, so is every list made of it
    alerts_at, alerts_in = defaultdict(list), defaultdict(list)  # by site; by (adm1, None) and (adm1, adm2)
    for alert in open_alerts:
        alerts_at[alert.site_id].append(alert)
        alerts_in[(alert.adm1, None)].append(alert)
        if alert.adm2 is not None:
            alerts_in[(alert.adm1, alert.adm2)].append(alert)
    assessed = {p.site_id: p.figures for p in places if p.site_id}
    sites = []
    for site_id in sorted(by_site, key=lambda s: (names.get(s) or "", s)):
        mortality = assessed.get(site_id, {})
        site_alerts = alerts_at.get(site_id, [])
        sites.append({"site_id": site_id, "name": names.get(site_id), "adm1": site_areas[site_id][0],
                      "adm2": site_areas[site_id][1], "week": week,
                      **_published(by_site[site_id], threshold),
                      **{key: mortality.get(key) for key in (
                          "population", "under_five", "crude_mortality", "under_five_mortality", "crude_threshold",
                          "under_five_threshold", "crude_exceeded", "under_five_exceeded")},
                      "open_alerts": len(site_alerts),
                      "oldest_open_alert_hours": _oldest(site_alerts, raised, now)})
    areas = []
    for (area1, area2), figures in sorted(by_area.items(), key=lambda item: (item[0][0] or "", item[0][1] or "")):
        area_alerts = alerts_in.get((area1, area2), [])
        in_this = [assessed[site] for site, (a1, a2) in site_areas.items()
                   if site in assessed and a1 == area1 and (area2 is None or a2 == area2)]
        areas.append({"level": 1 if area2 is None else 2, "adm1": area1, "adm2": area2, "week": week,
                      **_published(figures, threshold), **_area_mortality(in_this), "open_alerts": len(area_alerts),
                      "oldest_open_alert_hours": _oldest(area_alerts, raised, now),
                      **_rates(counting.week(week, area1, area2))})
    return {"week": week, "weeks": [counting.week(w) for w in weeks],
            "epi_curve": epi_curve(session, weeks) if adm1 is None and adm2 is None else
            _curve_of(reports_all(session, adm1, adm2), weeks), "sites": sites, "admin_areas": areas,
            "open_alerts": [{"alert_id": a.alert_id, "rule_id": a.rule_id, "level": a.level, "syndrome": a.syndrome,
                             "site_id": a.site_id, "place": a.place, "week": a.week, "status": a.status,
                             "age_hours": round((now - raised[a.alert_id]).total_seconds() / 3600, 1)}
                            for a in open_alerts]}


def reports_all(session, adm1, adm2):
    query = select(HealthReport.week, HealthReport.figures)
    if adm1 is not None:
        query = query.where(HealthReport.adm1 == adm1)
    if adm2 is not None:
        query = query.where(HealthReport.adm2 == adm2)
    return list(session.execute(query))


def _area_mortality(assessed):
    """An area's week: its sites' deaths against their population (per 10,000 per day), flagged over the sites'
    threshold when they share one (the fixed one, or one baseline)."""
    out = {}
    for measure, deaths, people in (("crude", "deaths", "population"),
                                    ("under_five", "deaths_under_five", "under_five")):
        total, population = sum(a[deaths] for a in assessed), sum(a[people] for a in assessed)
        rate = round(total * 10000 / (population * 7), 4) if population else None
        thresholds = {a[f"{measure}_threshold"] for a in assessed}
        threshold = thresholds.pop() if len(thresholds) == 1 else None
        out[f"{measure}_mortality"] = rate
        out[f"{measure}_exceeded"] = None if rate is None or threshold is None else rate > threshold
    return out


def _rates(week_completeness):
    return {key: week_completeness[key] for key in ("completeness", "timeliness")}


def _oldest(alerts, raised, now):
    """The age in hours of the oldest of ``alerts`` (oldest first; ``raised``: {alert_id: aware raised_at})."""
    if not alerts:
        return None
    return round((now - raised[alerts[0].alert_id]).total_seconds() / 3600, 1)


def epi_curve(session, weeks):
    """{"weeks", "syndromes": {syndrome: [cases per week, in ``weeks`` order]}}, response-wide, from the weekly
    counters (syndromes with cases only)."""
    curve = defaultdict(lambda: [0] * len(weeks))
    index = {w: n for n, w in enumerate(weeks)}
    for week, syndrome, cases in session.execute(select(HealthWeekCases.week, HealthWeekCases.syndrome,
                                                        HealthWeekCases.cases)):
        if week in index:
            curve[syndrome][index[week]] += cases
    return {"weeks": weeks, "syndromes": {name: counts for name, counts in sorted(curve.items()) if any(counts)}}


def _curve_of(rows, weeks):
    """The epi curve of an area, from its reports' figures."""
    curve = defaultdict(lambda: [0] * len(weeks))
    index = {w: n for n, w in enumerate(weeks)}
    for week, figures in rows:
        for syndrome, by_age in figures["cases"].items():
            curve[syndrome][index[week]] += by_age["under_five"] + by_age["five_and_over"]
    return {"weeks": weeks, "syndromes": {name: counts for name, counts in sorted(curve.items()) if any(counts)}}


def hxl_rows(session, threshold, now):
    """The ``health`` export: one row per site and reported week (small counts suppressed)."""
    weeks = sorted(set(session.execute(select(HealthReport.week).distinct()).scalars()), key=epiweek.parse)
    return [site for week in weeks for site in section(session, threshold, now, week=week)["sites"]]


def _get(key):
    return lambda row: row.get(key)


HXL_COLUMNS = [
    ("Epi-week", "#date+epiweek", _get("week")),
    ("Site ID", "#loc+camp+id", _get("site_id")),
    ("Site name", "#loc+camp+name", _get("name")),
    ("Province", "#adm1+name", _get("adm1")),
    ("District", "#adm2+name", _get("adm2")),
    ("Reports", "#indicator+reports+num", _get("reports")),
    ("Consultations", "#indicator+consultations+num", _get("consultations")),
    *[(f"Cases {name.replace('_', ' ')}", f"#affected+infected+{name}",
       (lambda n: lambda row: row["cases"].get(n, 0))(name)) for name in SYNDROMES],
    ("Deaths", "#affected+killed", _get("deaths")),
    ("Deaths under five", "#affected+killed+age0_4", _get("deaths_under_five")),
    ("Population", "#population+ind", _get("population")),
    ("Population under five", "#population+ind+age0_4", _get("under_five")),
    ("Crude mortality per 10,000 per day", "#indicator+cmr", _get("crude_mortality")),
    ("Crude mortality over threshold", "#indicator+cmr+alert", _get("crude_exceeded")),
    ("Under-five mortality per 10,000 per day", "#indicator+u5mr", _get("under_five_mortality")),
    ("Under-five mortality over threshold", "#indicator+u5mr+alert", _get("under_five_exceeded")),
    ("Open alerts", "#indicator+alerts+open", _get("open_alerts")),
]
