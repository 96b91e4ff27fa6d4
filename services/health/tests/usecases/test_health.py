"""The health service's use cases on its unit of work over SQLite: facilities, weekly reports (amendments, late,
future), completeness and timeliness, signals and alerts (one per rule, place and week), the lifecycle and KPIs,
live denominators from registration's household events, referrals, bad input."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy

from haven_contracts.testing import Events, household_event, sex_age_of
from haven_kernel.errors import Conflict, Forbidden, NotFound, ValidationError

from haven_health import alerts, facilities, population, referrals, signals, weekly
from haven_health.models import Alert, AlertStep, CaseSignal, Facility, ReportVersion, WeeklyReport
from haven_health.testing import EARLY, OTHER_SITE, SITE, by_age, facility, households, report

UTC = timezone.utc
W47, W48 = "2026-W47", "2026-W48"
ON_TIME_W48 = datetime(2026, 11, 30, 9, tzinfo=UTC)   # Monday after W48
LATE_W47 = datetime(2026, 11, 25, 9, tzinfo=UTC)      # Wednesday after W47: the deadline was Tuesday


def submit(unit, settings, payload, now=ON_TIME_W48):
    with unit.transaction():
        return weekly.submit(unit, settings, payload, now=now)


def test_a_facility_is_registered_with_its_status_history_and_an_event(unit):
    made = facility(unit)
    with unit.transaction():
        facilities.update(unit, made["facility_id"], {"status": "not_functional", "status_since": "2026-11-10",
                                                      "beds_available": 0, "beds_total": 20})
    with unit.transaction():
        got = facilities.get(unit, made["facility_id"])
    assert got["status"] == "not_functional" and got["version"] == 2
    assert got["status_history"] == [{"since": "2026-10-01", "status": "functional"},
                                     {"since": "2026-11-10", "status": "not_functional"}]
    assert [e["status"] for e in unit.events("facility_registered") + unit.events("facility_updated")] == \
        ["functional", "not_functional"]
    with pytest.raises(Conflict), unit.transaction():
        facility(unit)  # the same code


def test_an_amended_report_replaces_the_old_figures_and_never_adds_to_them(unit, settings):
    hc = facility(unit)
    first = submit(unit, settings, report(hc["facility_id"], W48, {"acute_watery_diarrhoea": (3, 4)}, deaths=(0, 1)))
    amended = submit(unit, settings, report(hc["facility_id"], W48, {"acute_watery_diarrhoea": (1, 1)}, deaths=(0, 0)))
    assert (first["version"], amended["version"], amended["report_id"]) == (1, 2, first["report_id"])
    with unit.transaction():
        place = weekly.place_summary(unit, settings, hc["facility_id"], W48)
        got = weekly.get(unit, hc["facility_id"], W48)
    assert place["cases"] == {"acute_watery_diarrhoea": 2} and place["deaths"] == 0
    assert got["cases"]["acute_watery_diarrhoea"] == by_age(1, 1) and got["versions"] == [1, 2]
    assert unit.count(WeeklyReport) == 1 and unit.count(ReportVersion) == 2
    assert [(e["version"], e["deaths"]) for e in unit.events("weekly_report_submitted")] == \
        [(1, by_age(0, 1)), (2, by_age(0, 0))]


def test_a_week_that_has_not_ended_is_refused_and_a_late_report_is_accepted_and_marked(unit, settings):
    hc = facility(unit)
    with pytest.raises(ValidationError) as error:
        submit(unit, settings, report(hc["facility_id"], W48), now=datetime(2026, 11, 29, 23, 59, tzinfo=UTC))
    assert list(error.value.errors) == ["report.week"] and unit.count(WeeklyReport) == 0
    assert submit(unit, settings, report(hc["facility_id"], W47), now=LATE_W47)["late"] is True
    on_time = submit(unit, settings, report(hc["facility_id"], W48), now=datetime(2026, 12, 1, 23, tzinfo=UTC))
    assert on_time["late"] is False  # Tuesday after the week: the last day on time
    amended = submit(unit, settings, report(hc["facility_id"], W48), now=datetime(2026, 12, 9, tzinfo=UTC))
    assert amended["late"] is False, "a late amendment does not make an on-time report late"


def test_completeness_and_timeliness_count_the_facilities_functional_that_week(unit, settings):
    one, two, three = (facility(unit, code) for code in ("HC-1", "HC-2", "HC-3"))
    facility(unit, "HC-4", status="closed")  # not expected
    with unit.transaction():
        facilities.update(unit, three["facility_id"], {"status": "closed", "status_since": "2026-11-01"})
    submit(unit, settings, report(one["facility_id"], W47), now=datetime(2026, 11, 23, tzinfo=UTC))
    submit(unit, settings, report(two["facility_id"], W47), now=LATE_W47)
    with unit.transaction():
        week = weekly.completeness(unit, settings, W47)
    assert (week["expected"], week["received"], week["on_time"]) == (2, 2, 1)
    assert (week["completeness"], week["timeliness"]) == (1.0, 0.5)
    with unit.transaction():
        week = weekly.completeness(unit, settings, W48)
    assert (week["expected"], week["received"], week["completeness"], week["missing"]) == (2, 0, 0.0, ["HC-1", "HC-2"])


def signal(facility_id, syndrome="acute_watery_diarrhoea", onset="2026-11-24", age_years=30, **fields):
    return {"facility_id": facility_id, "syndrome": syndrome, "onset_date": onset, "age_years": age_years,
            "sex": "female", "outcome": "alive", "severe_dehydration": True, **fields}


def test_a_cholera_cluster_raises_one_alert_however_many_signals_meet_it(unit, settings):
    hc = facility(unit)
    other = facility(unit, "HC-2")  # same site: the same place
    with unit.transaction():
        assert signals.report(unit, settings, signal(hc["facility_id"]))["alerts"] == []
    with unit.transaction():
        raised = signals.report(unit, settings, signal(other["facility_id"], onset="2026-11-26"))["alerts"]
    with unit.transaction():
        again = signals.report(unit, settings, signal(hc["facility_id"], onset="2026-11-27"))["alerts"]
    assert [a["rule_id"] for a in raised] == ["cholera-cluster"] and again == []
    assert raised[0]["place"] == f"site:{SITE}" and raised[0]["week"] == W48
    assert unit.count(Alert) == 1 and unit.count(CaseSignal) == 3
    event = unit.events("alert_raised")
    assert len(event) == 1 and set(event[0]) >= {"rule_id", "place", "week", "status"}
    assert not {"age_years", "sex", "onset_date"} & set(event[0]), "no case-level data leaves the service"


def test_the_alert_lifecycle_records_who_and_when_and_the_kpis_count_it(unit, settings):
    hc = facility(unit)
    with unit.transaction():
        alert = signals.report(unit, settings, signal(hc["facility_id"], syndrome="suspected_measles"))["alerts"][0]
    with pytest.raises(Conflict), unit.transaction():
        alerts.step(unit, {"alert_id": alert["alert_id"], "action": "investigate"})
    unit.act_as("health:write", org="IOM", sub="verifier")
    with unit.transaction():
        alerts.step(unit, {"alert_id": alert["alert_id"], "action": "verify", "outcome": "confirmed"})
    with unit.transaction():
        alerts.step(unit, {"alert_id": alert["alert_id"], "action": "investigate"})
    with unit.transaction():
        done = alerts.step(unit, {"alert_id": alert["alert_id"], "action": "close", "outcome": "monitored"})
    assert [(s["status"], s["by"]) for s in done["steps"]] == [
        ("raised", "rule:single-case-notifiable"), ("confirmed", "verifier"), ("investigated", "verifier"),
        ("monitored", "verifier")]
    assert done["verified_by"] == "verifier" and done["investigated_at"] is not None
    assert [e["status"] for e in unit.events("alert_status_changed")] == ["confirmed", "investigated", "monitored"]
    with unit.transaction():
        kpis = alerts.kpis(unit, W48)
    assert (kpis["raised"], kpis["verified_within_24h"], kpis["investigated_within_24h"]) == (1, 1.0, 1.0)
    unit.act_as("health:write", org="UNHCR")
    with pytest.raises(Forbidden, match="managed by IOM"), unit.transaction():  # alerts are read by all, moved on
        alerts.step(unit, {"alert_id": alert["alert_id"], "action": "close", "outcome": "closed"})  # by IOM
    assert unit.count(AlertStep) == 4


def test_a_manual_alert_is_raised_by_hand(unit, settings):
    hc = facility(unit)
    with unit.transaction():
        made = alerts.raise_manual(unit, settings, {"facility_id": hc["facility_id"], "week": W48,
                                                    "syndrome": "dengue"})
    with unit.transaction():
        alerts.raise_manual(unit, settings, {"facility_id": hc["facility_id"], "week": W48})
    assert made["rule_id"] == "manual" and made["raised_by"] == "iom-health-officer" and unit.count(Alert) == 2


def test_mortality_uses_the_population_registration_says_the_site_had_and_moves_with_it(unit, settings):
    hc = facility(unit)
    households(unit, 100)  # 1,000 people, 400 under five, registered 1 October
    submit(unit, settings, report(hc["facility_id"], W48, {"acute_watery_diarrhoea": (2, 3)}, deaths=(0, 1)))
    with unit.transaction():
        before = weekly.place_summary(unit, settings, hc["facility_id"], W48)
    assert (before["population"], before["under_five"]) == (1000, 400)
    assert before["crude_mortality"] == round(1 * 10000 / (1000 * 7), 4) and before["crude_exceeded"] is True
    assert before["incidence_per_1000"] == {"acute_watery_diarrhoea": 5.0}
    households(unit, 100)  # the site doubles before the week
    with unit.transaction():
        after = weekly.place_summary(unit, settings, hc["facility_id"], W48)
    assert after["population"] == 2000 and after["crude_mortality"] == round(10000 / 14000, 4)
    assert after["crude_exceeded"] is False and after["incidence_per_1000"] == {"acute_watery_diarrhoea": 2.5}
    assert [a.rule_id for a in unit.session.query(Alert)] == ["crude-mortality"]
    assessed = unit.events("place_week_assessed")[-1]
    assert (assessed["population"], assessed["crude_exceeded"], assessed["crude_threshold"]) == (1000, True, 1)


def test_household_events_twice_or_out_of_order_change_nothing_twice(unit):
    events = Events(start=EARLY)
    household = household_event(SITE, by_sex_age=sex_age_of(6))
    moved = dict(household_event(OTHER_SITE, household["household_id"], event_type="household_relocated",
                                 by_sex_age=sex_age_of(6), version=2), from_site_id=SITE)
    registered = events.event("registration", "household_registered", household)
    relocated = events.event("registration", "household_relocated", moved)
    for event in (relocated, registered, registered, relocated):  # late, repeated
        with unit.applying(event):
            population.household_changed(unit, event)
    with unit.transaction():
        site = population.denominators(unit, events.tick(), site_id=SITE)
        other = population.denominators(unit, events.clock, site_id=OTHER_SITE)
        between = population.denominators(unit, registered.occurred_at + timedelta(milliseconds=1), site_id=SITE)
    assert (site["population"], other["population"], other["under_five"]) == (0, 6, 2)
    assert between["population"] == 6


def test_a_batch_of_household_events_is_written_in_one_statement_and_counted_at_once(unit):
    events = Events(start=EARLY)
    made = [household_event(SITE, by_sex_age=sex_age_of(5)) for _ in range(40)]
    batch = [events.event("registration", "household_registered", data) for data in made]
    batch.append(events.event("registration", "household_registered", made[0]))  # the same version again
    inserts = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO HOUSEHOLD_VERSIONS"):
            inserts.append(statement)
    engine = unit.session.get_bind()
    sqlalchemy.event.listen(engine, "before_cursor_execute", seen)
    try:
        unit.apply_events(batch, population.household_changed)
    finally:
        sqlalchemy.event.remove(engine, "before_cursor_execute", seen)
    assert len(inserts) == 1, "one INSERT for the whole batch, not one per event"
    with unit.transaction():
        assert population.denominators(unit, events.tick(), site_id=SITE)["population"] == 200
    later = household_event(SITE, by_sex_age=sex_age_of(7))
    with unit.applying(events.event("registration", "household_registered", later)):
        population.household_changed(unit, events.event("registration", "household_registered", later))
        # read in the same transaction: the version not yet written counts
        assert population.denominators(unit, events.tick(), site_id=SITE)["population"] == 207


@pytest.mark.parametrize("change, field", [
    ({"week": "2026-W53"}, "report.week"),                                # not ended (the future)
    ({"week": "2026-W54"}, "report.week"),                                # a week 2026 does not have
    ({"deaths": by_age(-1, 0)}, "report.deaths.under_five"),             # a negative count
    ({"cases": {"zika": by_age(1, 0)}}, "report.cases"),                  # unknown syndrome
    ({"facility_id": None}, "report.facility_id"),                        # deaths without a facility
    ({"deaths": by_age("1", 0)}, "report.deaths.under_five"),            # wrong type
    ({"cases": {f"s{n}": by_age(1, 1) for n in range(500)}}, "report.cases"),  # a huge payload
    ({"consultations": {"female": by_age(1, 1)}}, "report.consultations.male"),
    ({"name": "Amina"}, "report.name"),                                   # an unknown field
])
def test_bad_reports_get_a_typed_error_naming_the_field_and_change_nothing(unit, settings, change, field):
    hc = facility(unit)
    with pytest.raises(ValidationError) as error:
        submit(unit, settings, {**report(hc["facility_id"], W48), **change})
    assert field in error.value.errors
    assert unit.count(WeeklyReport) == 0 and unit.events("weekly_report_submitted") == []


@pytest.mark.parametrize("change, field", [
    ({"syndrome": "zika"}, "signal.syndrome"),
    ({"onset_date": "2099-01-01"}, "signal.onset_date"),
    ({"age_years": None}, "signal.age_years"),
    ({"age_years": -1}, "signal.age_years"),
    ({"name": "Amina"}, "signal.name"),
])
def test_bad_signals_are_refused_naming_the_field(unit, settings, change, field):
    hc = facility(unit)
    with pytest.raises(ValidationError) as error, unit.transaction():
        signals.report(unit, settings, {**signal(hc["facility_id"]), **change})
    assert field in error.value.errors and unit.count(CaseSignal) == 0


def test_another_organisation_cannot_report_for_a_facility_it_does_not_own(unit, settings):
    hc = facility(unit)
    unit.act_as("health:write", "health:read", org="UNHCR")
    with pytest.raises(Forbidden, match="managed by IOM"):  # facilities are reference data: seen, not changed
        submit(unit, settings, report(hc["facility_id"], W48))
    with pytest.raises(Forbidden), unit.transaction():
        facilities.update(unit, hc["facility_id"], {"status": "closed"})
    assert unit.count(WeeklyReport) == 0 and unit.count(Facility, Facility.status == "closed") == 0


def test_referrals_are_counted_by_reason_urgency_and_status(unit):
    one, two = facility(unit, "HC-1"), facility(unit, "HOSP-1", facility_type="hospital")
    with unit.transaction():
        first = referrals.refer(unit, {"from_facility_id": one["facility_id"], "to_facility_id": two["facility_id"],
                                       "reason": "emergency_obstetric", "urgency": "emergency"})
        referrals.refer(unit, {"from_facility_id": one["facility_id"], "to_facility_id": two["facility_id"],
                               "reason": "emergency_obstetric", "urgency": "emergency"})
    with unit.transaction():
        referrals.move(unit, {"referral_id": first["referral_id"], "status": "accepted"})
    with pytest.raises(Conflict), unit.transaction():
        referrals.move(unit, {"referral_id": first["referral_id"], "status": "refused"})
    with unit.transaction():
        referrals.move(unit, {"referral_id": first["referral_id"], "status": "completed"})
        counts = referrals.counts(unit, two["facility_id"])["counts"]
    assert sorted((c["status"], c["count"]) for c in counts) == [("completed", 1), ("referred", 1)]
    with pytest.raises(ValidationError) as error, unit.transaction():
        referrals.refer(unit, {"from_facility_id": one["facility_id"], "to_facility_id": one["facility_id"],
                               "reason": "surgical", "urgency": "routine"})
    assert list(error.value.errors) == ["referral.to_facility_id"]


def test_a_week_before_registration_knew_the_site_uses_todays_population_and_says_so(unit, settings):
    hc = facility(unit)
    households(unit, 50, at=datetime(2026, 11, 28, tzinfo=UTC))  # registered after W47's middle
    with unit.transaction():
        w47 = weekly.place_summary(unit, settings, hc["facility_id"], W47)
    households(unit, 50, events=Events(start=datetime(2026, 11, 1, tzinfo=UTC)))  # known before W47's middle
    with unit.transaction():
        again = weekly.place_summary(unit, settings, hc["facility_id"], W47)
    assert (w47["population"], w47["population_basis"]) == (500, "current")
    assert (again["population"], again["population_basis"]) == (500, "mid_week")


def test_the_trend_rule_waits_for_three_reported_weeks_then_fires_once_on_a_doubling(unit, settings):
    hc = facility(unit)
    for week, count in (("2026-W44", 6), ("2026-W45", 5), ("2026-W46", 7)):  # the first weeks of a response
        assert submit(unit, settings, report(hc["facility_id"], week, {"acute_watery_diarrhoea": (0, count)}),
                      now=datetime(2026, 11, 23, tzinfo=UTC))["alerts"] == []
    doubled = submit(unit, settings, report(hc["facility_id"], W47, {"acute_watery_diarrhoea": (2, 10)}))
    again = submit(unit, settings, report(hc["facility_id"], W47, {"acute_watery_diarrhoea": (2, 11)}))
    assert [a["rule_id"] for a in doubled["alerts"]] == ["awd-doubling"] and again["alerts"] == []


def test_a_backlog_sent_in_one_call_is_assessed_week_by_week_whatever_its_order(unit, settings):
    """A facility sending eight weeks at once (connectivity back, or a partner's backlog), newest first: each week
    is assessed against the weeks before it, as if they had come weekly. The real doubling (W47) raises its alert;
    a second facility's steady backlog at the same place raises none (newest first, each of its weeks would have
    been compared with weeks it had not been added to yet: a 'doubling' every week)."""
    hc, second = facility(unit, "HC-1"), facility(unit, "HC-2")
    weeks = [f"2026-W{n}" for n in range(40, 48)]
    counts = [5, 6, 4, 5, 6, 5, 4, 12]  # W47: 12 against a mean of 5 for W44-W46
    with unit.transaction():
        results = weekly.submit_many(unit, settings, [
            report(hc["facility_id"], week, {"acute_watery_diarrhoea": (0, n)})
            for week, n in reversed(list(zip(weeks, counts)))], now=ON_TIME_W48)
    assert [r["week"] for r in results] == list(reversed(weeks)), "replies in the order sent"
    assert [a["rule_id"] for r in results for a in r["alerts"]] == ["awd-doubling"]
    assert results[0]["alerts"][0]["week"] == W47
    with unit.transaction():
        more = weekly.submit_many(unit, settings, [
            report(second["facility_id"], week, {"acute_watery_diarrhoea": (0, 5)}) for week in reversed(weeks)],
            now=ON_TIME_W48)
    assert [r["alerts"] for r in more] == [[]] * 8, "the place grew by a facility, every week alike: no trend"
    assert unit.count(Alert) == 1


def test_a_rule_added_in_the_configured_rules_file_fires_on_a_report(unit, tmp_path):
    import json

    from haven_health import rules as rules_module
    from haven_health.settings import from_config
    data = json.loads(rules_module.shipped_text())
    data["rules"].append({"id": "dengue-3-a-week", "kind": "weekly_count", "level": "alert", "syndrome": "dengue",
                          "min_cases": 3, "source": "this test"})
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data))
    configured = from_config({"ALERT_RULES_FILE": str(path)})
    hc = facility(unit)
    assert submit(unit, configured, report(hc["facility_id"], W47, {"dengue": (0, 2)}))["alerts"] == []
    fired = submit(unit, configured, report(hc["facility_id"], W48, {"dengue": (1, 2)}))["alerts"]
    assert [a["rule_id"] for a in fired] == ["dengue-3-a-week"] and "3 cases of dengue" in fired[0]["detail"]


def test_reports_in_bulk_are_each_submitted_or_refused_on_their_own(unit, settings):
    one, two = facility(unit, "HC-1"), facility(unit, "HC-2")
    with unit.transaction():
        results = weekly.submit_many(unit, settings, [
            report(one["facility_id"], W47), {**report(two["facility_id"], W47), "deaths": by_age(-1, 0)},
            report(two["facility_id"], "2026-W46"), report(one["facility_id"], W47, {"dengue": (1, 1)})], now=ON_TIME_W48)
    assert [r.get("version") for r in results] == [1, None, 1, 2]
    assert results[1]["error"]["type"] == "ValidationError" and "report.deaths.under_five" in results[1]["error"]["errors"]
    assert unit.count(WeeklyReport) == 2 and len(unit.events("weekly_report_submitted")) == 3
    for bad in ([], "reports", [report(one["facility_id"], W47)] * 1001):
        with pytest.raises(ValidationError) as error, unit.transaction():
            weekly.submit_many(unit, settings, bad)
        assert list(error.value.errors) == ["reports"]


def test_a_facility_at_a_site_nobody_knows_is_refused_and_one_at_a_known_site_takes_its_admin_areas(unit):
    with pytest.raises(NotFound), unit.transaction():
        facilities.register(unit, {"code": "HC-9", "name": "Nowhere", "facility_type": "health_post",
                                   "site_id": OTHER_SITE})
    with pytest.raises(NotFound), unit.transaction():
        facilities.register(unit, {"code": "HC-9", "name": "Nowhere", "facility_type": "mobile_clinic",
                                   "serves_site_ids": [OTHER_SITE], "adm1": "Sofala"})
    assert unit.count(Facility) == 0
    made = facility(unit, "HC-1", adm1=None, adm2=None)
    assert (made["adm1"], made["adm2"]) == ("Sofala", "Buzi")
