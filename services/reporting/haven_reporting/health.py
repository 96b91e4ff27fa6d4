"""Reporting's projection of the health service's events (the health section of the sitrep, the dashboard's epi
curve and the ``health`` HXL export are built from it in ``health_sitrep``).

Each health event carries a whole record with an order of its own: a facility's and a report's ``version``, an
alert's ``step``, a place-week's ``assessed_at``. A row is written only from a newer one, so an event that comes
twice or late changes nothing, and an amended report replaces the old figures (never adds to them). ``rebuild``
replays the archived health events into emptied tables.
"""
from datetime import datetime

from sqlalchemy import delete, select

from haven_contracts import catalogue as default_catalogue
from haven_kernel.clock import aware

from .health_models import TABLES, HealthAlert, HealthFacility, HealthPlaceWeek, HealthReport, HealthWeekCases
from .models import ArchivedEvent

# The health events this projection applies (reporting's main projection, domain.HANDLERS, archives them only).
EVENT_TYPES = {("health", kind) for kind in ("facility_registered", "facility_updated", "weekly_report_submitted",
                                             "place_week_assessed", "alert_raised", "alert_status_changed")}


# -- the projection ---------------------------------------------------------------------------------------------------
def _newer(row, order, value):
    return row is None or value > getattr(row, order)


def apply(session, event):
    data, kind = event.data, event.event_type
    if kind in ("facility_registered", "facility_updated"):
        row = session.get(HealthFacility, str(data["facility_id"]))
        if _newer(row, "version", data["version"]):
            row = row or session.merge(HealthFacility(facility_id=str(data["facility_id"])))
            row.code, row.name, row.facility_type = data["code"], data["name"], data["facility_type"]
            row.site_id = None if data.get("site_id") is None else str(data["site_id"])
            row.adm1, row.adm2, row.status, row.org = data.get("adm1"), data.get("adm2"), data["status"], data["org"]
            row.status_history = [{"since": str(item["since"]), "status": item["status"]}
                                  for item in data["status_history"]]
            row.version = data["version"]
    elif kind == "weekly_report_submitted":
        row = session.get(HealthReport, str(data["report_id"]))
        if _newer(row, "version", data["version"]):
            if row is not None:  # an amendment: take back what the earlier version counted
                _count_cases(session, row.week, row.figures["cases"], -1)
            _count_cases(session, data["week"], data["cases"], 1)
            row = row or session.merge(HealthReport(report_id=str(data["report_id"])))
            row.facility_id = str(data["facility_id"])
            row.site_id = None if data.get("site_id") is None else str(data["site_id"])
            row.adm1, row.adm2, row.week, row.version = data.get("adm1"), data.get("adm2"), data["week"], data["version"]
            row.late = data["late"]
            row.figures = {"consultations": data["consultations"], "cases": data["cases"], "deaths": data["deaths"]}
    elif kind == "place_week_assessed":
        row = session.get(HealthPlaceWeek, (data["place"], data["week"]))
        assessed = _moment(data["assessed_at"])
        if row is None or assessed > aware(row.assessed_at):
            row = row or session.merge(HealthPlaceWeek(place=data["place"], week=data["week"]))
            row.site_id = None if data.get("site_id") is None else str(data["site_id"])
            row.assessed_at = assessed
            row.figures = _plain(data)
    elif kind in ("alert_raised", "alert_status_changed"):
        row = session.get(HealthAlert, str(data["alert_id"]))
        if _newer(row, "step", data["step"]):
            row = row or session.merge(HealthAlert(alert_id=str(data["alert_id"])))
            for key in ("rule_id", "level", "syndrome", "place", "adm1", "adm2", "week", "status", "step"):
                setattr(row, key, data.get(key))
            row.site_id = None if data.get("site_id") is None else str(data["site_id"])
            row.raised_at, row.changed_at = _moment(data["raised_at"]), _moment(data["changed_at"])
    else:
        return False
    session.flush()
    return True


def _count_cases(session, week, cases, sign):
    for syndrome, by_age in cases.items():
        row = session.get(HealthWeekCases, (week, syndrome)) or \
            session.merge(HealthWeekCases(week=week, syndrome=syndrome, cases=0))
        row.cases += sign * (by_age["under_five"] + by_age["five_and_over"])


def _moment(value):
    """An event's time (ISO text in the envelope's data) as an aware datetime."""
    return aware(datetime.fromisoformat(value) if isinstance(value, str) else value)


def _plain(data):
    """An event's parsed data as JSON can keep it (uuids and datetimes as text)."""
    return {key: (value if value is None or isinstance(value, (bool, int, float, str)) else str(value))
            for key, value in data.items()}


def record(unit, event, archive):
    """Archive the event (``archive``: reporting's ``handlers.record``) and, when it is new, apply it."""
    if archive(unit, event):
        apply(unit.session, event)


def rebuild(session, catalogue=default_catalogue):
    """Empty the health tables and replay the archived health events into them, in archive order."""
    for model in TABLES:
        session.execute(delete(model))
    replayed = 0
    query = select(ArchivedEvent.envelope, ArchivedEvent.origin_org).where(ArchivedEvent.source == "health") \
        .order_by(ArchivedEvent.id)
    for envelope, origin_org in session.execute(query):
        apply(session, catalogue.parse(envelope, origin_org=origin_org))
        replayed += 1
    return {"health_events_replayed": replayed}
