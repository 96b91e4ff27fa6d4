"""HAVEN_QUEUE_TYPE=quorum on the real broker, in a scratch virtual host: every event queue (consumer, retry,
dead-letter) is a quorum queue whichever side declared it first, events flow through retries to the dead-letter
queue, and the operator's command reads it. A declaration with other arguments is refused, which is why every
declaration goes through haven_kernel.messaging.topology."""
import json
import os
import subprocess
import sys
import urllib.parse

import pytest
from amqp.exceptions import PreconditionFailed
from kombu import Connection, Queue

from haven_kernel.messaging import consumer_queue_name
from haven_kernel.testing import infra, queue_depth, wait_until

QUEUE = consumer_queue_name("tally", "ledger", "entry_recorded")
DEAD_LETTERS = "haven.tally.dead-letters"


def queue_types(infrastructure, amqp_uri):
    vhost = urllib.parse.quote(urllib.parse.unquote(urllib.parse.urlsplit(amqp_uri).path[1:]), safe="")
    queues = json.loads(infra._management_request(infrastructure["management_url"], "GET", f"/api/queues/{vhost}"))
    return {q["name"]: q["type"] for q in queues}


@pytest.mark.parametrize("first", ["producer", "consumer"])
def test_with_quorum_every_event_queue_is_a_quorum_queue_and_events_flow(toys, infrastructure, monkeypatch, first):
    monkeypatch.setenv("HAVEN_QUEUE_TYPE", "quorum")
    toys.BEHAVIOUR[31] = {"fail_times": 1}
    toys.BEHAVIOUR[32] = {"fail_always": True}
    order = [toys.Ledger, toys.Tally] if first == "producer" else [toys.Tally, toys.Ledger]
    for service in order:
        toys.start(service, HAVEN_RETRY_DELAYS="0.2,0.4")
    with toys.client() as client:
        for amount in (31, 32, 33):
            client.ledger.record(amount)
    wait_until(lambda: sorted(r.amount for r in toys.rows("tally", toys.Applied)) == [31, 33], timeout=20,
               message="31 applied on its retry, 33 at once")
    wait_until(lambda: queue_depth(toys.amqp_uri, DEAD_LETTERS) == 1, timeout=20, message="32 dead-lettered")
    types = queue_types(infrastructure, toys.amqp_uri)
    assert {name: types[name] for name in types if name.startswith("haven.")} == {
        QUEUE: "quorum", f"{QUEUE}.retry-200ms": "quorum", f"{QUEUE}.retry-400ms": "quorum",
        DEAD_LETTERS: "quorum"}

    listed = subprocess.run([sys.executable, "-m", "haven_kernel.cli", "dead-letters", "list", "tally"],
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "AMQP_URI": toys.amqp_uri, "HAVEN_QUEUE_TYPE": "quorum"})
    assert listed.returncode == 0, listed.stderr
    [line] = listed.stdout.splitlines()
    assert json.loads(line)["event_type"] == "entry_recorded"
    assert queue_depth(toys.amqp_uri, DEAD_LETTERS) == 1, "listing leaves the dead letter where it was"


def test_a_classic_declaration_of_a_quorum_queue_is_refused(toys, monkeypatch):
    monkeypatch.setenv("HAVEN_QUEUE_TYPE", "quorum")
    toys.start(toys.Ledger)
    with toys.client() as client:
        client.ledger.record(1)  # before its first publish the relay declares tally's queue, as quorum
    wait_until(lambda: queue_depth(toys.amqp_uri, QUEUE) == 1, message="the event waiting in tally's queue")
    with Connection(toys.amqp_uri) as connection, pytest.raises(PreconditionFailed, match="x-queue-type"):
        Queue(QUEUE, durable=True)(connection.channel()).declare()


def test_an_unknown_queue_type_is_refused_before_anything_is_declared(toys, monkeypatch):
    monkeypatch.setenv("HAVEN_QUEUE_TYPE", "stream")
    with pytest.raises(ValueError, match="HAVEN_QUEUE_TYPE='stream'"):
        toys.start(toys.Tally)
