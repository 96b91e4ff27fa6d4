"""Reporting with the health service's events on a real broker and PostgreSQL: an amended report replaces the
figures in the sitrep, rebuild gives them back, and /health.csv is the HXL export."""
import pytest

from haven_contracts.testing import health_facility_event, health_place_week_event, health_report_event
from haven_kernel.testing import wait_until

pytestmark = pytest.mark.service


def test_an_amended_report_replaces_the_figures_in_the_sitrep_and_rebuild_gives_them_back(reporting, events):
    site = events.site(name="Guara Guara", adm2="Buzi")
    facility = health_facility_event(site["site_id"])
    first = health_report_event(facility, "2026-W47", cases={"acute_watery_diarrhoea": (10, 20)}, deaths=(1, 9))
    amended = health_report_event(facility, "2026-W47", report_id=first["report_id"], version=2,
                                  cases={"acute_watery_diarrhoea": (3, 4)}, deaths=(0, 5))
    reporting.publish("shelter", "site_opened", site)
    reporting.publish("health", "facility_registered", facility)
    reporting.publish("health", "weekly_report_submitted", amended)   # the amendment first
    reporting.publish("health", "weekly_report_submitted", first)     # then the original, late
    reporting.publish("health", "place_week_assessed",
                      health_place_week_event(site["site_id"], "2026-W47", deaths=5, population=40000))
    reporting.wait_archived(5)

    def row():
        sites = reporting.sitrep()["health"]["sites"]
        return sites[0] if sites else None
    wait_until(lambda: row() is not None, message="health figures in the sitrep")
    before = row()
    assert (before["cases"], before["deaths"], before["crude_exceeded"]) == ({"acute_watery_diarrhoea": 7}, 5, False)
    with reporting.client("admin") as client:
        assert client.reporting.rebuild()["health_events_replayed"] == 4
    assert row() == before
    status, text = reporting.http_get("/health.csv", headers={"Authorization": f"Bearer {reporting.reader}"})
    assert status == 200 and "#date+epiweek" in text and "2026-W47" in text
