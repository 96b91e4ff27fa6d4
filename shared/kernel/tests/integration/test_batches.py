"""Events waiting in a queue are applied in batches (one transaction, one commit); a failure in a batch rolls the
whole batch back and its events are applied one by one, so effects stay exactly once and only the failing event is
retried."""
import time
import uuid

import eventlet
from kombu import Connection

from haven_kernel.messaging import consumer_queue, consumer_queue_name
from haven_kernel.testing import publish_event, queue_depth, wait_until

QUEUE = consumer_queue_name("tally", "ledger", "entry_recorded")


def envelope(toys, amount, event_id=None):
    return toys.catalogue.envelope("ledger", "entry_recorded", {"entry_id": str(uuid.uuid4()), "amount": amount},
                                  event_id=event_id)


def publish(toys, body):
    with Connection(toys.amqp_uri) as connection:  # tally's queue, as the toy ledger's relay would declare it
        consumer_queue("tally", "ledger", "entry_recorded")(connection.channel()).declare()
    publish_event(toys.amqp_uri, toys.catalogue, "ledger", "entry_recorded", None, envelope=body)


def test_waiting_events_are_applied_once_each_in_order_with_duplicates_skipped(toys):
    bodies = [envelope(toys, amount) for amount in range(100, 140)]
    for body in bodies[:20] + [bodies[5], bodies[6]] + bodies[20:]:  # two duplicates among them
        publish(toys, body)
    assert queue_depth(toys.amqp_uri, QUEUE) == 42, "all waiting before tally starts"
    tally = toys.start(toys.Tally)
    wait_until(lambda: len(toys.rows("tally", toys.Applied)) == 40 and queue_depth(toys.amqp_uri, QUEUE) == 0,
               message="every event applied and acknowledged")
    wait_until(lambda: tally._haven_metrics.events_consumed.labels("ledger", "entry_recorded", "duplicate")
               ._value.get() == 2, message="duplicates counted")
    rows = toys.rows("tally", toys.Applied)
    assert [row.amount for row in sorted(rows, key=lambda r: r.id)] == list(range(100, 140)), "in order"
    assert all(toys.ATTEMPTS[amount] == 1 for amount in range(100, 140)), "no batch was rolled back"
    metrics = tally._haven_metrics
    assert metrics.events_consumed.labels("ledger", "entry_recorded", "processed")._value.get() == 40
    batches = toys.rows("tally", toys.Batch)
    assert sum(b.events for b in batches) == 40 and sum(b.total for b in batches) == sum(range(100, 140)), \
        "what the handlers gathered in memory was written once per transaction, for every event"
    assert all(b.prepared == b.events for b in batches), "the service saw each batch (duplicates left out) first"
    assert len(batches) < 40, "events were applied in batches, one before-commit write each"


def test_a_failure_in_a_batch_leaves_the_others_applied_once_and_retries_only_it(toys):
    toys.BEHAVIOUR[215] = {"fail_times": 2}
    bodies = [envelope(toys, amount) for amount in range(200, 230)]
    for body in bodies:
        publish(toys, body)
    tally = toys.start(toys.Tally, HAVEN_RETRY_DELAYS="0.2,0.4,0.8")
    wait_until(lambda: len(toys.rows("tally", toys.Applied)) == 30 and queue_depth(toys.amqp_uri, QUEUE) == 0,
               timeout=30, message="every event applied, the failing one after its retries")
    assert sorted(row.amount for row in toys.rows("tally", toys.Applied)) == list(range(200, 230)), "once each"
    assert toys.ATTEMPTS[215] == 3, "failed in the batch, failed alone, then applied on its retry"
    assert any(toys.ATTEMPTS[a] == 2 for a in range(201, 230) if a != 215), \
        "the batch it failed in was rolled back and its other events applied again, one by one"
    metrics = tally._haven_metrics
    assert metrics.events_retried.labels("ledger", "entry_recorded")._value.get() == 1
    batches = toys.rows("tally", toys.Batch)
    assert sum(b.events for b in batches) == 30 and sum(b.total for b in batches) == sum(range(200, 230)), \
        "a rolled-back batch left nothing gathered behind: each amount counted once"
    assert metrics.events_consumed.labels("ledger", "entry_recorded", "processed")._value.get() == 30


def test_a_database_failure_pauses_the_consumer_and_spends_no_attempt(toys):
    """Issue 11, finding 3: an event failing because the database is away is held, in order, and applied when the
    database answers again: no retry queue, no dead letter, whatever the number of failures."""
    toys.BEHAVIOUR[41] = {"database_away_times": 6}
    tally = toys.start(toys.Tally, HAVEN_RETRY_DELAYS="0.1,0.1", HAVEN_PAUSE_PROBE_SECONDS="0.05",
                       HAVEN_TRANSIENT_ATTEMPTS="20")
    for amount in (40, 41, 42):
        publish_event(toys.amqp_uri, toys.catalogue, "ledger", "entry_recorded", None,
                      envelope=toys.catalogue.envelope("ledger", "entry_recorded",
                                                       {"entry_id": str(uuid.uuid4()), "amount": amount}))
    wait_until(lambda: len(toys.rows("tally", toys.Applied)) == 3, timeout=30, message="all three applied")
    assert toys.ATTEMPTS[41] == 7, "six failures while the database was away, then applied"
    metrics = tally._haven_metrics
    assert metrics.events_retried.labels("ledger", "entry_recorded")._value.get() == 0
    assert queue_depth(toys.amqp_uri, "haven.tally.dead-letters") == 0


def test_an_event_failing_transiently_while_the_database_answers_goes_to_retries_in_the_end(toys):
    toys.BEHAVIOUR[43] = {"database_away_times": 100}
    toys.start(toys.Tally, HAVEN_RETRY_DELAYS="0.1", HAVEN_PAUSE_PROBE_SECONDS="0.05", HAVEN_TRANSIENT_ATTEMPTS="3")
    publish_event(toys.amqp_uri, toys.catalogue, "ledger", "entry_recorded", None,
                  envelope=toys.catalogue.envelope("ledger", "entry_recorded",
                                                   {"entry_id": str(uuid.uuid4()), "amount": 43}))
    wait_until(lambda: queue_depth(toys.amqp_uri, "haven.tally.dead-letters") == 1, timeout=30,
               message="dead-lettered once its transient attempts and its retries are spent")


def test_with_a_batch_wait_a_trickle_of_events_is_applied_in_few_transactions(toys):
    """EVENT_BATCH_WAIT_SECONDS: events arriving one by one, 0.1 s apart, wait for each other and are applied
    together (without the wait each would be a batch of its own: applying one takes far less than 0.1 s)."""
    toys.start(toys.Tally, EVENT_BATCH_WAIT_SECONDS="3")
    for amount in range(300, 306):
        publish(toys, envelope(toys, amount))
        eventlet.sleep(0.1)
    wait_until(lambda: len(toys.rows("tally", toys.Applied)) == 6 and queue_depth(toys.amqp_uri, QUEUE) == 0,
               timeout=20, message="every event applied, after the wait")
    batches = toys.rows("tally", toys.Batch)
    assert sum(b.events for b in batches) == 6 and sum(b.total for b in batches) == sum(range(300, 306))
    assert len(batches) <= 2, f"six events 0.1 s apart waited for each other: {[b.events for b in batches]}"


def test_events_waiting_for_their_batch_are_applied_when_the_service_stops(toys):
    """A service stopping (a deploy) does not leave the events waiting for a fuller batch to the broker's
    redelivery: they are applied and acknowledged before the consumer goes, long before the wait would end."""
    tally = toys.start(toys.Tally, EVENT_BATCH_WAIT_SECONDS="10")
    for amount in (400, 401, 402):
        publish(toys, envelope(toys, amount))
    batcher = next(ext for ext in tally.subextensions if type(ext).__name__ == "EventBatcher")
    wait_until(lambda: len(batcher.waiting) == 3, timeout=10, message="the three events wait in the batcher")
    assert toys.rows("tally", toys.Applied) == [], "nothing applied while they wait"
    started = time.monotonic()
    tally.stop()
    assert time.monotonic() - started < 5, "the stop did not sit out the 10 s wait"
    assert sorted(row.amount for row in toys.rows("tally", toys.Applied)) == [400, 401, 402]
    assert queue_depth(toys.amqp_uri, QUEUE) == 0, "acknowledged: nothing left for the broker to hand out again"
