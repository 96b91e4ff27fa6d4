"""What the broker says about a service's own queues, for ``/metrics`` and ``/health``: how many events wait in each
consumer, retry and dead-letter queue, how many consumers each has, and how old the oldest unprocessed event is.

**Depth and consumers** come from a passive ``queue.declare`` per queue on one connection the monitor keeps: it
needs no permission beyond the service's own broker account (the management API would need a management tag and
shows every queue of the virtual host), and it costs one round trip per queue. A scrape reuses the figures for
``HAVEN_QUEUE_STATS_SECONDS`` (default 5 s), so Prometheus, a readiness probe and ``/health`` called together cost
one pass; reporting has 57 queues with the default three retry delays (14 consumer, 42 retry, 1 dead-letter),
and a pass over 43 of them took 14 ms on a loaded 2-core machine (about 0.3 ms a queue). The broker counts the messages
*ready* (waiting for a consumer); messages delivered and not yet acknowledged are not in that count.

**The age of the oldest unprocessed event** (consumer queues only) cannot be read from the broker without taking
the head message and putting it back, which counts as a delivery (a quorum queue's delivery limit would
dead-letter an event after enough scrapes) and reorders it: so it is derived from what this process knows.

- Events this process has received from the queue and not yet settled (prefetched, waiting for a batch, being
  applied): the oldest one's age, from its ``occurred_at``. A FIFO queue hands out its oldest events first, so
  while this process holds any, they are older than anything still in the queue.
- Otherwise, when the broker has events ready (this process's consumer is not taking them): an upper bound of the
  head's age that is tight in practice, the time since the more recent of (a) the last time this monitor saw the
  queue empty and (b) the ``occurred_at`` of the newest event received from it, since the head arrived after both.
  The bound is off by at most one refresh interval when the consumer stopped with the queue empty.
- Otherwise 0 (empty queue, nothing held), or, when neither time is known yet, the time since this process first
  saw the queue non-empty (a lower bound).

Several replicas each report their own view; ``max by (service, queue)`` is the answer (what the alert rules use).
"""
import logging
import time
from dataclasses import dataclass, field

import eventlet
from amqp.exceptions import NotFound
from kombu import Connection
from nameko.extensions import DependencyProvider

from ..clock import utcnow
from ..events import dead_letter_queue_name
from .batching import EventBatcher
from .topology import retry_queue_name

log = logging.getLogger(__name__)

CONSUMER, RETRY, DEAD_LETTER = "consumer", "retry", "dead_letter"
DEFAULT_CACHE_SECONDS = 5.0
DEFAULT_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class QueueStat:
    name: str
    kind: str                  # consumer, retry or dead_letter
    messages: int              # ready in the broker
    consumers: int
    # Seconds: consumer queues, the oldest unprocessed event (see above); retry queues, how long the queue has not
    # been seen empty (events wait there by design, up to its delay); None for the dead-letter queue.
    oldest_age: float = None


@dataclass
class Snapshot:
    """One pass over the service's queues: ``error`` is the broker's failure (type name) when it could not be read."""
    taken_at: float                       # time.monotonic()
    error: str = None
    queues: list = field(default_factory=list)

    @property
    def broker_up(self):
        return self.error is None

    def of_kind(self, kind):
        return [q for q in self.queues if q.kind == kind]


def _seconds(value, default):
    return default if value is None or value == "" else float(value)


class QueueMonitor(DependencyProvider):
    """``self.queues`` of every ``HavenService``: ``snapshot()`` (cached), ``unprocessed_age()``."""

    batcher = EventBatcher()

    def setup(self):
        config = self.container.config
        self.amqp_uri = config["AMQP_URI"]
        self.cache_seconds = _seconds(config.get("HAVEN_QUEUE_STATS_SECONDS"), DEFAULT_CACHE_SECONDS)
        self.timeout = _seconds(config.get("HAVEN_BROKER_CHECK_TIMEOUT_SECONDS"), DEFAULT_TIMEOUT_SECONDS)
        self._lock = eventlet.semaphore.Semaphore()
        self._connection = None
        self._snapshot = None
        self._last_empty = {}      # queue -> wall-clock time it was last seen empty with nothing held here
        self._first_waiting = {}   # queue -> wall-clock time it was first seen non-empty with nothing held here

    def stop(self):
        self._close()

    def kill(self):
        self._close()

    def get_dependency(self, worker_ctx):
        return self

    # -- what the service's queues are --------------------------------------------------------------------------
    def queues(self):
        """``[(name, kind)]``: each handler's queue and retry queues, and the dead-letter queue (when the service
        consumes events at all)."""
        found = []
        handlers = sorted(self.batcher.handlers.values(), key=lambda h: h.queue_name)
        for handler in handlers:
            found.append((handler.queue_name, CONSUMER))
        for handler in handlers:
            found += [(retry_queue_name(handler.queue_name, delay), RETRY) for delay in handler.delays]
        if handlers:
            found.append((dead_letter_queue_name(self.container.service_name), DEAD_LETTER))
        return found

    # -- reading the broker -------------------------------------------------------------------------------------
    def snapshot(self, max_age=None):
        """The figures of every queue, at most ``max_age`` (default ``HAVEN_QUEUE_STATS_SECONDS``) seconds old."""
        max_age = self.cache_seconds if max_age is None else max_age
        with self._lock:
            current = self._snapshot
            if current is None or time.monotonic() - current.taken_at > max_age:
                current = self._snapshot = self._read()
            return current

    def _read(self):
        started = time.monotonic()
        try:
            with eventlet.Timeout(self.timeout):
                counts = self._declare_all()
        except BaseException as exc:  # eventlet.Timeout is a BaseException
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            self._close()
            return Snapshot(taken_at=started, error=type(exc).__name__)
        now = utcnow()
        stats = []
        for (name, kind), (messages, consumers) in counts.items():
            oldest = self._oldest_age(name, messages, now, kind) if kind != DEAD_LETTER else None
            stats.append(QueueStat(name, kind, messages, consumers, oldest))
        return Snapshot(taken_at=started, queues=stats)

    def _declare_all(self):
        if self._connection is None:
            connection = Connection(self.amqp_uri, connect_timeout=self.timeout, heartbeat=0)
            connection.ensure_connection(max_retries=1)
            self._connection = connection
        channel = self._connection.channel()  # a round trip: the broker answers even when there is no queue
        counts = {}
        try:
            for name, kind in self.queues():
                try:
                    _, messages, consumers = channel.queue_declare(queue=name, passive=True)
                except NotFound:  # not declared yet (its handler has not started): nothing to report
                    channel = self._connection.channel()  # the broker closed the channel
                    continue
                counts[(name, kind)] = (messages, consumers)
        finally:
            try:
                channel.close()
            except Exception:
                pass
        return counts

    def _oldest_age(self, name, ready, now, kind):
        held = self.batcher.oldest_in_flight(name) if kind == CONSUMER else None
        if held is not None:
            self._first_waiting.pop(name, None)
            return max(0.0, (now - held).total_seconds())
        if ready == 0:
            self._last_empty[name] = now
            self._first_waiting.pop(name, None)
            return 0.0
        received = self.batcher.last_received.get(name) if kind == CONSUMER else None
        known = [t for t in (self._last_empty.get(name), received) if t is not None]
        since = max(known) if known else self._first_waiting.setdefault(name, now)
        return max(0.0, (now - since).total_seconds())

    def _close(self):
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.release()
            except Exception:
                pass

    # -- derived figures ----------------------------------------------------------------------------------------
    def unprocessed_age(self, snapshot=None):
        """Seconds the oldest event this service was sent and has not applied has waited: 0 when its consumer and
        retry queues are empty and it holds no event; None when the broker cannot be read. Dead letters do not
        count (they wait for an operator, and have an alert of their own)."""
        snapshot = snapshot or self.snapshot()
        if not snapshot.broker_up:
            return None
        return max((q.oldest_age or 0.0 for q in snapshot.queues if q.kind in (CONSUMER, RETRY)), default=0.0)
