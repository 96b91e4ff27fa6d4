"""No message can kill a service (issue 10 point 2, nameko issue #753): each bad message is published raw with kombu
to the toy services' queues; afterwards the containers still run, still answer, the bad messages are gone from the
queues (acknowledged, or dead-lettered with their reason: nothing is redelivered forever) and each is counted."""
import json
import urllib.parse
import uuid

import pytest
from kombu import Connection, Exchange, Producer

from haven_kernel.messaging import consumer_queue_name
from haven_kernel.testing import publish_event, queue_depth, wait_until
from haven_kernel.testing import infra

DEAD_LETTERS = "haven.tally.dead-letters"
EVENT_QUEUE = consumer_queue_name("tally", "ledger", "entry_recorded")


def publish_raw(amqp_uri, body, exchange, routing_key, **properties):
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    properties.setdefault("content_type", "application/json")
    properties.setdefault("content_encoding", "utf-8")
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        Producer(connection.channel()).publish(body, exchange=exchange, routing_key=routing_key, delivery_mode=2,
                                               **properties)


def messages_in(infrastructure, amqp_uri, queue):
    """Ready plus unacknowledged: a message requeued over and over stays counted here."""
    vhost = urllib.parse.quote(urllib.parse.urlsplit(amqp_uri).path[1:], safe="")
    found = json.loads(infra._management_request(infrastructure["management_url"], "GET",
                                                 f"/api/queues/{vhost}/{urllib.parse.quote(queue, safe='')}"))
    return found.get("messages", 0) + found.get("messages_unacknowledged", 0)


def raw_messages(amqp_uri, queue_name):
    """(bytes, headers) of every message in a queue, taken off it (the body undecoded: it may not be JSON)."""
    taken = []
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        while True:
            message = channel.basic_get(queue=queue_name, no_ack=True)
            if message is None:
                return taken
            body = message.body
            headers = dict(message.properties.get("application_headers") or {})
            taken.append((body.encode() if isinstance(body, str) else bytes(body), headers))


def alive(container):
    return not container._died.ready()


def rejected(container, kind, reason):
    return container._haven_metrics.messages_rejected.labels(kind, reason)._value.get()


RPC = Exchange("nameko-rpc", type="topic", durable=True)
GOOD_RPC = {"reply_to": "nowhere", "correlation_id": "c-1"}

BAD_RPC_REQUESTS = [
    # (why, body, properties, the reason counted when no reply can be sent)
    ("no reply_to, no token (the #753 crash)", {"args": [1], "kwargs": {}}, {}, "no_reply_to"),
    ("reply_to of the wrong type", {"args": [1], "kwargs": {}}, {"reply_to": ""}, "no_reply_to"),
    ("a content type nameko cannot answer in", b'{"args": [1], "kwargs": {}}',
     {"reply_to": "nowhere", "content_type": "text/x-unknown"}, None),
    ("pickle (never unpickled)", b"\x80\x04K\x01.", {"reply_to": "nowhere",
                                                    "content_type": "application/x-python-serialize",
                                                    "content_encoding": "binary"}, None),
    ("not JSON", b"{not json", {"reply_to": "nowhere"}, None),
    ("a JSON string as body", json.dumps("args"), GOOD_RPC, None),
    ("a JSON list as body", json.dumps([1, 2]), GOOD_RPC, None),
    ("null body", json.dumps(None), GOOD_RPC, None),
    ("args not a list", json.dumps({"args": "x", "kwargs": {}}), GOOD_RPC, None),
    ("bad token", json.dumps({"args": [1], "kwargs": {}}), {**GOOD_RPC, "headers": {"nameko.authorization": 5}},
     None),
    ("huge headers", json.dumps({"args": [1], "kwargs": {}}),
     {**GOOD_RPC, "headers": {f"h{i}": "x" * 400 for i in range(60)}}, None),
    ("odd header values", json.dumps({"args": [1], "kwargs": {}}),
     {**GOOD_RPC, "headers": {"nameko.authorization": [1, {"a": None}], "nameko.correlation_id": {"x": 1},
                              "nameko.origin_org": ["IOM"]}}, None),
]


def test_no_rpc_request_kills_a_service(toys, infrastructure):
    ledger = toys.start(toys.Ledger)
    for why, body, properties, _ in BAD_RPC_REQUESTS:
        publish_raw(toys.amqp_uri, body, RPC, "ledger.record", **properties)
    wait_until(lambda: messages_in(infrastructure, toys.amqp_uri, "rpc-ledger") == 0, timeout=20,
               message="every bad request taken off the queue and acknowledged")
    assert alive(ledger), "the ledger container was killed"
    with toys.client() as client:
        assert client.ledger.record(5), "the service still answers"
    assert alive(ledger)
    assert rejected(ledger, "rpc", "no_reply_to") == 2
    assert rejected(ledger, "rpc", "undecodable_body") == 3, "not JSON, pickle, an unknown content type"
    assert messages_in(infrastructure, toys.amqp_uri, "rpc-ledger") == 0, "nothing comes back"


def test_the_753_request_does_not_kill_the_service_after_a_restart_either(toys, infrastructure):
    """The issue's reproduction: the redelivered request used to kill the service again after every restart."""
    toys.start(toys.Ledger).stop()  # its queue exists; the bad requests wait there for the next start
    publish_raw(toys.amqp_uri, {"args": [], "kwargs": {}}, RPC, "ledger.record")
    publish_raw(toys.amqp_uri, json.dumps("args"), RPC, "ledger.record", **GOOD_RPC)
    ledger = toys.start(toys.Ledger)
    wait_until(lambda: messages_in(infrastructure, toys.amqp_uri, "rpc-ledger") == 0, timeout=20,
               message="the waiting bad requests acknowledged")
    with toys.client() as client:
        assert client.ledger.record(6)
    assert alive(ledger) and rejected(ledger, "rpc", "no_reply_to") == 1


def good_envelope(toys, amount):
    return toys.catalogue.envelope("ledger", "entry_recorded", {"entry_id": str(uuid.uuid4()), "amount": amount})


def test_no_event_kills_a_consumer_and_each_bad_one_is_dead_lettered_with_its_reason(toys, infrastructure):
    tally = toys.start(toys.Tally, HAVEN_RETRY_DELAYS="0.2")
    exchange = Exchange("ledger.events", type="topic", durable=True)
    good = json.dumps(good_envelope(toys, 1))
    guest = "guest"
    bad = [
        # (body, properties, what the dead letter's error says)
        (good, {"headers": {"x-haven-attempt": "abc"}, "user_id": guest}, "x-haven-attempt header"),
        (good, {"headers": {"x-haven-attempt": [1]}, "user_id": guest}, "x-haven-attempt header"),
        (good, {"headers": {"x-haven-origin-org": {"org": 1}}, "user_id": guest}, "x-haven-origin-org"),
        (b"{not json", {"user_id": guest}, "undecodable body"),
        (b"\xff\xfe\x00", {"user_id": guest, "content_encoding": "binary"}, "undecodable body"),
        (b"\x80\x04K\x01.", {"user_id": guest, "content_type": "application/x-python-serialize",
                             "content_encoding": "binary"}, "undecodable body"),
        (json.dumps([1, 2]), {"user_id": guest}, "not an object"),
        (json.dumps("envelope"), {"user_id": guest}, "not an object"),
        (json.dumps(dict(good_envelope(toys, 2), event_type="entry_vanished")), {"user_id": guest},
         "entry_vanished v1 is not in the catalogue"),
        (json.dumps(dict(good_envelope(toys, 3), source="tally")), {"user_id": guest},
         "tally.entry_recorded v1 is not in the catalogue"),
        (good, {"headers": {f"h{i}": "x" * 400 for i in range(60)}, "user_id": guest}, "unreadable headers"),
    ]
    for body, properties, _ in bad:
        publish_raw(toys.amqp_uri, body, exchange, "entry_recorded", **properties)
    publish_event(toys.amqp_uri, toys.catalogue, "ledger", "entry_recorded", None, envelope=good_envelope(toys, 7))
    wait_until(lambda: queue_depth(toys.amqp_uri, DEAD_LETTERS) == len(bad), timeout=20,
               message=f"{len(bad)} dead letters")
    wait_until(lambda: [row.amount for row in toys.rows("tally", toys.Applied)] == [7], message="good event applied")
    assert alive(tally), "the tally container was killed"
    assert messages_in(infrastructure, toys.amqp_uri, EVENT_QUEUE) == 0, "nothing is redelivered"
    errors = [headers.get("x-haven-error", "") for _, headers in raw_messages(toys.amqp_uri, DEAD_LETTERS)]
    for says in {says for _, _, says in bad}:
        expected = sum(1 for _, _, expected_says in bad if expected_says == says)
        assert sum(1 for error in errors if says in error) == expected, (says, "\n".join(errors))
    metrics = tally._haven_metrics
    assert metrics.events_dead_lettered.labels("ledger", "entry_recorded")._value.get() == len(bad)
    assert rejected(tally, "event", "bad_delivery") == 7 and rejected(tally, "event", "contract") == 4


def test_an_undecodable_event_keeps_its_bytes_in_the_dead_letter(toys):
    toys.start(toys.Tally)
    publish_raw(toys.amqp_uri, b"{not json", Exchange("ledger.events", type="topic", durable=True),
                "entry_recorded", user_id="guest")
    wait_until(lambda: queue_depth(toys.amqp_uri, DEAD_LETTERS) == 1, message="dead letter")
    [(body, headers)] = raw_messages(toys.amqp_uri, DEAD_LETTERS)
    assert body == b"{not json" and headers["x-haven-error-type"] == "BadDelivery"
    assert headers["x-haven-failed-queue"] == EVENT_QUEUE


@pytest.mark.parametrize("target", ["rpc-ledger", "haven.ledger.dead-letters", "haven.other.ledger.entry_recorded",
                                    "haven.tally.ledger.nothing_here", None])
def test_replay_goes_only_to_the_services_own_consumer_queues(toys, capsys, target):
    """Issue 10 finding 6: ``haven dead-letters replay`` sent a message to whatever queue its header named."""
    from haven_kernel.cli import main
    toys.start(toys.Tally)
    headers = {"x-haven-error-type": "RuntimeError"}
    if target:
        headers["x-haven-failed-queue"] = target
    with Connection(toys.amqp_uri) as connection:  # the queues a misdirected replay would reach
        channel = connection.channel()
        for name in ("rpc-ledger", "haven.other.ledger.entry_recorded"):
            channel.queue_declare(queue=name, durable=True, auto_delete=False)
    publish_raw(toys.amqp_uri, json.dumps(good_envelope(toys, 9)), "", DEAD_LETTERS, headers=headers)
    wait_until(lambda: queue_depth(toys.amqp_uri, DEAD_LETTERS) == 1, message="the dead letter waits")
    assert main(["dead-letters", "replay", "tally", "--amqp-uri", toys.amqp_uri]) == 0
    out = capsys.readouterr().out
    assert '"replayed": false' in out
    assert queue_depth(toys.amqp_uri, DEAD_LETTERS) == 1, "a refused replay leaves the dead letter where it was"
    assert queue_depth(toys.amqp_uri, "rpc-ledger") == 0
    assert queue_depth(toys.amqp_uri, "haven.other.ledger.entry_recorded") == 0
    assert toys.rows("tally", toys.Applied) == []
