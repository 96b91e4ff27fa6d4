"""Inbox, retries and dead letters on the consumer side."""
import uuid

from haven_kernel.messaging import consumer_queue_name
from haven_kernel.testing import get_messages, publish_event, queue_depth, wait_until


DEAD_LETTERS = "haven.tally.dead-letters"


def envelope(toys, amount, event_id=None):
    return toys.catalogue.envelope("ledger", "entry_recorded", {"entry_id": str(uuid.uuid4()), "amount": amount},
                                  event_id=event_id)


def test_same_event_delivered_twice_has_one_effect(toys):
    toys.start(toys.Tally)
    event = envelope(toys, 4)
    publish_event(toys.amqp_uri, toys.catalogue, "ledger", "entry_recorded", None, envelope=event)
    publish_event(toys.amqp_uri, toys.catalogue, "ledger", "entry_recorded", None, envelope=event)
    publish_event(toys.amqp_uri, toys.catalogue, "ledger", "entry_recorded", None, envelope=envelope(toys, 6))
    wait_until(lambda: len(toys.rows("tally", toys.Applied)) == 2, message="two distinct events applied")
    queue = consumer_queue_name("tally", "ledger", "entry_recorded")
    wait_until(lambda: queue_depth(toys.amqp_uri, queue) == 0, message="duplicate acknowledged")
    assert sorted(row.amount for row in toys.rows("tally", toys.Applied)) == [4, 6]
    assert toys.ATTEMPTS[4] == 1, "the duplicate was skipped before the handler ran"


def test_handler_failing_twice_is_retried_then_succeeds(toys):
    toys.BEHAVIOUR[11] = {"fail_times": 2}
    toys.start(toys.Tally, HAVEN_RETRY_DELAYS="0.2,0.4,0.8")
    toys.start(toys.Ledger)
    with toys.client() as client:
        client.ledger.record(11)
    wait_until(lambda: [row.amount for row in toys.rows("tally", toys.Applied)] == [11], timeout=20,
               message="applied on the third attempt")
    assert toys.ATTEMPTS[11] == 3, "two failures, one success, and the failed attempts left nothing behind"
    assert queue_depth(toys.amqp_uri, DEAD_LETTERS) == 0


def test_handler_failing_forever_is_dead_lettered_and_consumer_keeps_consuming(toys):
    toys.BEHAVIOUR[13] = {"fail_always": True}
    tally = toys.start(toys.Tally, HAVEN_RETRY_DELAYS="0.2,0.4")
    toys.start(toys.Ledger)
    with toys.client() as client:
        doomed = client.ledger.record(13)
        fine = client.ledger.record(14)
    wait_until(lambda: queue_depth(toys.amqp_uri, DEAD_LETTERS) == 1, timeout=20, message="dead letter")
    wait_until(lambda: [row.amount for row in toys.rows("tally", toys.Applied)] == [14], message="next event applied")
    assert toys.ATTEMPTS[13] == 3, "first try plus two retries"
    [(body, headers)] = get_messages(toys.amqp_uri, DEAD_LETTERS)
    assert body["data"]["entry_id"] == doomed and body["event_type"] == "entry_recorded"
    assert headers["x-haven-error-type"] == "RuntimeError" and headers["x-haven-attempts"] == 3
    assert headers["x-haven-failed-queue"] == consumer_queue_name("tally", "ledger", "entry_recorded")
    assert headers["x-haven-error"].startswith("RuntimeError at "), "type and place, not the message"
    assert fine
    metrics = next(iter([tally]))._haven_metrics
    assert metrics.events_dead_lettered.labels("ledger", "entry_recorded")._value.get() == 1
    assert metrics.events_retried.labels("ledger", "entry_recorded")._value.get() == 2


def test_malformed_event_is_dead_lettered_at_once_and_never_applied(toys):
    toys.start(toys.Tally)
    bad = envelope(toys, 21)
    bad["data"]["amount"] = "twenty-one"
    unknown_version = envelope(toys, 22)
    unknown_version["schema_version"] = 9
    for body in (bad, unknown_version, {"not": "an envelope"}):
        publish_event(toys.amqp_uri, toys.catalogue, "ledger", "entry_recorded", None, envelope=body)
    publish_event(toys.amqp_uri, toys.catalogue, "ledger", "entry_recorded", None, envelope=envelope(toys, 23))
    wait_until(lambda: queue_depth(toys.amqp_uri, DEAD_LETTERS) == 3, message="three dead letters")
    wait_until(lambda: [row.amount for row in toys.rows("tally", toys.Applied)] == [23], message="good event applied")
    errors = sorted(h["x-haven-error"] for _, h in get_messages(toys.amqp_uri, DEAD_LETTERS))
    assert any("v9 is not in the catalogue" in e for e in errors)
    assert any("amount" in e for e in errors) and any("malformed envelope" in e for e in errors)


def test_dead_letters_can_be_replayed(toys, capsys):
    from haven_kernel.cli import main
    toys.BEHAVIOUR[31] = {"fail_times": 3}
    toys.start(toys.Tally, HAVEN_RETRY_DELAYS="0.2,0.4")
    toys.start(toys.Ledger)
    with toys.client() as client:
        client.ledger.record(31)
    wait_until(lambda: queue_depth(toys.amqp_uri, DEAD_LETTERS) == 1, timeout=20, message="dead letter")
    assert main(["dead-letters", "list", "tally", "--amqp-uri", toys.amqp_uri]) == 0
    assert '"error_type": "RuntimeError"' in capsys.readouterr().out
    assert queue_depth(toys.amqp_uri, DEAD_LETTERS) == 1, "listing keeps the dead letter"
    assert main(["dead-letters", "replay", "tally", "--amqp-uri", toys.amqp_uri]) == 0
    wait_until(lambda: [row.amount for row in toys.rows("tally", toys.Applied)] == [31], message="replayed and applied")
    assert queue_depth(toys.amqp_uri, DEAD_LETTERS) == 0
