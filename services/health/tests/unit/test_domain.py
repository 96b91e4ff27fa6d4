"""Epi-week arithmetic around year ends, completeness inputs, population at a moment, the alert lifecycle and its
KPIs: plain Python."""
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from haven_kernel.errors import Conflict

from haven_contracts import epiweek
from haven_contracts.epiweek import EpiWeek
from haven_health import domain

UTC = timezone.utc


@pytest.mark.parametrize("day, week", [
    (date(2020, 12, 28), "2020-W53"), (date(2021, 1, 3), "2020-W53"), (date(2021, 1, 4), "2021-W01"),
    (date(2026, 12, 28), "2026-W53"), (date(2026, 12, 29), "2026-W53"), (date(2026, 12, 31), "2026-W53"),
    (date(2027, 1, 1), "2026-W53"), (date(2027, 1, 3), "2026-W53"), (date(2027, 1, 4), "2027-W01"),
    (date(2025, 12, 29), "2026-W01"), (date(2026, 1, 1), "2026-W01"), (date(2025, 12, 28), "2025-W52"),
])
def test_the_days_around_new_year_fall_in_the_iso_week(day, week):
    assert str(epiweek.week_of(day)) == week


def test_2020_and_2026_have_53_weeks_and_2027_week_1_starts_on_4_january():
    assert (epiweek.weeks_in(2020), epiweek.weeks_in(2026), epiweek.weeks_in(2027), epiweek.weeks_in(2025)) == \
        (53, 53, 52, 52)
    assert epiweek.parse("2027-W01").start == date(2027, 1, 4)
    assert (epiweek.parse("2026-W53").start, epiweek.parse("2026-W53").end) == (date(2026, 12, 28), date(2027, 1, 3))
    assert (epiweek.parse("2020-W53").start, epiweek.parse("2020-W53").end) == (date(2020, 12, 28), date(2021, 1, 3))
    assert epiweek.parse("2027-W01").previous() == EpiWeek(2026, 53)
    assert epiweek.parse("2026-W53").next() == EpiWeek(2027, 1)
    assert epiweek.parse("2027-W02").previous(3) == EpiWeek(2026, 52)


@pytest.mark.parametrize("text", ["2027-W53", "2026-W54", "2026-W00", "2026-53", "2026-W5", "2026-W05\n", 202605, None])
def test_a_week_the_year_does_not_have_or_not_an_iso_week_is_refused(text):
    with pytest.raises(ValueError):
        epiweek.parse(text)


def test_a_week_ends_after_its_sunday_and_its_deadline_is_the_tuesday_after():
    week = epiweek.parse("2026-W53")
    assert not week.ended_by(datetime(2027, 1, 3, 23, 59, tzinfo=UTC))
    assert week.ended_by(datetime(2027, 1, 4, 0, 0, tzinfo=UTC))
    assert week.deadline(2) == date(2027, 1, 5)
    assert not epiweek.is_late(week, date(2027, 1, 5), 2) and epiweek.is_late(week, date(2027, 1, 6), 2)
    assert week.middle == datetime(2026, 12, 31, 12, tzinfo=UTC)


def test_every_day_from_1990_to_2100_lies_in_its_week_which_is_monday_to_sunday():
    day = date(1990, 1, 1)
    while day <= date(2100, 12, 31):
        week = epiweek.week_of(day)
        assert week.start <= day <= week.end and week.start.weekday() == 0, day
        assert epiweek.parse(str(week)) == week and week.next().previous() == week, day
        day += timedelta(days=1)


def test_a_facility_is_expected_in_a_week_it_was_functional_on_any_day_of():
    history = [(date(2026, 11, 4), "functional"), (date(2026, 11, 16), "closed")]
    assert not epiweek.expected_to_report(history, epiweek.parse("2026-W44"))  # 26 Oct - 1 Nov: not yet
    assert epiweek.expected_to_report(history, epiweek.parse("2026-W45"))      # from Wednesday 4 Nov
    assert epiweek.expected_to_report(history, epiweek.parse("2026-W46"))
    assert not epiweek.expected_to_report(history, epiweek.parse("2026-W47"))  # closed from Monday 16 Nov


def _version(household, version, site, size, under_five, active, at):
    return SimpleNamespace(household_id=household, version=version, site_id=site, size=size, under_five=under_five,
                           active=active, occurred_at=at)


def test_the_population_at_a_moment_is_each_households_highest_version_by_then():
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    rows = [_version("h1", 1, "A", 5, 2, True, t0), _version("h1", 2, "B", 5, 2, True, t0 + timedelta(days=3)),
            _version("h2", 1, "A", 4, 1, True, t0), _version("h2", 3, "A", 6, 2, False, t0 + timedelta(days=5)),
            _version("h2", 2, "A", 6, 2, True, t0 + timedelta(days=1))]  # arrived last, happened before v3
    assert domain.population_at(rows, t0) == {"A": (9, 3)}
    assert domain.population_at(rows, t0 + timedelta(days=2)) == {"A": (11, 4)}
    assert domain.population_at(rows, t0 + timedelta(days=4)) == {"A": (6, 2), "B": (5, 2)}
    assert domain.population_at(rows, t0 + timedelta(days=6)) == {"B": (5, 2)}


def test_the_alert_lifecycle_goes_raised_verified_investigated_closed_or_monitored():
    assert domain.next_status("raised", "verify", "confirmed") == "confirmed"
    assert domain.next_status("raised", "verify", "discarded") == "discarded"
    assert domain.next_status("confirmed", "investigate", None) == "investigated"
    assert domain.next_status("investigated", "close", "monitored") == "monitored"
    assert domain.next_status("monitored", "close", "closed") == "closed"
    for status, action, outcome in [("raised", "investigate", None), ("discarded", "investigate", None),
                                    ("raised", "verify", "closed"), ("closed", "close", "closed"),
                                    ("confirmed", "verify", "confirmed")]:
        with pytest.raises(Conflict):
            domain.next_status(status, action, outcome)


def test_kpis_count_what_was_verified_within_24_hours_and_investigated_within_24_hours_of_that():
    t0 = datetime(2026, 11, 2, 8, tzinfo=UTC)
    day = timedelta(hours=24)
    alerts = [SimpleNamespace(status="investigated", raised_at=t0, verified_at=t0 + day,
                              investigated_at=t0 + 2 * day),                   # both just in time
              SimpleNamespace(status="confirmed", raised_at=t0, verified_at=t0 + day + timedelta(seconds=1),
                              investigated_at=None),                            # verified just too late
              SimpleNamespace(status="discarded", raised_at=t0, verified_at=t0, investigated_at=None),
              SimpleNamespace(status="raised", raised_at=t0, verified_at=None, investigated_at=None)]
    kpis = domain.kpis(alerts)
    assert (kpis.raised, kpis.verified_within_24h, kpis.investigated_within_24h) == (4, 0.5, 0.5)
