"""The age of the oldest unprocessed event in a consumer queue, as the queue monitor derives it (see
haven_kernel.messaging.monitor): exact while this process holds events, a bound when the broker holds them."""
from datetime import datetime, timedelta, timezone

from haven_kernel.messaging.monitor import CONSUMER, DEAD_LETTER, RETRY, QueueMonitor, QueueStat, Snapshot

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
Q = "haven.tally.ledger.entry_recorded"


class Batcher:
    def __init__(self):
        self.held = {}
        self.last_received = {}

    def oldest_in_flight(self, queue):
        return self.held.get(queue)


def monitor():
    m = QueueMonitor()
    m.batcher = Batcher()  # the shared extension, bound to nothing here
    m._last_empty, m._first_waiting = {}, {}
    return m


def at(seconds):
    return T0 + timedelta(seconds=seconds)


def test_an_event_held_by_this_process_gives_the_exact_age_whatever_the_broker_says():
    m = monitor()
    m.batcher.held[Q] = at(0)
    assert m._oldest_age(Q, 0, at(42), CONSUMER) == 42
    assert m._oldest_age(Q, 500, at(42), CONSUMER) == 42, "FIFO: what waits in the broker is younger"


def test_an_empty_queue_is_0_and_bounds_the_next_wait():
    m = monitor()
    assert m._oldest_age(Q, 0, at(0), CONSUMER) == 0
    # the consumer stopped; events arrived after the queue was last seen empty
    assert m._oldest_age(Q, 3, at(30), CONSUMER) == 30
    m.batcher.last_received[Q] = at(-100)  # received before: the more recent bound wins
    assert m._oldest_age(Q, 3, at(30), CONSUMER) == 30


def test_a_consumer_that_stopped_with_a_backlog_is_bounded_by_the_last_event_it_received():
    m = monitor()
    m.batcher.last_received[Q] = at(10)
    assert m._oldest_age(Q, 250, at(70), CONSUMER) == 60


def test_a_queue_never_seen_empty_nor_received_from_counts_from_when_it_was_first_seen_waiting():
    m = monitor()
    assert m._oldest_age(Q, 5, at(0), CONSUMER) == 0
    assert m._oldest_age(Q, 5, at(20), CONSUMER) == 20
    assert m._oldest_age(Q, 0, at(25), CONSUMER) == 0
    assert m._oldest_age(Q, 1, at(27), CONSUMER) == 2, "from the last time it was seen empty"


def test_unprocessed_age_counts_consumer_and_retry_queues_not_dead_letters():
    m = monitor()
    idle = Snapshot(taken_at=0, queues=[QueueStat(Q, CONSUMER, 0, 1, 0.0),
                                        QueueStat(Q + ".retry-1000ms", RETRY, 0, 0, 0.0),
                                        QueueStat("haven.tally.dead-letters", DEAD_LETTER, 4, 0, None)])
    assert m.unprocessed_age(idle) == 0
    busy = Snapshot(taken_at=0, queues=[QueueStat(Q, CONSUMER, 2, 1, 7.5),
                                        QueueStat(Q + ".retry-1000ms", RETRY, 1, 0, 12.0)])
    assert m.unprocessed_age(busy) == 12.0
    assert m.unprocessed_age(Snapshot(taken_at=0, error="ConnectionRefusedError")) is None
