"""Issue 10 point 2, the issue's own reproductions on reporting and shelter: each message used to kill the
container (nameko issue #753), and the redelivered message killed it again after every restart. Now each is
refused or dead-lettered, the containers run on and answer, and nothing waits in the queues."""
import json

import pytest
from kombu import Connection, Exchange, Producer

from haven_kernel.events import consumer_queue_name, dead_letter_queue_name
from haven_kernel.testing import get_messages, queue_depth, wait_until

pytestmark = pytest.mark.service

RPC = Exchange("nameko-rpc", type="topic", durable=True)


def publish(amqp_uri, body, exchange, routing_key, **properties):
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        Producer(connection.channel()).publish(body, exchange=exchange, routing_key=routing_key,
                                               content_type="application/json", content_encoding="utf-8",
                                               **properties)


def test_requests_without_reply_to_or_with_a_string_or_list_body_do_not_kill_reporting(reporting, events):
    for body, properties in ((json.dumps({"args": [], "kwargs": {}}), {}),  # no reply_to, no token
                             (json.dumps("get_sitrep"), {"reply_to": "nowhere"}),
                             (json.dumps(["get_sitrep"]), {"reply_to": "nowhere"})):
        publish(reporting.amqp_uri, body, RPC, "reporting.get_sitrep", **properties)
    wait_until(lambda: queue_depth(reporting.amqp_uri, "rpc-reporting") == 0, message="requests taken")
    assert reporting.sitrep()["totals"]["households"] == 0, "reporting still answers"
    assert not reporting.container._died.ready()
    assert reporting.container._haven_metrics.messages_rejected.labels("rpc", "no_reply_to")._value.get() == 1


def test_events_with_a_bad_attempt_header_are_dead_lettered_and_reporting_lives_on(reporting, events):
    site = events.site()
    reporting.publish("shelter", "site_opened", site)
    reporting.wait_archived(1)
    exchange = Exchange("registration.events", type="topic", durable=True)
    user = "guest"  # the account the tests' services share (haven_kernel.messaging.producers)
    for attempt in ("abc", [1]):
        envelope = events.envelope("registration", "household_registered", events.household(site["site_id"]))
        publish(reporting.amqp_uri, json.dumps(envelope), exchange, "household_registered",
                headers={"x-haven-attempt": attempt}, user_id=user)
    dead_letters = dead_letter_queue_name("reporting")
    wait_until(lambda: queue_depth(reporting.amqp_uri, dead_letters) == 2, message="two dead letters")
    assert queue_depth(reporting.amqp_uri, consumer_queue_name("reporting", "registration",
                                                               "household_registered")) == 0
    reporting.publish("registration", "household_registered", events.household(site["site_id"]))
    reporting.wait_archived(2)
    assert reporting.sitrep()["totals"]["households"] == 1
    assert not reporting.container._died.ready()
    errors = [headers["x-haven-error"] for _, headers in get_messages(reporting.amqp_uri, dead_letters)]
    assert errors == ["x-haven-attempt header is not a retry count"] * 2
