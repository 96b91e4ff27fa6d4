"""Safe retries on every protection write (issue 16 point 4), on the real broker and database: a call sent again
with its idempotency key is answered with the first reply and done once (rows, access-log rows and outbox events
counted); the same key with another payload is a Conflict and changes nothing; a call whose connection died after
the commit, sent again, is done once; a case, a referral, a transfer and a follow-up refuse a change made with a
stale `expected_version` (Conflict naming the current version).

The RPC inbox keeps every write's reply in plain JSON for a day (table rpc_requests): protection's write replies are
acknowledgements, so no name, narrative, note or reason is at rest there (the partner reads the case with
get_case)."""
import json
import uuid

import pytest
from sqlalchemy import text

from haven_contracts import catalogue
from haven_contracts.testing import new_id, site_event
from haven_kernel.errors import Conflict, ValidationError
from haven_kernel.testing import drop_after_commit, make_token, publish_event, unsafe_writes, wait_until

from haven_protection.models import Case, FollowUp, Site
from haven_protection.service import ProtectionService
from haven_protection.testing import SITE, case_payload, needs_data

pytestmark = pytest.mark.service

CONSENTS = ({"kind": "services", "given": True, "date": "2026-11-20"},
            {"kind": "share", "given": True, "date": "2026-11-20"})


@pytest.fixture
def service(protection):
    publish_event(protection.amqp_uri, catalogue, "shelter", "site_opened", site_event(SITE, adm1="Sofala"))
    wait_until(lambda: protection.count(Site) == 1, message="the site reached protection's replica")
    return protection


def follow_ups(service, needs):
    """The follow-ups registration's protection needs of one household open (``{code: members}``)."""
    before = service.count(FollowUp)
    publish_event(service.amqp_uri, catalogue, "registration", "household_protection_needs",
                  needs_data(SITE, needs, new_id()))
    wait_until(lambda: service.count(FollowUp) == before + len(needs), message="follow-ups opened")
    with service.client("ana") as client:
        return [item["follow_up_id"] for item in client.protection.list_follow_ups()["items"]]


def test_every_write_method_applies_each_request_once():
    assert unsafe_writes(ProtectionService) == []


def test_each_write_sent_again_with_its_key_is_answered_and_done_once(service):
    def twice(actor, key, method, *args, **kwargs):
        with service.client(actor, idempotency_key=key) as client:
            first = getattr(client.protection, method)(*args, **kwargs)
            before = service.table_counts()
            assert getattr(client.protection, method)(*args, **kwargs) == first, f"{method}: another reply"
            assert service.table_counts() == before, f"{method} sent again changed something"
        return first

    case = twice("ana", "k-open", "open_case", case_payload())
    case_id = case["case_id"]
    assert (case["version"], case["status"], case["changed"]) == (1, "new", ["opened"])
    twice("ana", "k-services", "record_consent", case_id, CONSENTS[0], expected_version=1)
    twice("ana", "k-share", "record_consent", case_id, CONSENTS[1], expected_version=2)
    action = twice("ana", "k-action", "record_action", case_id, {"kind": "follow_up", "note": "Visited"})
    updated = twice("ana", "k-update", "update_case", case_id, {"risk": "medium"}, expected_version=4)
    moved = twice("ana", "k-status", "change_status", case_id, "assessment", expected_version=5)
    assert (action["version"], updated["version"], moved["version"], moved["status"]) == (4, 5, 6, "assessment")
    referral = twice("ana", "k-refer", "refer_case", case_id, {"to_org": "UNHCR", "service_type": "health"},
                     expected_version=6)
    twice("unhcr_manager", "k-answer", "answer_referral", referral["referral_id"], True, expected_version=1)
    revoked = twice("ana", "k-revoke", "revoke_referral", referral["referral_id"], expected_version=2)
    assert (revoked["status"], revoked["version"]) == ("revoked", 3)
    transfer = twice("iom_manager", "k-transfer", "transfer_case", case_id, "UNHCR", expected_version=6)
    taken = twice("unhcr_manager", "k-take", "answer_transfer", transfer["transfer_id"], True, expected_version=1)
    assert (taken["status"], taken["case_version"]) == ("accepted", 7)
    assigned = twice("unhcr_manager", "k-assign", "assign_case", case_id, "uma", expected_version=7)
    assert (assigned["org"], assigned["caseworker"], assigned["version"]) == ("UNHCR", "uma", 8)
    first, second = follow_ups(service, {"SC-UC": 1, "CR-CP": 1})
    converted = twice("ana", "k-convert", "convert_follow_up", first, case_payload(name="Other Child"),
                      expected_version=1)
    closed = twice("ana", "k-close", "close_follow_up", second, "Family found", expected_version=1)
    assert (converted["follow_up_status"], closed["status"], closed["version"]) == ("converted", "closed", 2)
    counts = service.table_counts()
    assert (counts["cases"], counts["case_actions"], counts["referrals"], counts["transfers"]) == (2, 1, 1, 1)
    with service.client("uma") as client:
        read = client.protection.get_case(case_id)
    assert (read["version"], read["caseworker"], read["consents"]["share"]["given"]) == (8, "uma", True)


def test_the_same_key_for_another_payload_is_a_conflict_and_changes_nothing(service):
    with service.client("ana") as client:
        case_id = client.protection.open_case(case_payload())["case_id"]
    with service.client("ana", idempotency_key="tablet-7/visit-3") as client:
        client.protection.record_action(case_id, {"kind": "follow_up", "note": "First visit"})
        before = service.table_counts()
        with pytest.raises(Conflict, match="another request"):
            client.protection.record_action(case_id, {"kind": "follow_up", "note": "Second visit"})
        with pytest.raises(Conflict, match="another request"):
            client.protection.change_status(case_id, "assessment")
    assert service.table_counts() == before
    with service.client("ana") as client:
        case = client.protection.get_case(case_id)
    assert ([a["note"] for a in case["actions"]], case["status"]) == (["First visit"], "new")


def test_a_case_whose_connection_died_after_the_commit_is_opened_once_when_sent_again(service):
    payload = case_payload(name=f"Lost Reply {uuid.uuid4().hex[:6]}")
    drop_after_commit(service.amqp_uri, service.ana, "protection", "open_case", args=[payload],
                      idempotency_key="primero-form-311", committed=lambda: service.count(Case) == 1)
    with service.client("ana", idempotency_key="primero-form-311") as client:
        again = client.protection.open_case(payload)
        assert client.protection.get_case(again["case_id"])["person"]["name"] == payload["person"]["name"]
    counts = service.table_counts()
    assert (counts["cases"], counts["outbox_events"]) == (1, 1), "one case and one case_opened event"


def test_a_change_made_on_a_stale_version_is_a_conflict_naming_the_current_one(service):
    with service.client("ana") as client:
        case_id = client.protection.open_case(case_payload())["case_id"]
        for consent in CONSENTS:
            client.protection.record_consent(case_id, consent)
        referral = client.protection.refer_case(case_id, {"to_org": "UNHCR", "service_type": "health"})
    with service.client("unhcr_manager") as client:
        client.protection.answer_referral(referral["referral_id"], False, expected_version=1)
    (follow_up,) = follow_ups(service, {"SC-UC": 1})
    with service.client("ana") as client:
        client.protection.update_case(case_id, {"risk": "low"}, expected_version=3)
    before = service.table_counts()
    stale_case = [
        ("ana", lambda c: c.protection.update_case(case_id, {"risk": "medium"}, expected_version=3)),
        ("ana", lambda c: c.protection.change_status(case_id, "assessment", expected_version=3)),
        ("ana", lambda c: c.protection.record_consent(case_id, CONSENTS[0], expected_version=3)),
        ("ana", lambda c: c.protection.record_action(case_id, {"kind": "follow_up"}, expected_version=3)),
        ("ana", lambda c: c.protection.refer_case(case_id, {"to_org": "WFP", "service_type": "health"},
                                                  expected_version=3)),
        ("iom_manager", lambda c: c.protection.assign_case(case_id, "ben", expected_version=3)),
        ("iom_manager", lambda c: c.protection.transfer_case(case_id, "UNHCR", expected_version=3)),
    ]
    for actor, call in stale_case:
        with service.client(actor) as client, pytest.raises(Conflict, match="case .* is at version 4, not 3"):
            call(client)
    with service.client("ana") as client:
        with pytest.raises(Conflict, match="referral .* is at version 2, not 1"):
            client.protection.revoke_referral(referral["referral_id"], expected_version=1)
        follow_up_stale = make_token("protection:read", "protection:write", "protection:caseworker", org="IOM",
                                     sub="ana")
    with service.client(follow_up_stale) as client:
        with pytest.raises(Conflict, match="follow-up .* is at version 1, not 2"):
            client.protection.close_follow_up(follow_up, "Duplicate", expected_version=2)
        with pytest.raises(Conflict, match="follow-up .* is at version 1, not 2"):
            client.protection.convert_follow_up(follow_up, case_payload(), expected_version=2)
        with pytest.raises(ValidationError) as bad:
            client.protection.update_case(case_id, {"risk": "medium"}, expected_version=0)
        assert list(bad.value.errors) == ["expected_version"]
    assert service.table_counts() == before, "a refused change changed nothing (not even the access log)"
    with service.client("ana") as client:
        case = client.protection.get_case(case_id)
        assert (case["version"], case["risk"], case["status"]) == (4, "low", "new")
        assert client.protection.update_case(case_id, {"risk": "medium"}, expected_version=4)["version"] == 5


def test_the_rpc_inbox_keeps_no_name_narrative_note_or_reason_after_every_protection_write(service):
    """Each write's reply is stored in rpc_requests in plain JSON (24 h by default): none may carry what the
    service keeps encrypted."""
    marker = uuid.uuid4().hex[:8]
    secrets = {"name": f"Amina{marker}", "other_name": f"Zainab{marker}", "narrative": f"river{marker}",
               "details": f"scar{marker}", "note": f"Beira{marker}", "override": f"danger{marker}",
               "close": f"reunified{marker}", "convert_name": f"Joao{marker}", "new_narrative": f"later{marker}"}
    overrider = make_token("protection:read", "protection:write", "protection:caseworker",
                           "protection:consent_override", org="IOM", sub="ana")
    person = {"name": secrets["name"], "sex": "female", "age_years": 12, "identifying_details": secrets["details"]}
    with service.client("ana") as client:
        case_id = client.protection.open_case({**case_payload(narrative=secrets["narrative"]), "person": person})[
            "case_id"]
        client.protection.update_case(case_id, {"person": {**person, "name": secrets["other_name"]},
                                                "narrative": secrets["new_narrative"]})
        client.protection.record_consent(case_id, CONSENTS[0])
        client.protection.record_action(case_id, {"kind": "service", "service_type": "family_tracing",
                                                  "note": secrets["note"]})
        client.protection.change_status(case_id, "assessment")
    with service.client(overrider) as client:
        referral = client.protection.refer_case(case_id, {"to_org": "UNHCR", "service_type": "health",
                                                          "override_reason": secrets["override"]})
    with service.client("unhcr_manager") as client:
        client.protection.answer_referral(referral["referral_id"], True, caseworker="uma")
    with service.client("ana") as client:
        client.protection.revoke_referral(referral["referral_id"])
        client.protection.record_consent(case_id, CONSENTS[1])
    with service.client("iom_manager") as client:
        client.protection.assign_case(case_id, "ben")
        transfer = client.protection.transfer_case(case_id, "UNHCR")
    with service.client("unhcr_manager") as client:
        client.protection.answer_transfer(transfer["transfer_id"], True, caseworker="uma")
    first, second = follow_ups(service, {"SC-UC": 1, "CR-CP": 1})
    with service.client("ana") as client:
        client.protection.convert_follow_up(first, case_payload(name=secrets["convert_name"],
                                                                narrative=secrets["narrative"]))
        client.protection.close_follow_up(second, secrets["close"])
    with service.database.engine.connect() as connection:
        rows = connection.execute(text("SELECT method, reply FROM rpc_requests")).all()
    methods = sorted(method for method, _ in rows)
    assert methods == sorted(["open_case", "update_case", "record_consent", "record_action", "change_status",
                              "refer_case", "answer_referral", "revoke_referral", "record_consent", "assign_case",
                              "transfer_case", "answer_transfer", "convert_follow_up", "close_follow_up"])
    stored = "\n".join(reply for _, reply in rows)
    assert [name for name, value in secrets.items() if value in stored] == []
    assert all(json.loads(reply) for _, reply in rows), "each reply is stored"
    with service.client("uma") as client:  # what was written is there, for those who may read it
        read = client.protection.get_case(case_id)
    assert (read["person"]["name"], read["narrative"]) == (secrets["other_name"], secrets["new_narrative"])
