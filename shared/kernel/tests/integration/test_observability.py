"""What an operator reads from a service, on the real broker and database: ``/health`` (ok, degraded naming the
check, unavailable), ``/health/live``, and ``/metrics`` (its queues, health checks, process and build), and how a
partner's mistake is logged."""
import json
import logging
import urllib.error
import urllib.request
from datetime import timedelta

import eventlet.event
import pytest
from prometheus_client.parser import text_string_to_metric_families

from haven_kernel.clock import utcnow
from haven_kernel.errors import ValidationError
from haven_kernel.logs import JsonFormatter
from haven_kernel.messaging import OutboxRelay, consumer_queue_name
from haven_kernel.service import HavenService
from haven_kernel.testing import get_messages, publish_event, service_config, wait_until
from haven_kernel.web import http

QUEUE = consumer_queue_name("tally", "ledger", "entry_recorded")
DEAD_LETTERS = "haven.tally.dead-letters"
FRESH = {"HAVEN_QUEUE_STATS_SECONDS": 0}  # no caching of the broker's figures between two reads of a test


def get(container, path):
    url = f"http://{container.config['WEB_SERVER_ADDRESS']}{path}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def health(container):
    status, body = get(container, "/health")
    return status, json.loads(body)


def samples(container):
    """{(name, frozenset(labels)): value} of everything /metrics serves."""
    status, text = get(container, "/metrics")
    assert status == 200
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(container, name, **labels):
    return samples(container).get((name, frozenset(labels.items())))


def envelope(toys, amount, age_seconds=0):
    return toys.catalogue.envelope("ledger", "entry_recorded", {"entry_id": f"00000000-0000-4000-8000-{amount:012d}",
                                                                "amount": amount},
                                   occurred_at=utcnow() - timedelta(seconds=age_seconds))


def test_liveness_needs_no_dependency_while_readiness_says_the_database_is_down(toys, amqp_uri, start_service):
    tally = start_service(toys.Tally, service_config(amqp_uri, "postgresql://postgres@127.0.0.1:1/nowhere", **FRESH))
    status, body = health(tally)
    assert status == 503 and body["status"] == "unavailable" and body["failing"] == ["database"]
    assert body["checks"]["database"].startswith("down: ") and body["checks"]["broker"] == "up"
    assert body["checks"]["outbox"].startswith("unknown")
    assert get(tally, "/health/live") == (200, json.dumps({"service": "tally", "status": "alive"}))
    assert value(tally, "haven_health_check_up", check="database") == 0
    assert value(tally, "haven_health_check_up", check="broker") == 1
    assert value(tally, "haven_health_check_up", check="outbox") is None, "not evaluated: absent, not a guess"


def test_dead_letters_waiting_make_the_service_degraded_and_are_counted_per_queue(toys):
    toys.BEHAVIOUR[13] = {"fail_always": True}
    tally = toys.start(toys.Tally, **FRESH)
    toys.start(toys.Ledger)
    assert health(tally) == (200, {"service": "tally", "status": "ok", "checks": {
        "database": "up", "broker": "up", "dead_letters": "none", "outbox": "empty", "consumer": "running"}})
    with toys.client() as client:
        client.ledger.record(13)
    wait_until(lambda: health(tally)[1]["status"] == "degraded", timeout=20, message="degraded")
    status, body = health(tally)
    assert status == 200, "degraded is still ready: it serves its callers"
    assert body["failing"] == ["dead_letters"]
    assert body["checks"]["dead_letters"] == f"1 waiting in {DEAD_LETTERS}"
    assert value(tally, "haven_queue_messages", queue=DEAD_LETTERS, kind="dead_letter") == 1
    assert value(tally, "haven_health_check_up", check="dead_letters") == 0
    assert value(tally, "haven_queue_consumers", queue=QUEUE, kind="consumer") == 1
    assert value(tally, "haven_queue_messages", queue=QUEUE, kind="consumer") == 0
    for retry in (f"{QUEUE}.retry-200ms", f"{QUEUE}.retry-400ms"):
        assert value(tally, "haven_queue_messages", queue=retry, kind="retry") == 0
        assert value(tally, "haven_queue_consumers", queue=retry, kind="retry") == 0

    assert len(get_messages(toys.amqp_uri, DEAD_LETTERS)) == 1  # the operator deals with it
    assert health(tally)[1]["status"] == "ok"
    assert value(tally, "haven_health_check_up", check="dead_letters") == 1


def test_an_outbox_older_than_its_threshold_makes_the_service_degraded(toys):
    ledger = toys.start(toys.Ledger, HAVEN_OUTBOX_MAX_AGE_SECONDS=0.5, **FRESH)
    relay = next(d for d in ledger.dependencies if isinstance(d, OutboxRelay))
    relay.pause()
    with toys.client() as client:
        client.ledger.record(5)
    wait_until(lambda: health(ledger)[1]["status"] == "degraded", timeout=10, message="outbox too old")
    body = health(ledger)[1]
    assert body["failing"] == ["outbox"] and body["checks"]["outbox"].startswith("1 unsent, the oldest ")
    assert value(ledger, "haven_health_check_up", check="outbox") == 0
    assert value(ledger, "haven_outbox_backlog") == 1
    relay.resume()
    wait_until(lambda: health(ledger)[1]["status"] == "ok", timeout=10, message="published, ok again")


def test_the_oldest_unprocessed_event_is_measured_while_it_waits_and_is_0_once_applied(toys):
    gate = eventlet.event.Event()
    toys.BEHAVIOUR[21] = {"wait_for": gate}
    tally = toys.start(toys.Tally, **FRESH)
    assert value(tally, "haven_queue_oldest_message_age_seconds", queue=QUEUE, kind="consumer") == 0
    held = envelope(toys, 21, age_seconds=120)
    publish_event(toys.amqp_uri, toys.catalogue, "ledger", "entry_recorded", None, envelope=held)
    for amount in (22, 23):
        publish_event(toys.amqp_uri, toys.catalogue, "ledger", "entry_recorded", None,
                      envelope=envelope(toys, amount, age_seconds=5))
    wait_until(lambda: (value(tally, "haven_queue_oldest_message_age_seconds", queue=QUEUE, kind="consumer")
                        or 0) >= 120, message="the held event's age")
    assert value(tally, "haven_queue_messages", queue=QUEUE, kind="consumer") == 0, "prefetched: held here"
    gate.send(True)
    wait_until(lambda: len(toys.rows("tally", toys.Applied)) == 3, message="all three applied")
    wait_until(lambda: value(tally, "haven_queue_oldest_message_age_seconds", queue=QUEUE, kind="consumer") == 0,
               message="nothing unprocessed")


def test_metrics_carry_the_process_and_the_build(toys, monkeypatch):
    monkeypatch.setenv("HAVEN_REVISION", "0123456789ab")
    ledger = toys.start(toys.Ledger)
    found = samples(ledger)
    for name in ("process_start_time_seconds", "process_resident_memory_bytes", "process_cpu_seconds_total",
                 "process_open_fds"):
        assert found[(name, frozenset())] > 0, name
    from haven_kernel import __version__
    assert found[("haven_build_info", frozenset({"version": __version__, "revision": "0123456789ab"}.items()))] == 1


def test_a_partner_validation_error_is_logged_at_info_with_field_names_and_no_value(toys, caplog):
    toys.start(toys.Ledger)
    caplog.set_level(logging.DEBUG)
    with toys.client() as client, pytest.raises(ValidationError) as refused:
        client.ledger.record_checked({"amount": "secret-4711"})
    assert set(refused.value.errors) == {"entry.amount"}
    wait_until(lambda: [r for r in caplog.records if getattr(r, "error_type", None) == "ValidationError"],
               message="the refusal logged")
    [record] = [r for r in caplog.records if getattr(r, "error_type", None) == "ValidationError"]
    assert record.levelno == logging.INFO and record.exc_info is None
    assert record.method == "record_checked" and record.fields == ["entry.amount"]
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "info" and "stack" not in line and line["fields"] == ["entry.amount"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("nameko")]
    assert "secret-4711" not in caplog.text


def test_without_haven_revision_git_says_and_every_extension_counts_into_the_one_registry(toys, monkeypatch):
    """Asking git runs a subprocess, which yields to the other extensions nameko sets up in parallel: they must all
    find the same registry (they once made their own, and the relay's and handlers' counters vanished)."""
    import subprocess
    from pathlib import Path
    from haven_kernel import metrics
    monkeypatch.delenv("HAVEN_REVISION", raising=False)
    metrics._git_head.cache_clear()
    ledger, tally = toys.start(toys.Ledger), toys.start(toys.Tally)
    with toys.client() as client:
        client.ledger.record(3)
    wait_until(lambda: value(ledger, "haven_events_published_total", event_type="entry_recorded") == 1,
               message="the relay's counter on /metrics")
    wait_until(lambda: value(tally, "haven_events_consumed_total", source="ledger", event_type="entry_recorded",
                             outcome="processed") == 1, message="the handler's counter on /metrics")
    revision = subprocess.run(["git", "-C", str(Path(__file__).parent), "rev-parse", "--short=12", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
    from haven_kernel import __version__
    assert value(ledger, "haven_build_info", version=__version__, revision=revision) == 1


class Checked(HavenService):
    """An HTTP route that refuses a partner's input, as the RPC method above does."""

    name = "checked"

    @http("GET", "/amounts/<amount>", scope="ledger:read")
    def amount(self, request, amount):
        raise ValidationError({"amount": ["Must be a whole number."]})


def test_a_partner_validation_error_on_an_http_route_is_logged_at_info_too(toys, caplog):
    import requests
    from haven_kernel.testing import make_token
    Checked.catalogue = toys.catalogue
    container = toys.start(Checked)
    caplog.set_level(logging.DEBUG)
    answer = requests.get(f"http://{container.config['WEB_SERVER_ADDRESS']}/amounts/secret-4712", timeout=10,
                          headers={"Authorization": f"Bearer {make_token('ledger:read')}"})
    assert answer.status_code == 400 and answer.json()["errors"] == {"amount": ["Must be a whole number."]}
    wait_until(lambda: [r for r in caplog.records if getattr(r, "fields", None)], message="the refusal logged")
    [record] = [r for r in caplog.records if getattr(r, "fields", None)]
    assert record.levelno == logging.INFO and record.exc_info is None and record.fields == ["amount"]
    assert record.route == "GET /amounts/<amount>" and record.getMessage() == "http refused: invalid input"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("nameko")]
    refusals = [r for r in caplog.records if r.name in ("nameko.containers", "haven_kernel.web.entrypoint")]
    assert "secret-4712" not in "".join(JsonFormatter().format(r) for r in refusals)  # (the access log has the URL)
