"""Reply shapes (what partners receive, built from rows, never a row itself), event data and the service's gauges."""
from prometheus_client.core import GaugeMetricFamily

from haven_contracts.health import ALERT_STATUSES, FACILITY_STATUSES
from haven_kernel.clock import iso

from . import rules


def page(items, query, returned):
    more = returned >= query["limit"]
    return {"items": items, "next_offset": query["offset"] + query["limit"] if more else None}


def facility(row, history=None):
    out = {"facility_id": row.id, "code": row.code, "name": row.name, "facility_type": row.facility_type,
           "site_id": row.site_id, "serves_site_ids": list(row.serves_site_ids or []), "adm1": row.adm1,
           "adm2": row.adm2, "lat": row.lat, "lon": row.lon, "beds_total": row.beds_total,
           "beds_available": row.beds_available, "status": row.status, "org": row.org, "version": row.version}
    if history is not None:
        out["status_history"] = [{"since": iso(since), "status": status} for since, status in history]
    return out


def facility_event(row, history):
    """``history``: the facility's [(since, status)]."""
    return {key: value for key, value in facility(row, history).items() if key not in ("lat", "lon")}


def report(row):
    return {"report_id": row.id, "facility_id": row.facility_id, "week": row.week, "version": row.version,
            "late": row.late, "received_at": iso(row.received_at), **row.figures}


def report_event(row, facility_row):
    return {"report_id": row.id, "facility_id": row.facility_id, "site_id": facility_row.site_id,
            "adm1": facility_row.adm1, "adm2": facility_row.adm2, "week": row.week, "version": row.version,
            "late": row.late, "received_at": iso(row.received_at), "org": row.org, **row.figures}


def assessment(place, site_id, week, facts, rule_set, baselines, now):
    """A place's week: deaths against the week's population, the rates per 10,000 per day and the thresholds of
    the rule set's mortality rules (the baseline-based one when a baseline is configured)."""
    out = {"place": place, "site_id": site_id, "week": str(week), "deaths": facts["deaths"],
           "deaths_under_five": facts["deaths_under_five"], "population": facts["population"],
           "under_five": facts["under_five"], "population_basis": facts.get("population_basis", "mid_week"),
           "assessed_at": iso(now)}
    for measure, prefix, deaths, people in (("crude", "crude", facts["deaths"], facts["population"]),
                                            ("under_five", "under_five", facts["deaths_under_five"],
                                             facts["under_five"])):
        rate = rules.per_10000_per_day(deaths, people)
        rule = next((r for r in rule_set.of_kind("mortality") if r["measure"] == measure), None)
        threshold = None if rule is None else rules.mortality_threshold(rule, baselines.get(measure))
        out[f"{prefix}_mortality"] = None if rate is None else round(rate, 4)
        out[f"{prefix}_threshold"] = threshold
        out[f"{prefix}_exceeded"] = bool(rate is not None and threshold is not None and rate > threshold)
    return out


def alert(row, steps=None):
    out = {"alert_id": row.id, "rule_id": row.rule_id, "level": row.level, "syndrome": row.syndrome,
           "detail": row.detail, "place": row.place, "site_id": row.site_id, "facility_id": row.facility_id,
           "week": row.week, "status": row.status, "raised_at": iso(row.raised_at), "raised_by": row.raised_by,
           "verified_at": iso(row.verified_at) if row.verified_at else None, "verified_by": row.verified_by,
           "investigated_at": iso(row.investigated_at) if row.investigated_at else None,
           "investigated_by": row.investigated_by,
           "closed_at": iso(row.closed_at) if row.closed_at else None, "closed_by": row.closed_by,
           "version": row.step}
    if steps is not None:
        out["steps"] = [{"step": s.step, "status": s.status, "by": s.by, "at": iso(s.at)} for s in steps]
    return out


def alert_event(row, facility_row, changed_at=None):
    return {"alert_id": row.id, "rule_id": row.rule_id, "level": row.level, "syndrome": row.syndrome,
            "place": row.place, "site_id": row.site_id, "facility_id": row.facility_id,
            "adm1": facility_row.adm1 if facility_row else None, "adm2": facility_row.adm2 if facility_row else None,
            "week": row.week, "status": row.status, "raised_at": iso(row.raised_at),
            "changed_at": iso(changed_at or row.raised_at), "step": row.step}


def referral(row):
    return {"referral_id": row.id, "from_facility_id": row.from_facility_id, "to_facility_id": row.to_facility_id,
            "reason": row.reason, "urgency": row.urgency, "status": row.status, "referred_at": iso(row.referred_at),
            "version": row.version}


def gauges(facilities_by_status, alerts_by_status):
    facilities = GaugeMetricFamily("haven_health_facilities", "Health facilities by status", labels=["status"])
    for status in FACILITY_STATUSES:
        facilities.add_metric([status], facilities_by_status.get(status, 0))
    alerts = GaugeMetricFamily("haven_health_alerts", "Alerts by status", labels=["status"])
    for status in ALERT_STATUSES:
        alerts.add_metric([status], alerts_by_status.get(status, 0))
    return [facilities, alerts]
