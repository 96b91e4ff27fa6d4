"""Poison, undecodable, duplicate and out-of-order messages in the middle of a burst.

Every message a consumer cannot use is dead-lettered with its reason and counted, and only those: the burst's own
events all go through. Duplicates change nothing; an event older than what a consumer already has is ignored.
"""
import re
import uuid
from collections import Counter

import pytest
from kombu import Connection, Exchange, Producer

from haven_contracts import catalogue
from haven_kernel.messaging.producers import broker_user
from haven_kernel.testing import make_token, publish_event, rpc_client
from faultkit.processes import wait_for
from faultkit.scenario import assert_clean

pytestmark = [pytest.mark.system, pytest.mark.faults]

REGISTERED = "household_registered"


def _publish_raw(amqp_uri, body, exchange, routing_key, content_type="application/json"):
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        # As the broker account the services share here, so the consumers' producer check lets it through to
        # the parsing that must refuse it (haven_kernel.messaging.producers).
        Producer(connection.channel()).publish(body, exchange=exchange, routing_key=routing_key,
                                               content_type=content_type, content_encoding="utf-8",
                                               delivery_mode=2, user_id=broker_user(amqp_uri))


def inject_bad_messages(deployment, burst, timeline):
    """At a third of the burst: an event that breaks the contract (a required field missing), a body that is not
    JSON at all (to both consumers of household events), and for shelter alone a well-formed event that can never
    apply (its site does not exist)."""
    import time
    burst.wait_invoked(0.3)
    uri = deployment.amqp_uri
    envelope = catalogue.envelope("registration", REGISTERED, _summary(deployment.site_ids[0]))
    del envelope["data"]["registered_at"]
    publish_event(uri, catalogue, "registration", REGISTERED, None, envelope=envelope)
    _publish_raw(uri, b"{not json", Exchange("registration.events", type="topic", durable=True), REGISTERED)
    never = catalogue.envelope("registration", REGISTERED, _summary(str(uuid.uuid4())))
    _publish_raw(uri, catalogue_json(never), "", f"haven.shelter.registration.{REGISTERED}")
    timeline.append((time.monotonic() - burst.started, "injected: contract violation, non-JSON body, "
                                                       "an event for a site that does not exist (shelter only)"))


def catalogue_json(envelope):
    import json
    return json.dumps(envelope).encode()


def _summary(site_id):
    from datetime import datetime, timezone
    return {"household_id": str(uuid.uuid4()), "registration_number": "HV-POIS-0N01", "site_id": site_id, "size": 2,
            "status": "active", "version": 1, "by_sex_age": {"female": {"18-59": 1}, "male": {"5-17": 1}},
            "origin": None, "displacement_date": None, "org": "IOM",
            "registered_at": datetime.now(timezone.utc).isoformat()}


def duplicates_and_stale_events(deployment, burst, timeline):
    """After the burst: 30 of registration's events published again (same event ids); 20 households updated (a
    member added: version 2), and once both consumers have version 2, their version-1 events published again
    under new event ids, as a late, out-of-order copy would arrive."""
    import time
    uri = deployment.amqp_uri
    rows = deployment.read("registration", f"SELECT envelope FROM outbox_events WHERE event_type = '{REGISTERED}' "
                                           "AND published_at IS NOT NULL ORDER BY id LIMIT 30")
    for envelope in rows:
        publish_event(uri, catalogue, "registration", REGISTERED, None, envelope=envelope)
    updated = [envelope["data"]["household_id"] for envelope in rows[:20]]
    for envelope in rows[:20]:  # each by the organisation that registered it (haven_kernel.sharing)
        owner = make_token("registration:write", org=envelope["data"]["org"], sub="faults-updater")
        with rpc_client(uri, owner, timeout=30) as rpc:
            rpc.registration.update_household(envelope["data"]["household_id"], {"members": {"add": [
                {"given_name": "Tawanda", "family_name": "Late", "sex": "male", "age_years": 3,
                 "relationship": "child"}]}})
    wanted = "', '".join(updated)
    for service, sql in (("shelter", f"SELECT count(*) FROM households WHERE version = 2 AND id IN ('{wanted}')"),
                         ("reporting", "SELECT count(*) FROM household_facts WHERE version = 2 AND household_id IN "
                                       f"('{wanted}')")):
        wait_for(lambda: deployment.read(service, sql)[0] == len(updated), timeout=60,
                 message=f"{service} to apply the updates")
    for envelope in rows[:20]:
        stale = dict(envelope, event_id=str(uuid.uuid4()))
        publish_event(uri, catalogue, "registration", REGISTERED, None, envelope=stale)
    timeline.append((time.monotonic() - burst.started, "published again: 30 events (same ids); 20 version-1 events "
                                                       "under new ids after their version 2"))


def dead_lettered_total(deployment, service):
    status, text = deployment.http(service, "/metrics")
    return sum(float(value) for value in re.findall(r"^haven_events_dead_lettered_total\{[^}]*\} (\S+)$", text, re.M))


def test_poison_undecodable_duplicate_and_stale_messages(scenario):
    """Finding 4 (issue 11): a body that is not JSON was acknowledged by kombu ("Can't decode message body") and
    vanished; it is now dead-lettered with its reason (BadDelivery, "undecodable body") and counted."""
    result = scenario("poison, non-JSON, duplicates, stale", inject_bad_messages, count=200,
                      before_check=duplicates_and_stale_events)
    result.fault = "contract violation, non-JSON body, an event that never applies; duplicates; stale versions"
    counted = {service: dead_lettered_total(result.deployment, service) for service in ("shelter", "reporting")}
    result.notes.append(f"haven_events_dead_lettered_total: {counted}")
    undecodable = {service: n for (service, reason), n in result.dead_letters.items()
                   if reason not in ("EventContractError", "NotFound")}
    expected = Counter({("shelter", "EventContractError"): 1, ("reporting", "EventContractError"): 1,
                        ("shelter", "NotFound"): 1})
    known = Counter({key: n for key, n in result.dead_letters.items() if key in expected})
    assert known == expected, f"the poison events' dead letters: {dict(result.dead_letters)}"
    assert undecodable == {"shelter": 1, "reporting": 1}, \
        f"the non-JSON body is dead-lettered once by each consumer: {dict(result.dead_letters)}"
    assert counted == {"shelter": 3, "reporting": 2}, f"every dead letter is counted: {counted}"
    assert_clean(result, expected_dead_letters=result.dead_letters)  # exactly those: now the burst itself
