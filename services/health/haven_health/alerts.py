"""Alerts: raised by a rule (once per rule, place and epi-week, however many reports or signals meet it) or by
hand, then verified (confirmed or discarded), investigated, closed or monitored, each step with who and when; the
Sphere KPIs of a week."""
import uuid

from haven_kernel import versions
from haven_kernel.clock import utcnow
from haven_kernel.errors import NotFound, ValidationError
from haven_kernel.validation import load, parse_uuid

from haven_contracts import epiweek

from . import domain, repository, views
from .access import to_change
from .models import AlertStep
from .schemas import AlertStepSchema, ManualAlertSchema, PageQuery

MANUAL = "manual"


def raise_alert(unit, *, rule_id, level, syndrome, detail, facility, week, now, by):
    """Raise an alert at ``facility``'s place for ``week`` unless the rule already did: the alert's view if new."""
    place = domain.place_of(facility.site_id, facility.id)
    values = {"id": str(uuid.uuid4()), "dedupe_key": None if rule_id == MANUAL else f"{rule_id}|{place}|{week}",
              "rule_id": rule_id, "level": level, "syndrome": syndrome, "detail": detail[:300], "place": place,
              "site_id": facility.site_id, "facility_id": facility.id, "week": str(week), "status": "raised",
              "step": 1, "org": facility.org, "raised_at": now, "raised_by": by}
    if not repository.insert_alert(unit.session, values):
        return None
    unit.session.add(AlertStep(alert_id=values["id"], step=1, status="raised", by=by, at=now))
    alert = repository.alert(unit.session, values["id"])
    unit.emit("alert_raised", views.alert_event(alert, facility))
    return alert


def raise_manual(unit, settings, payload):
    data = load(ManualAlertSchema(), payload, field="alert")
    if data["syndrome"] is not None and data["syndrome"] not in settings.syndromes:
        raise ValidationError({"alert.syndrome": ["Unknown syndrome."]})
    try:
        week = epiweek.parse(data["week"])
    except ValueError as error:
        raise ValidationError({"alert.week": [str(error)]}) from None
    facility = to_change(unit, repository.facility(unit.session, data["facility_id"]), "facility", data["facility_id"])
    alert = raise_alert(unit, rule_id=MANUAL, level=data["level"], syndrome=data["syndrome"], detail="raised by hand",
                        facility=facility, week=week, now=utcnow(), by=unit.caller.sub)
    return views.alert(alert)


def step(unit, payload, expected_version=None):
    """Move an alert on (verify, investigate, close), recording who and when. An alert's version is its ``step``
    (1 when raised, one more at each move): Conflict when ``expected_version`` is given and it moved since."""
    expected = versions.expected_version(expected_version, "alert")
    data = load(AlertStepSchema(), payload, field="step")
    alert = to_change(unit, repository.alert(unit.session, data["alert_id"], lock=True), "alert", data["alert_id"])
    versions.require_version("alert", alert.id, alert.step, expected)
    status = domain.next_status(alert.status, data["action"], data["outcome"])
    now = utcnow()
    who = unit.caller.sub
    if data["action"] == "verify":
        alert.verified_at, alert.verified_by = now, who
    elif data["action"] == "investigate":
        alert.investigated_at, alert.investigated_by = now, who
    elif status == "closed":
        alert.closed_at, alert.closed_by = now, who
    alert.status = status
    alert.step += 1
    unit.session.add(AlertStep(alert_id=alert.id, step=alert.step, status=status, by=who, at=now))
    unit.session.flush()
    facility = repository.facility(unit.session, alert.facility_id)
    unit.emit("alert_status_changed", views.alert_event(alert, facility, changed_at=now))
    return views.alert(alert, repository.alert_steps(unit.session, alert.id))


def get(unit, alert_id):
    alert_id = parse_uuid(alert_id, "alert_id")
    alert = repository.alert(unit.session, alert_id)
    if alert is None:
        raise NotFound(f"alert {alert_id} not found")
    return views.alert(alert, repository.alert_steps(unit.session, alert_id))


def listing(unit, status, week, query):
    if status is not None and status not in views.ALERT_STATUSES:
        raise ValidationError({"status": [f"Must be one of: {', '.join(views.ALERT_STATUSES)}."]})
    week = None if week is None else str(parse_week(week, "week"))
    query = load(PageQuery(), query)
    rows = repository.alerts(unit.session, status=status, week=week, **query)
    return views.page([views.alert(row) for row in rows], query, len(rows))


def kpis(unit, week):
    """Sphere's alert indicators for the alerts raised in ``week``."""
    week = str(parse_week(week, "week"))
    result = domain.kpis(repository.alerts(unit.session, week=week, limit=None))
    return {"week": week, "raised": result.raised, "verified_within_24h": result.verified_within_24h,
            "investigated_within_24h": result.investigated_within_24h, "target": 0.9}


def parse_week(value, field):
    try:
        return epiweek.parse(value)
    except ValueError as error:
        raise ValidationError({field: [str(error)]}) from None
