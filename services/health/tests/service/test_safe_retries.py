"""Safe retries on every health write (issue 16 point 4), on the real broker and database: a call sent again with
its idempotency key is answered with the first reply and done once (rows and outbox events counted); the same key
with another payload is a Conflict and changes nothing; a call whose connection died after the commit, sent again,
is done once; a facility, a week's report, an alert (its `step`) and a referral refuse a change made with a stale
`expected_version` (Conflict naming the current version)."""
import pytest

from haven_contracts import catalogue
from haven_contracts.testing import site_event
from haven_kernel.db import OutboxEvent
from haven_kernel.errors import Conflict, ValidationError
from haven_kernel.testing import drop_after_commit, publish_event, unsafe_writes, wait_until

from haven_health.models import ReportVersion, Site
from haven_health.service import HealthService
from haven_health.testing import SITE, report

pytestmark = pytest.mark.service

W47 = "2026-W47"


def facility_payload(code):
    return {"code": code, "name": f"Health centre {code}", "site_id": SITE,
            "facility_type": "health_centre_with_beds", "beds_total": 10, "beds_available": 4,
            "status_since": "2026-10-01"}


def signal(facility_id, syndrome="suspected_measles"):
    return {"facility_id": facility_id, "syndrome": syndrome, "onset_date": "2026-11-24", "age_years": 4,
            "sex": "female", "outcome": "alive"}


@pytest.fixture
def service(health):
    publish_event(health.amqp_uri, catalogue, "shelter", "site_opened", site_event(site_id=SITE, adm2="Dondo"))
    wait_until(lambda: health.count(Site) == 1, message="the site reached health's replica")
    return health


def test_every_write_method_applies_each_request_once():
    assert unsafe_writes(HealthService) == []


def test_each_write_sent_again_with_its_key_is_answered_and_done_once(service):
    def twice(key, method, *args, **kwargs):
        with service.client("writer", idempotency_key=key) as client:
            first = getattr(client.health, method)(*args, **kwargs)
            before = service.table_counts()
            assert getattr(client.health, method)(*args, **kwargs) == first, f"{method}: another reply"
            assert service.table_counts() == before, f"{method} sent again changed something"
        return first

    one = twice("tablet-1/hc-1", "register_facility", facility_payload("HC-1"))
    two = twice("tablet-1/hc-2", "register_facility", facility_payload("HC-2"))
    changed = twice("tablet-1/beds", "update_facility", one["facility_id"], {"beds_available": 2},
                    expected_version=1)
    assert changed["version"] == 2  # not a Conflict: the retry is answered, not checked against version 2
    submitted = twice("tablet-1/w47", "submit_weekly_report", report(one["facility_id"], W47))
    amended = twice("tablet-1/w47-b", "submit_weekly_report", report(one["facility_id"], W47, deaths=(0, 1)),
                    expected_version=1)
    assert (submitted["version"], amended["version"]) == (1, 2)
    twice("tablet-1/bulk", "submit_weekly_reports", [report(two["facility_id"], W47)])
    measles = twice("tablet-1/signal", "report_signal", signal(one["facility_id"]))
    [alert] = measles["alerts"]
    twice("tablet-1/manual", "raise_alert", {"facility_id": two["facility_id"], "week": W47})
    verified = twice("tablet-1/verify", "move_alert", {"alert_id": alert["alert_id"], "action": "verify",
                                                       "outcome": "confirmed"}, expected_version=1)
    assert (verified["status"], verified["version"]) == ("confirmed", 2)
    referral = twice("tablet-1/refer", "refer", {"from_facility_id": one["facility_id"],
                                                 "to_facility_id": two["facility_id"], "reason": "medical",
                                                 "urgency": "urgent"})
    accepted = twice("tablet-1/accept", "move_referral", {"referral_id": referral["referral_id"],
                                                          "status": "accepted"}, expected_version=1)
    assert (accepted["status"], accepted["version"]) == ("accepted", 2)
    counts = service.table_counts()
    assert (counts["facilities"], counts["weekly_reports"], counts["report_versions"], counts["case_signals"],
            counts["referrals"]) == (2, 2, 3, 1, 1)
    assert (counts["alerts"], counts["alert_steps"]) == (2, 3)  # measles and the manual one; raised x2, verified
    with service.client("reader") as client:
        assert client.health.get_weekly_report(one["facility_id"], W47)["versions"] == [1, 2]
        assert client.health.get_facility(one["facility_id"])["beds_available"] == 2


def test_the_same_key_for_another_payload_is_a_conflict_and_changes_nothing(service):
    with service.client("writer") as client:
        hc = client.health.register_facility(facility_payload("HC-1"))
    with service.client("writer", idempotency_key="phone-3/form-9") as client:
        client.health.submit_weekly_report(report(hc["facility_id"], W47))
        before = service.table_counts()
        with pytest.raises(Conflict, match="another request"):
            client.health.submit_weekly_report(report(hc["facility_id"], W47, deaths=(2, 0)))
        with pytest.raises(Conflict, match="another request"):
            client.health.report_signal(signal(hc["facility_id"]))
    assert service.table_counts() == before
    with service.client("reader") as client:
        assert client.health.get_weekly_report(hc["facility_id"], W47)["deaths"]["under_five"] == 0


def test_a_report_whose_connection_died_after_the_commit_is_done_once_when_sent_again(service):
    """An amendment done twice would be two versions and two events: the retry is answered from the inbox."""
    with service.client("writer") as client:
        hc = client.health.register_facility(facility_payload("HC-1"))
        client.health.submit_weekly_report(report(hc["facility_id"], W47))
    amendment = report(hc["facility_id"], W47, deaths=(0, 1))
    events_before = service.count(OutboxEvent)
    drop_after_commit(service.amqp_uri, service.writer, "health", "submit_weekly_report", args=[amendment],
                      idempotency_key="dhis2-sync-118", committed=lambda: service.count(ReportVersion) == 2)
    with service.client("writer", idempotency_key="dhis2-sync-118") as client:
        again = client.health.submit_weekly_report(amendment)
    assert again["version"] == 2 and service.count(ReportVersion) == 2
    submitted = [e for e in _outbox(service)[events_before:] if e == "weekly_report_submitted"]
    assert submitted == ["weekly_report_submitted"], "one event for the amendment, however often it came"


def _outbox(service):
    from sqlalchemy import select
    with service.database.session_factory() as session:
        return list(session.execute(select(OutboxEvent.event_type).order_by(OutboxEvent.id)).scalars())


def test_a_change_made_on_a_stale_version_is_a_conflict_naming_the_current_one(service):
    with service.client("writer") as client:
        hc = client.health.register_facility(facility_payload("HC-1"))
        other = client.health.register_facility(facility_payload("HC-2"))
        client.health.update_facility(hc["facility_id"], {"beds_available": 3}, expected_version=1)
        client.health.submit_weekly_report(report(hc["facility_id"], W47))
        client.health.submit_weekly_report(report(hc["facility_id"], W47, deaths=(0, 1)), expected_version=1)
        [alert] = client.health.report_signal(signal(hc["facility_id"]))["alerts"]
        client.health.move_alert({"alert_id": alert["alert_id"], "action": "verify", "outcome": "confirmed"},
                                 expected_version=alert["version"])
        referral = client.health.refer({"from_facility_id": other["facility_id"],
                                        "to_facility_id": hc["facility_id"], "reason": "trauma",
                                        "urgency": "emergency"})
        client.health.move_referral({"referral_id": referral["referral_id"], "status": "accepted"},
                                    expected_version=1)
        before = service.table_counts()
        stale = [
            lambda: client.health.update_facility(hc["facility_id"], {"beds_available": 0}, expected_version=1),
            lambda: client.health.submit_weekly_report(report(hc["facility_id"], W47, deaths=(5, 5)),
                                                       expected_version=1),
            lambda: client.health.move_alert({"alert_id": alert["alert_id"], "action": "investigate"},
                                             expected_version=1),
            lambda: client.health.move_referral({"referral_id": referral["referral_id"], "status": "completed"},
                                                expected_version=1),
        ]
        for call in stale:
            with pytest.raises(Conflict, match="is at version 2, not 1"):
                call()
        with pytest.raises(Conflict, match="no report for 2026-W46 yet"):
            client.health.submit_weekly_report(report(hc["facility_id"], "2026-W46"), expected_version=1)
        with pytest.raises(ValidationError) as bad:
            client.health.update_facility(hc["facility_id"], {"beds_available": 0}, expected_version="2")
        assert list(bad.value.errors) == ["expected_version"]
        assert service.table_counts() == before
        facility = client.health.get_facility(hc["facility_id"])
        assert (facility["version"], facility["beds_available"]) == (2, 3)
        assert client.health.get_alert(alert["alert_id"])["status"] == "confirmed"
        # the current version goes through
        assert client.health.move_alert({"alert_id": alert["alert_id"], "action": "investigate"},
                                        expected_version=2)["version"] == 3
        assert client.health.update_facility(hc["facility_id"], {"beds_available": 0},
                                             expected_version=2)["version"] == 3
