"""Reporting's health projection on a SQLite unit of work: per site and admin area figures of an epi-week, mortality
with its flag, open alerts and their age, completeness and timeliness, the epi curve, the ``health`` HXL export
(read back with libhxl); amendments replace, events twice or out of order change nothing twice; rebuild gives back
the same figures."""
import io
from datetime import timedelta

import hxl

from haven_contracts.testing import (T0, health_alert_event, health_facility_event, health_place_week_event,
                                     health_report_event)
from haven_reporting import handlers, health, reports
from haven_reporting.reports import ReportSettings

SETTINGS = ReportSettings()


def apply(unit, batch):
    return unit.apply_events(batch, lambda u, event: health.record(u, event, handlers.record),
                             prepare=handlers.prepare)


def response(events):
    site = events.site(name="Guara Guara", adm2="Buzi")
    one = health_facility_event(site["site_id"])
    two = health_facility_event(site["site_id"], code="HC-2")
    closed = health_facility_event(site["site_id"], code="HC-3", status="closed")
    first = health_report_event(one, "2026-W47", cases={"acute_watery_diarrhoea": (3, 9), "suspected_measles": (1, 0)},
                                deaths=(1, 2))
    amended = dict(first, version=2, cases={"acute_watery_diarrhoea": {"under_five": 2, "five_and_over": 4}},
                   deaths={"under_five": 0, "five_and_over": 2})
    late = health_report_event(two, "2026-W47", late=True, cases={"acute_watery_diarrhoea": (1, 1)})
    earlier = health_report_event(one, "2026-W46", cases={"acute_watery_diarrhoea": (1, 2)})
    alert = health_alert_event(one, "2026-W47", raised_at=T0)
    verified = dict(alert, status="confirmed", step=2, changed_at=(T0 + timedelta(hours=3)).isoformat())
    assessed = health_place_week_event(site["site_id"], "2026-W47", deaths=2, population=1000)
    return site, [events.event("shelter", "site_opened", site)] + [
        events.event("health", kind, data) for kind, data in (
            ("facility_registered", one), ("facility_registered", two), ("facility_registered", closed),
            ("weekly_report_submitted", earlier), ("weekly_report_submitted", first),
            ("weekly_report_submitted", late), ("alert_raised", alert), ("alert_status_changed", verified),
            ("weekly_report_submitted", amended), ("place_week_assessed", assessed))]


def test_the_sitrep_shows_the_weeks_health_figures_per_site_and_area_with_amendments_replacing(unit, events):
    site, batch = response(events)
    apply(unit, batch)
    section = reports.sitrep(unit, SETTINGS)["health"]
    assert section["week"] == "2026-W47"
    [row] = section["sites"]
    # the amended report (2+4 and 0+2) replaced the first (3+9 and 1+2), plus the late one's 1+1
    assert row["cases"] == {"acute_watery_diarrhoea": 8}, "an amendment replaces, never adds"
    assert (row["deaths"], row["consultations"], row["reports"]) == ("<5", 110, 2)
    assert (row["population"], row["crude_mortality"], row["crude_exceeded"]) == (1000, round(2e4 / 7000, 4), True)
    assert row["open_alerts"] == 1
    assert section["open_alerts"][0]["status"] == "confirmed"
    week = {w["week"]: w for w in section["weeks"]}["2026-W47"]
    assert (week["expected"], week["received"], week["on_time"], week["completeness"], week["timeliness"]) == \
        (2, 2, 1, 1.0, 0.5)
    assert section["epi_curve"] == {"weeks": ["2026-W46", "2026-W47"],
                                    "syndromes": {"acute_watery_diarrhoea": [3, 8]}}
    area = {(a["level"], a["adm2"]): a for a in section["admin_areas"]}[(2, "Buzi")]
    assert area["cases"] == {"acute_watery_diarrhoea": 8} and area["completeness"] == 1.0
    assert (area["crude_mortality"], area["crude_exceeded"]) == (round(2e4 / 7000, 4), True)
    buzi = reports.sitrep(unit, SETTINGS, adm2="Buzi")["health"]
    assert buzi["epi_curve"] == section["epi_curve"] and buzi["sites"] == section["sites"]
    beira = reports.sitrep(unit, SETTINGS, adm2="Beira")["health"]
    assert (beira["sites"], beira["weeks"], beira["open_alerts"]) == ([], [], [])


def test_events_twice_or_out_of_order_change_nothing_twice(unit, events):
    site, batch = response(events)
    apply(unit, batch)
    before = reports.sitrep(unit, SETTINGS)["health"]
    stale = [e for e in batch if e.event_type in ("weekly_report_submitted", "alert_raised")]
    replayed = [events.event(e.source, e.event_type, e.data) for e in stale]  # new ids: as if sent again, late
    apply(unit, replayed + batch[3:5])
    after = reports.sitrep(unit, SETTINGS)["health"]
    assert after["sites"] == before["sites"] and after["weeks"] == before["weeks"]
    assert after["open_alerts"][0]["status"] == "confirmed", "an older step does not overwrite a newer one"


def test_rebuild_gives_back_the_same_health_figures(unit, events):
    _, batch = response(events)
    apply(unit, batch)
    before = reports.sitrep(unit, SETTINGS)["health"]
    assert health.rebuild(unit.session)["health_events_replayed"] == len(batch) - 1
    unit.commit()
    after = reports.sitrep(unit, SETTINGS)["health"]
    assert {k: v for k, v in after.items() if k != "open_alerts"} == \
        {k: v for k, v in before.items() if k != "open_alerts"}
    assert [a["alert_id"] for a in after["open_alerts"]] == [a["alert_id"] for a in before["open_alerts"]]


def test_the_health_export_is_hxl_that_libhxl_reads_with_small_counts_suppressed(unit, events):
    site, batch = response(events)
    apply(unit, batch)
    text = reports.export_hxl(unit, SETTINGS, "health")
    rows = list(hxl.data(hxl.make_input(io.BytesIO(text.encode("utf-8")), hxl.InputOptions(allow_local=True))))
    assert [r.get("#date+epiweek") for r in rows] == ["2026-W46", "2026-W47"]
    latest = rows[1]
    assert latest.get("#loc+camp+id") == site["site_id"] and latest.get("#affected+infected+acute_watery_diarrhoea") \
        == "8"
    assert latest.get("#affected+killed") == "<5" and latest.get("#indicator+cmr+alert") == "true"
    assert rows[0].get("#affected+infected+acute_watery_diarrhoea") == "<5"


def test_the_dashboard_shows_the_epi_curve_and_the_health_table(unit, events):
    from types import SimpleNamespace

    from haven_reporting import dashboard
    _, batch = response(events)
    apply(unit, batch)
    page = dashboard.render(reports.dashboard(unit, SETTINGS), SimpleNamespace(org="OCHA"), "nonce")
    assert 'id="epi-curve"' in page and "acute watery diarrhoea" in page
    assert 'id="health-table"' in page and "over threshold" in page and "Guara Guara" in page
    assert "2026-W47" in page and "50%" in page  # timeliness of W47
