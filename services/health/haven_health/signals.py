"""Immediate alert signals: one suspected case (syndrome, facility, onset, age, sex, outcome; never a name),
checked at once against the signal rules (single case, cluster within days at one place, death)."""
import uuid
from datetime import timedelta

from haven_kernel.clock import utcnow
from haven_kernel.errors import ValidationError
from haven_kernel.validation import load

from haven_contracts import epiweek

from . import domain, repository, rules, views
from .access import to_change
from .alerts import raise_alert
from .models import CaseSignal
from .schemas import SignalSchema


def _facts(signal):
    return {"syndrome": signal.syndrome, "onset_date": signal.onset_date, "age_years": signal.age_years,
            "age_band": signal.age_band, "outcome": signal.outcome, "severe_dehydration": signal.severe_dehydration}


def report(unit, settings, payload):
    data = load(SignalSchema(), payload, field="signal")
    if data["syndrome"] not in settings.syndromes:
        raise ValidationError({"signal.syndrome": ["Unknown syndrome."]})
    facility = to_change(unit, repository.facility(unit.session, data["facility_id"]), "facility", data["facility_id"])
    now = utcnow()
    signal = CaseSignal(id=str(uuid.uuid4()), place=domain.place_of(facility.site_id, facility.id), org=facility.org,
                        received_at=now, **data)
    unit.session.add(signal)
    unit.session.flush()
    window = max([rule["window_days"] for rule in settings.rules.of_kind("cluster")] or [0])
    nearby = repository.signals_near(unit.session, signal.place, signal.onset_date - timedelta(days=window),
                                     signal.onset_date + timedelta(days=window), signal.id) if window else []
    week = epiweek.week_of(signal.onset_date)
    raised = []
    for rule, detail in rules.signal_alerts(settings.rules, _facts(signal), [_facts(other) for other in nearby]):
        alert = raise_alert(unit, rule_id=rule["id"], level=rule["level"], syndrome=signal.syndrome, detail=detail,
                            facility=facility, week=week, now=now, by=f"rule:{rule['id']}")
        if alert is not None:
            raised.append(alert)
    return {"signal_id": signal.id, "week": str(week), "alerts": [views.alert(alert) for alert in raised]}
