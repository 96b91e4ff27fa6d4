"""Protection's aggregate view in reporting: open cases by type and risk per site (GBV per province only),
follow-ups pending, referrals by service type, small counts suppressed, newest version wins, rebuild reproduces it,
HXL read back by libhxl, and the dashboard panel."""
import io
import uuid

import hxl
import pytest

from haven_contracts.testing import Events
from haven_reporting import handlers, protection, reports
from haven_reporting.dashboard import render
from haven_reporting.reports import ReportSettings
from haven_kernel.auth import Caller

SITE_A, SITE_B = str(uuid.uuid4()), str(uuid.uuid4())
SETTINGS = ReportSettings(threshold=3)


def case(case_type="child_protection", risk="high", status="new", site_id=SITE_A, adm1="Sofala", version=1,
         case_id=None):
    return {"case_id": case_id or str(uuid.uuid4()), "case_type": case_type, "risk": risk, "status": status,
            "site_id": None if case_type == "gbv" else site_id, "adm1": adm1, "version": version,
            "at": "2026-11-20T08:00:00+00:00"}


def referral(service_type, status="pending", version=1, referral_id=None):
    return {"referral_id": referral_id or str(uuid.uuid4()), "case_id": str(uuid.uuid4()),
            "case_type": "child_protection", "service_type": service_type, "status": status,
            "consent_override": False, "version": version, "at": "2026-11-20T08:00:00+00:00"}


def follow_up(need, status="open", site_id=SITE_A, version=1, follow_up_id=None):
    return {"follow_up_id": follow_up_id or str(uuid.uuid4()), "need": need, "status": status,
            "site_id": None if need == "SV" else site_id, "adm1": "Sofala", "version": version,
            "at": "2026-11-20T08:00:00+00:00"}


def apply(unit, batch):
    unit.apply_events(batch, lambda u, event: protection.record(u, event), prepare=handlers.prepare)


@pytest.fixture
def response():
    events = Events()
    cp = [case() for _ in range(3)] + [case(risk="low")]
    closed = case(status="closed")
    gbv = [case("gbv", site_id=SITE_B) for _ in range(4)]
    moved = case(site_id=SITE_B, case_id=str(uuid.uuid4()))
    batch = [events.event("protection", "case_opened", data) for data in cp + [closed] + gbv + [moved]]
    # a newer state of ``moved`` arrives before an older repeat of its opening
    batch.append(events.event("protection", "case_status_changed", {**moved, "status": "closed", "version": 2}))
    batch.append(events.event("protection", "case_opened", moved))
    tracing = [referral("family_tracing") for _ in range(3)]
    batch += [events.event("protection", "case_referred", data) for data in tracing]
    batch.append(events.event("protection", "case_referred", {**tracing[0], "status": "accepted", "version": 2}))
    batch.append(events.event("protection", "case_referred", referral("health")))
    pending = [follow_up("SC") for _ in range(3)] + [follow_up("SV")]
    done = follow_up("CR")
    batch += [events.event("protection", "follow_up_opened", data) for data in pending + [done]]
    batch.append(events.event("protection", "follow_up_closed", {**done, "status": "closed", "version": 2}))
    return batch


def test_open_cases_follow_ups_and_referrals_with_small_counts_suppressed(unit, response):
    apply(unit, response)
    section = reports.sitrep(unit, SETTINGS)["protection"]
    assert section["open_cases"] == [
        {"site_id": SITE_A, "adm1": "Sofala", "case_type": "child_protection", "risk": "high", "cases": 3},
        {"site_id": SITE_A, "adm1": "Sofala", "case_type": "child_protection", "risk": "low", "cases": "<3"}]
    assert section["gbv_open_cases"] == [{"adm1": "Sofala", "risk": "high", "cases": 4}]
    assert section["follow_ups_pending"] == [{"site_id": None, "adm1": "Sofala", "need": "SV", "follow_ups": "<3"},
                                             {"site_id": SITE_A, "adm1": "Sofala", "need": "SC", "follow_ups": 3}]
    assert section["referrals"] == [{"service_type": "family_tracing", "referred": 3, "accepted": "<3"},
                                    {"service_type": "health", "referred": "<3", "accepted": 0}]
    assert SITE_B not in repr(section), "site B has only GBV cases and a closed one: it is not named"


def test_an_event_twice_counts_once_and_rebuild_gives_back_the_same_figures(unit, response):
    apply(unit, response)
    apply(unit, response[:5])
    before = reports.sitrep(unit, SETTINGS)["protection"]
    assert handlers.rebuild(unit)["protection_events_replayed"] == len(response)
    unit.commit()
    assert reports.sitrep(unit, SETTINGS)["protection"] == before


def test_hxl_exports_read_back_with_libhxl(unit, response):
    apply(unit, response)
    for table, tag, expected in [("protection_cases", "#indicator+cases+num", ["3", "<3"]),
                                 ("protection_gbv", "#indicator+cases+gbv+num", ["4"]),
                                 ("protection_follow_ups", "#indicator+follow_ups+num", ["<3", "3"]),
                                 ("protection_referrals", "#indicator+referrals+num", ["3", "<3"])]:
        text = reports.export_hxl(unit, SETTINGS, table)
        rows = list(hxl.data(hxl.make_input(io.BytesIO(text.encode()), hxl.InputOptions(allow_local=True))))
        assert [row.get(tag) for row in rows] == expected
    gbv = reports.export_hxl(unit, SETTINGS, "protection_gbv")
    assert "#loc+camp" not in gbv, "the GBV table has no site column"


def test_the_dashboard_shows_the_protection_panel(unit, response):
    apply(unit, response)
    page = render(reports.dashboard(unit, SETTINGS), Caller("reader", "OCHA", ("reporting:read",)), "nonce")
    assert 'id="protection"' in page and "family_tracing" in page and "&lt;3" in page
