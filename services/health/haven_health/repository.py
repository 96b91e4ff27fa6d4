"""All of the health service's SQL: queries, row locks (``haven_kernel.dialect.for_update``) and dialect
differences (``haven_kernel.dialect``) live here, nowhere else."""
from sqlalchemy import func, select

from haven_kernel import dialect

from .models import (Alert, AlertStep, CaseSignal, Facility, FacilityStatus, HouseholdVersion, Referral,
                     ReportVersion, Site, WeeklyReport)


def facility(session, facility_id, lock=False):
    query = select(Facility).where(Facility.id == facility_id)
    if lock:
        query = dialect.for_update(session, query)
    return session.execute(query).scalar_one_or_none()


def facility_by_code(session, code):
    return session.execute(select(Facility).where(Facility.code == code)).scalar_one_or_none()


def facilities(session, site_id=None, limit=50, offset=0):
    query = select(Facility)
    if site_id is not None:
        query = query.where(Facility.site_id == site_id)
    return list(session.execute(query.order_by(Facility.code).limit(limit).offset(offset)).scalars())


def all_facilities(session):
    return list(session.execute(select(Facility).order_by(Facility.code)).scalars())


def status_histories(session, facility_ids=None):
    """{facility_id: [(since, status)]}"""
    query = select(FacilityStatus.facility_id, FacilityStatus.since, FacilityStatus.status)
    if facility_ids is not None:
        query = query.where(FacilityStatus.facility_id.in_(list(facility_ids)))
    out = {}
    for facility_id, since, status in session.execute(query.order_by(FacilityStatus.id)):
        out.setdefault(facility_id, []).append((since, status))
    return out


def report(session, facility_id, week, lock=False):
    query = select(WeeklyReport).where(WeeklyReport.facility_id == facility_id, WeeklyReport.week == week)
    if lock:
        query = dialect.for_update(session, query)
    return session.execute(query).scalar_one_or_none()


def reports_of_place(session, place, weeks):
    """The current reports of a place's facilities for ``weeks`` (strings)."""
    query = select(WeeklyReport).where(WeeklyReport.place == place, WeeklyReport.week.in_(list(weeks)))
    return list(session.execute(query).scalars())


def reports_of_week(session, week):
    return list(session.execute(select(WeeklyReport).where(WeeklyReport.week == week)).scalars())


def report_versions(session, report_id):
    query = select(ReportVersion).where(ReportVersion.report_id == report_id).order_by(ReportVersion.version)
    return list(session.execute(query).scalars())


def signals_near(session, place, first, last, exclude_id):
    query = select(CaseSignal).where(CaseSignal.place == place, CaseSignal.onset_date >= first,
                                     CaseSignal.onset_date <= last, CaseSignal.id != exclude_id)
    return list(session.execute(query).scalars())


def insert_alert(session, values):
    """The alert unless its dedupe key (rule, place, week) is taken: True when inserted."""
    if values.get("dedupe_key") is None:
        session.add(Alert(**values))
        session.flush()
        return True
    result = session.execute(dialect.insert_or_ignore(session, Alert, ["dedupe_key"]).values(**values))
    return result.rowcount == 1


def alert(session, alert_id, lock=False):
    query = select(Alert).where(Alert.id == alert_id)
    if lock:
        query = dialect.for_update(session, query)
    return session.execute(query).scalar_one_or_none()


def alerts(session, status=None, week=None, place=None, limit=50, offset=0):
    query = select(Alert)
    if status is not None:
        query = query.where(Alert.status == status)
    if week is not None:
        query = query.where(Alert.week == week)
    if place is not None:
        query = query.where(Alert.place == place)
    query = query.order_by(Alert.raised_at, Alert.id)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return list(session.execute(query).scalars())


def alert_steps(session, alert_id):
    query = select(AlertStep).where(AlertStep.alert_id == alert_id).order_by(AlertStep.step)
    return list(session.execute(query).scalars())


def add_household_version(session, values):
    """One household version (counts); a repeated one is ignored. True when new."""
    result = session.execute(dialect.insert_or_ignore(session, HouseholdVersion, ["household_id", "version"])
                             .values(**values))
    return result.rowcount == 1


def household_versions_of_sites(session, site_ids, moment):
    """Every version by ``moment`` of every household that was at one of ``site_ids`` by then (its later moves by
    then included)."""
    ever = select(HouseholdVersion.household_id).where(HouseholdVersion.site_id.in_(list(site_ids)),
                                                       HouseholdVersion.occurred_at <= moment)
    query = select(HouseholdVersion).where(HouseholdVersion.household_id.in_(ever),
                                           HouseholdVersion.occurred_at <= moment)
    return list(session.execute(query).scalars())


def sites_in(session, adm1=None, adm2=None):
    query = select(Site.site_id)
    if adm1 is not None:
        query = query.where(Site.adm1 == adm1)
    if adm2 is not None:
        query = query.where(Site.adm2 == adm2)
    return list(session.execute(query).scalars())


def referral(session, referral_id, lock=False):
    query = select(Referral).where(Referral.id == referral_id)
    if lock:
        query = dialect.for_update(session, query)
    return session.execute(query).scalar_one_or_none()


def referral_counts(session, facility_id=None):
    """[(reason, urgency, status, count)]"""
    query = select(Referral.reason, Referral.urgency, Referral.status, func.count())
    if facility_id is not None:
        query = query.where((Referral.from_facility_id == facility_id) | (Referral.to_facility_id == facility_id))
    return list(session.execute(query.group_by(Referral.reason, Referral.urgency, Referral.status)))


def counts(session):
    """Gauges: facilities by status, alerts by status."""
    facilities_by = dict(session.execute(select(Facility.status, func.count()).group_by(Facility.status)).all())
    alerts_by = dict(session.execute(select(Alert.status, func.count()).group_by(Alert.status)).all())
    return facilities_by, alerts_by
