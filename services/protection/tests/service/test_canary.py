"""The canary: a case with a unique name and narrative goes through the service (opened, read, listed, changed,
referred with an override and accepted, a follow-up visit noted). The values never appear in any row of any table
of the service's PostgreSQL database (``SELECT t::text``), in a log record, in an event on the bus or in /metrics;
they do appear, decrypted, for the case's assigned caseworker (and nowhere in what anyone else is shown)."""
import json
import logging
import uuid

import pytest
from sqlalchemy import inspect, text

from haven_contracts import catalogue
from haven_contracts.testing import site_event
from haven_kernel.testing import make_token, publish_event, wait_until

from haven_protection.crypto import new_key
from haven_protection.models import Site
from haven_protection.testing import SITE, case_payload

pytestmark = pytest.mark.service

CANARY = f"Canary{uuid.uuid4().hex[:12]}"
NARRATIVE = f"Narrative {uuid.uuid4().hex} told in confidence"
NOTE = f"Note{uuid.uuid4().hex[:10]}"
REASON = f"Reason{uuid.uuid4().hex[:10]}"
SECRETS = (CANARY, NARRATIVE.split()[1], NOTE, REASON)


@pytest.fixture
def protection_config():
    return {"PROTECTION_KEYS": f"canary={new_key()}", "PROTECTION_FOCAL_ORGS": f"{SITE}=IOM"}


def rows_text(engine):
    """Every row of every table, as PostgreSQL prints it."""
    found = []
    with engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            found += [row[0] for row in connection.execute(text(f'SELECT t::text FROM "{table}" AS t'))]
    return found


def leaks(haystack, secrets=SECRETS):
    return [secret for secret in secrets if secret in haystack]


@pytest.mark.parametrize("case_type", ["gbv", "child_protection"])
def test_a_canary_is_nowhere_but_in_the_assigned_caseworkers_view(protection, record_events, caplog, case_type):
    caplog.set_level(logging.DEBUG)
    recorder = record_events(protection.amqp_uri, "protection")
    publish_event(protection.amqp_uri, catalogue, "shelter", "site_opened", site_event(SITE, adm1="Sofala"))
    wait_until(lambda: protection.count(Site) == 1, message="the site reached protection's replica")
    overrider = make_token("protection:read", "protection:write", "protection:caseworker",
                           "protection:consent_override", org="IOM", sub="ana")
    with protection.client("ana") as client:
        case = client.protection.open_case(case_payload(case_type, name=CANARY, narrative=NARRATIVE))
        case_id = case["case_id"]
        seen = client.protection.get_case(case_id)
        listed = client.protection.list_cases()
        client.protection.update_case(case_id, {"risk": "medium"})
        client.protection.change_status(case_id, "assessment")
        client.protection.record_action(case_id, {"kind": "follow_up", "note": NOTE})
    with protection.client(overrider) as client:
        referral = client.protection.refer_case(case_id, {"to_org": "UNHCR", "service_type": "health",
                                                          "override_reason": REASON})
        referred = client.protection.get_case(case_id)
    with protection.client("unhcr_manager") as client:
        received = client.protection.answer_referral(referral["referral_id"], True)
    with protection.client("iom_manager") as client:
        managed = client.protection.get_case(case_id)
        managed_list = client.protection.list_cases()
        log = client.protection.read_access_log(case_id)
    recorder.wait_for("case_referred", count=2)
    recorder.drain(0.5)

    assert seen["person"]["name"] == CANARY and seen["narrative"] == NARRATIVE, "the caseworker sees it decrypted"
    assert [a["note"] for a in client_notes(seen)] == [] and referral["consent_override"] is True
    assert [r["override_reason"] for r in referred["referrals"]] == [REASON], "the owner reads the reason"
    assert leaks(json.dumps([case, referral, received])) == [], "a write's reply is an acknowledgement"
    if case_type == "gbv":  # the person and the narrative: no one else is shown them
        assert leaks(json.dumps([listed, managed, managed_list, received]), SECRETS[:2]) == []
    else:
        assert [item["name"] for item in listed["items"]] == [CANARY]
    assert leaks(json.dumps(log)) == []
    with protection.database.engine.connect() as connection:  # the RPC inbox keeps each write's reply a day
        assert connection.execute(text("SELECT count(*) FROM rpc_requests")).scalar_one() == 6
    assert leaks("\n".join(rows_text(protection.database.engine))) == [], "a secret is in a PostgreSQL row"
    assert len(recorder.events()) >= 5
    assert leaks(json.dumps([e for e in recorder.events()], default=str)) == [], "a secret is in an event"
    assert leaks(protection.http_get("/metrics")[1]) == []
    records = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert records and leaks(records) == [], "a secret is in a log record"


def client_notes(case):
    return [action for action in case["actions"] if action["note"]]
