"""Who can see and change what in health (``haven_kernel.sharing``), on the real broker and PostgreSQL.

The matrix (``haven_kernel.testing.sharing``): every RPC method on IOM's facilities, weekly report, alert and
referral, called as IOM (own), NRC (other), NRC after IOM shared for reading (shared_read: reads, a change is
Forbidden) or for writing (shared), after IOM revoked it (revoked), NRC with ``health:lead`` (lead, each use
audited) and NRC with ``admin``. Facilities, alerts and the aggregates are open to every reader; reporting for a
facility, changing it, moving its alert or answering a referral to it is a change of IOM's records; a weekly report
is read only by those IOM shares with. Then an agreement's life on the same records."""
import uuid

import pytest
from sqlalchemy import select

from haven_contracts import catalogue
from haven_contracts.testing import site_event
from haven_kernel.db import AccessAudit
from haven_kernel.errors import Forbidden, NotFound
from haven_kernel.testing import (RELATIONS, Call, make_agreement, make_token, matrix_problems, publish_event,
                                  relation, wait_until)
from haven_kernel.testing.sharing import OPEN, READ, REFERENCE, single_result
from haven_health.models import Alert, CaseSignal, Facility, Referral, WeeklyReport
from haven_health.testing import SITE, report

pytestmark = pytest.mark.service

IOM = make_token("health:read", "health:write", org="IOM", sub="iom-health-officer")
NRC = make_token("health:read", "health:write", org="NRC", sub="nrc-health-officer")
W45, W46, W47 = "2026-W45", "2026-W46", "2026-W47"


def _setup(health, name):
    """IOM's health centre and hospital at a known site, a W46 report, an alert raised by hand and a referral from
    the centre to the hospital; then the relation's agreement."""
    from haven_health.models import Site
    publish_event(health.amqp_uri, catalogue, "shelter", "site_opened", site_event(site_id=SITE))
    wait_until(lambda: health.count(Site) == 1, message="site in the replica")
    with health.client(token=IOM) as iom:
        rpc = iom.health
        hc = rpc.register_facility({"code": "HC-1", "name": "Health centre", "facility_type": "health_centre_with_beds",
                                    "site_id": SITE, "status_since": "2026-10-01"})["facility_id"]
        hospital = rpc.register_facility({"code": "HOSP-1", "name": "Hospital", "facility_type": "hospital",
                                          "site_id": SITE, "status_since": "2026-10-01"})["facility_id"]
        rpc.submit_weekly_report(report(hc, W46))
        alert = rpc.raise_alert({"facility_id": hc, "week": W47})["alert_id"]
        referral = rpc.refer({"from_facility_id": hc, "to_facility_id": hospital, "reason": "surgical",
                              "urgency": "routine"})["referral_id"]
        make_agreement(rpc, name)
    return {"hc": hc, "hospital": hospital, "alert": alert, "referral": referral}


def _calls(w):
    hc = w["hc"]
    return [
        # facilities, alerts and the aggregates: open to every reader
        Call("register_facility", lambda rpc: rpc.register_facility({
            "code": f"F-{uuid.uuid4().hex[:6].upper()}", "name": "Own post", "facility_type": "health_post",
            "site_id": SITE}), OPEN),
        Call("get_facility", lambda rpc: rpc.get_facility(hc), OPEN, lambda r: r["org"] == "IOM"),
        Call("list_facilities", lambda rpc: rpc.list_facilities(None, 50, 0), OPEN,
             lambda r: {f["facility_id"] for f in r["items"]} >= {hc, w["hospital"]}),
        Call("get_completeness", lambda rpc: rpc.get_completeness(W46), OPEN),
        Call("get_place_week", lambda rpc: rpc.get_place_week(hc, W46), OPEN),
        Call("get_alert", lambda rpc: rpc.get_alert(w["alert"]), OPEN),
        Call("list_alerts", lambda rpc: rpc.list_alerts(None, None, 50, 0), OPEN),
        Call("get_alert_kpis", lambda rpc: rpc.get_alert_kpis(W47), OPEN),
        Call("get_rules", lambda rpc: rpc.get_rules(), OPEN),
        Call("get_denominators", lambda rpc: rpc.get_denominators(SITE, None, None, W46), OPEN),
        Call("get_referral_counts", lambda rpc: rpc.get_referral_counts(hc), OPEN),
        # IOM's weekly report: read by those IOM shares with
        Call("get_weekly_report", lambda rpc: rpc.get_weekly_report(hc, W46), READ,
             lambda r: (r["facility_id"], r["week"], r["versions"]) == (hc, W46, [1])),
        # a change of IOM's records
        Call("update_facility", lambda rpc: rpc.update_facility(hc, {"beds_total": 4}), REFERENCE,
             lambda r: r["beds_total"] == 4),
        Call("submit_weekly_report", lambda rpc: rpc.submit_weekly_report(report(hc, W47)), REFERENCE),
        Call("submit_weekly_reports", lambda rpc: single_result(rpc.submit_weekly_reports([report(hc, W45)])), REFERENCE,
             lambda r: r["week"] == W45),
        Call("report_signal", lambda rpc: rpc.report_signal({
            "facility_id": hc, "syndrome": "suspected_measles", "onset_date": "2026-11-20", "age_years": 3}),
             REFERENCE),
        Call("raise_alert", lambda rpc: rpc.raise_alert({"facility_id": hc, "week": W46}), REFERENCE),
        Call("move_alert", lambda rpc: rpc.move_alert({"alert_id": w["alert"], "action": "verify",
                                                       "outcome": "confirmed"}), REFERENCE,
             lambda r: r["status"] == "confirmed"),
        Call("refer", lambda rpc: rpc.refer({"from_facility_id": hc, "to_facility_id": w["hospital"],
                                             "reason": "medical", "urgency": "urgent"}), REFERENCE),
        Call("move_referral", lambda rpc: rpc.move_referral({"referral_id": w["referral"], "status": "accepted"}),
             REFERENCE, lambda r: r["status"] == "accepted"),
    ]


@pytest.mark.parametrize("name", RELATIONS)
def test_every_method_by_relation(health, name):
    case = relation("health", name)
    w = _setup(health, name)
    problems = matrix_problems(health, case, _calls(w))
    assert not problems, "\n".join(problems)
    with health.database.session_factory() as session:
        beds = session.get(Facility, w["hc"]).beds_total
        alert = session.get(Alert, w["alert"]).status
        referral = session.get(Referral, w["referral"]).status
        weeks = sorted(r.week for r in session.execute(select(WeeklyReport)).scalars())
        audit = {(a.method, a.record_kind, a.owner_org) for a in session.execute(select(AccessAudit)).scalars()}
    if case.writes:
        assert (beds, alert, referral, weeks) == (4, "confirmed", "accepted", [W45, W46, W47])
        assert health.count(CaseSignal) == 1 and health.count(Referral) == 2
    else:
        assert (beds, alert, referral, weeks) != (4, "confirmed", "accepted", [W45, W46, W47])
        assert (alert, referral, weeks) == ("raised", "referred", [W46]), "a refused change changed nothing"
        assert health.count(CaseSignal) == 0 and health.count(Referral) == 1
    if case.audited:
        assert {(method, kind) for method, kind, owner in audit if owner == "IOM"} == {
            ("get_weekly_report", "report"), ("update_facility", "facility"), ("submit_weekly_report", "facility"),
            ("submit_weekly_reports", "facility"), ("report_signal", "facility"), ("raise_alert", "facility"),
            ("move_alert", "alert"), ("refer", "facility"), ("move_referral", "facility")}
    else:
        assert audit == set()


def test_an_agreement_read_then_write_then_revoked_on_the_same_records(health):
    w = _setup(health, "own")
    hc = w["hc"]
    with health.client(token=NRC) as nrc:
        with pytest.raises(NotFound):
            nrc.health.get_weekly_report(hc, W46)
        with pytest.raises(Forbidden, match="managed by IOM"):
            nrc.health.submit_weekly_report(report(hc, W47))
        assert nrc.health.get_facility(hc)["code"] == "HC-1"  # reference data: read by all
    with health.client(token=IOM) as iom:
        assert iom.health.grant_sharing("NRC", access="read")["access"] == "read"
    with health.client(token=NRC) as nrc:
        assert nrc.health.get_weekly_report(hc, W46)["versions"] == [1]  # reads
        with pytest.raises(Forbidden):
            nrc.health.submit_weekly_report(report(hc, W46, deaths=(0, 2)))  # but does not amend
        with pytest.raises(Forbidden):
            nrc.health.update_facility(hc, {"status": "closed"})
    with health.client(token=IOM) as iom:
        assert iom.health.get_weekly_report(hc, W46)["versions"] == [1]
        assert iom.health.grant_sharing("NRC", access="write")["access"] == "write"
    with health.client(token=NRC) as nrc:
        amended = nrc.health.submit_weekly_report(report(hc, W46, deaths=(0, 2)))
        assert amended["version"] == 2
        nrc.health.move_referral({"referral_id": w["referral"], "status": "accepted"})
    with health.client(token=IOM) as iom:
        assert iom.health.get_weekly_report(hc, W46)["versions"] == [1, 2]
        iom.health.revoke_sharing("NRC")
    with health.client(token=NRC) as nrc:
        with pytest.raises(NotFound):
            nrc.health.get_weekly_report(hc, W46)
        with pytest.raises(Forbidden):
            nrc.health.move_alert({"alert_id": w["alert"], "action": "verify", "outcome": "confirmed"})
    with health.client(token=make_token("health:read", "health:lead", org="UNHCR", sub="unhcr-lead")) as lead:
        assert lead.health.get_weekly_report(hc, W46)["versions"] == [1, 2]
    with health.database.session_factory() as session:
        audit = [(a.sub, a.method, a.record_kind, a.owner_org) for a in session.execute(select(AccessAudit)).scalars()]
        owners = {r.org for r in session.execute(select(WeeklyReport)).scalars()}
    assert audit == [("unhcr-lead", "get_weekly_report", "report", "IOM")]
    assert owners == {"IOM"}, "the facility's report stays its organisation's, amended by a partner or not"
