"""Weekly epi-week reports: submit (a new version replaces the old one in every figure; a week not yet ended is
refused; a late one is accepted and marked), then assess the report's place and week against the week rules with
the population of the week; a place's week, completeness and timeliness."""
import uuid
from datetime import date

from haven_kernel import versions
from haven_kernel.clock import utcnow
from haven_kernel.errors import Conflict, Forbidden, NotFound, ValidationError, item_error
from haven_kernel.validation import load, parse_uuid

from haven_contracts import epiweek

from . import domain, population, repository, rules, views
from . import access
from .alerts import parse_week, raise_alert
from .models import ReportVersion, WeeklyReport
from .schemas import WeeklyReportSchema


_SCHEMA = WeeklyReportSchema()  # marshmallow schemas are reusable: built once, not per report


def submit(unit, settings, payload, now=None, populations=None, expected_version=None):
    """One report; ``populations``: a cache of the places' populations shared by the reports of one call.
    ``expected_version``: the version of the report the caller read and amends; Conflict when the week's report
    is at another version, or has not been submitted yet."""
    expected = versions.expected_version(expected_version, "report")
    data = load(_SCHEMA, payload, field="report")
    week = parse_week(data["week"], "report.week")
    now = now or utcnow()
    if not week.ended_by(now):
        raise ValidationError({"report.week": [f"{week} has not ended: report it from {week.end.isoformat()} on."]})
    unknown = domain.unknown_syndromes(data["cases"], settings.syndromes)
    if unknown:
        raise ValidationError({"report.cases": [f"Unknown syndromes: {', '.join(unknown)}."]})
    facility = access.to_change(unit, repository.facility(unit.session, data["facility_id"], lock=True), "facility",
                                data["facility_id"])
    figures = {"consultations": data["consultations"], "cases": data["cases"], "deaths": data["deaths"]}
    late = epiweek.is_late(week, now.date(), settings.deadline_weekday)
    report = repository.report(unit.session, facility.id, str(week), lock=True)
    if expected is not None and report is None:
        raise Conflict(f"facility {facility.id} has no report for {week} yet, so no version {expected}: submit it "
                       "without expected_version")
    if report is not None:
        versions.require_version("report", report.id, report.version, expected)
    if report is None:
        report = WeeklyReport(id=str(uuid.uuid4()), facility_id=facility.id, week=str(week), version=1, late=late,
                              place=domain.place_of(facility.site_id, facility.id), first_received_at=now,
                              received_at=now, figures=figures, org=facility.org)
        unit.session.add(report)
    else:  # an amendment: the new figures replace the old ones; lateness is the first submission's
        report.version += 1
        report.figures = figures
        report.received_at = now
    unit.session.add(ReportVersion(report_id=report.id, version=report.version, figures=figures, late=late,
                                   received_at=now, submitted_by=unit.caller.sub))
    unit.session.flush()
    unit.emit("weekly_report_submitted", views.report_event(report, facility))
    raised = assess(unit, settings, facility, week, now, populations)
    return dict(views.report(report), alerts=[views.alert(alert) for alert in raised])


def submit_many(unit, settings, reports, now=None):
    """Up to ``MAX_BULK`` reports in one call, each submitted or refused on its own (a refused one writes nothing):
    [the report's reply | {"error": {type, message, errors?}}] in the order sent.

    They are applied oldest week first, whatever order they came in (reports of the same week in the order sent): a
    backlog is assessed as it would have been week by week, each week against the weeks before it. Newest first, a
    week's trend rules would see none of the weeks the same call brings before it: a real doubling would be missed
    (no previous weeks yet) and a second facility's backlog at a place would look like a doubling every week."""
    if not isinstance(reports, list) or not 1 <= len(reports) <= domain.MAX_BULK:
        raise ValidationError({"reports": [f"Must be a list of 1 to {domain.MAX_BULK} reports."]})
    results, populations, now = [None] * len(reports), {}, now or utcnow()  # one call: one time of receipt
    for index in sorted(range(len(reports)), key=lambda i: _week_start(reports[i])):
        try:
            with unit.savepoint():
                results[index] = submit(unit, settings, reports[index], now, populations)
        except (ValidationError, NotFound, Forbidden, Conflict) as error:
            results[index] = item_error(error)
    return results


def _week_start(payload):
    """The first day of a report's week, for the order a call is applied in; a week that cannot be read sorts first
    (``submit`` refuses it)."""
    try:
        return epiweek.parse(payload.get("week")).start
    except (AttributeError, ValueError):
        return date.min


def _population(unit, sites, moment, cache):
    if cache is None:
        return population.of_sites(unit, sites, moment)
    key = (tuple(sites), moment)
    if key not in cache:
        cache[key] = population.of_sites(unit, sites, moment)
    return cache[key]


def place_week(unit, facility, week, now=None, populations=None):
    """A place's week: its facilities' current reports added up, the previous weeks' cases, and the population of
    the week: at its middle (Thursday noon), or, when registration knew nobody at the place by then (Haven was
    adopted after the week), at ``now``; ``population_basis`` says which."""
    weeks = [week] + [week.previous(n) for n in range(1, 4)]
    reports = repository.reports_of_place(unit.session, domain.place_of(facility.site_id, facility.id),
                                          [str(w) for w in weeks])
    by_week = {str(w): [r.figures for r in reports if r.week == str(w)] for w in weeks}
    this = domain.add_up(by_week[str(week)])
    reported = [domain.add_up(by_week[str(w)])["cases"] for w in weeks[1:] if by_week[str(w)]]
    previous = {name: [cases.get(name, 0) for cases in reported] for name in {n for c in reported for n in c}}
    sites = domain.catchment(facility.site_id, facility.serves_site_ids)
    people, under_five = _population(unit, sites, week.middle, populations)
    basis = "mid_week"
    if not people:  # registration knew nobody there by then (Haven adopted after the week): today's population
        people, under_five = _population(unit, sites, now or utcnow(), populations)
        basis = "current" if people else "none"
    return dict(this, previous=previous, weeks_before=len(reported), population=people, under_five=under_five,
                population_basis=basis)


def assess(unit, settings, facility, week, now, populations=None):
    """Raise what the week rules say of the report's place and week; emit the place's assessed week."""
    facts = place_week(unit, facility, week, now, populations)
    place = domain.place_of(facility.site_id, facility.id)
    baselines = settings.baselines_for(place, facility.adm1, facility.adm2)
    raised = []
    for rule, detail in rules.week_alerts(settings.rules, facts, baselines):
        alert = raise_alert(unit, rule_id=rule["id"], level=rule["level"], syndrome=rule.get("syndrome"),
                            detail=detail, facility=facility, week=week, now=now, by=f"rule:{rule['id']}")
        if alert is not None:
            raised.append(alert)
    unit.emit("place_week_assessed", views.assessment(place, facility.site_id, week, facts, settings.rules,
                                                      baselines, now))
    return raised


def get(unit, facility_id, week):
    facility_id = parse_uuid(facility_id, "facility_id")
    week = parse_week(week, "week")
    report = access.report(unit, repository.report(unit.session, facility_id, str(week)),
                           f"of facility {facility_id} for {week}")
    return dict(views.report(report), versions=[v.version for v in repository.report_versions(unit.session,
                                                                                                   report.id)])


def completeness(unit, settings, week):
    """Reports received ÷ facilities expected (functional that week), and on time ÷ expected."""
    week = parse_week(week, "week")
    facilities = repository.all_facilities(unit.session)
    histories = repository.status_histories(unit.session)
    expected = {f.id for f in facilities if epiweek.expected_to_report(histories.get(f.id, []), week)}
    reports = [r for r in repository.reports_of_week(unit.session, str(week)) if r.facility_id in expected]
    on_time = sum(1 for r in reports if not r.late)
    return {"week": str(week), "expected": len(expected), "received": len(reports), "on_time": on_time,
            "completeness": domain.ratio(len(reports), len(expected)),
            "timeliness": domain.ratio(on_time, len(expected)),
            "missing": sorted(f.code for f in facilities if f.id in expected - {r.facility_id for r in reports})}


def place_summary(unit, settings, facility_id, week):
    """A facility's place's week as health computes it: cases, deaths, population, rates and thresholds."""
    facility_id = parse_uuid(facility_id, "facility_id")
    week = parse_week(week, "week")
    facility = repository.facility(unit.session, facility_id)
    if facility is None:
        raise NotFound(f"facility {facility_id} not found")
    place = domain.place_of(facility.site_id, facility.id)
    facts = place_week(unit, facility, week)
    baselines = settings.baselines_for(place, facility.adm1, facility.adm2)
    return dict(views.assessment(place, facility.site_id, week, facts, settings.rules, baselines, utcnow()),
                cases=facts["cases"], consultations=facts["consultations"],
                incidence_per_1000=domain.incidence(facts["cases"], facts["population"]))
