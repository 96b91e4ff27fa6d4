"""Applying events: every event a service's handlers receive is applied by the kernel's own entrypoint,
:class:`EventApplier` (the service method ``apply_events`` that ``HavenService`` gives every service), in batches.

One worker applies one batch, of one event or many, in one transaction: the inbox rows of the whole batch claimed
in one statement, the service's ``prepare_event_batch(events)`` called with the new events, each event handed to
its handler method (``self.db`` then works under that event's context), and one commit, after which each delivery
is acknowledged. While a batch is being applied the deliveries that arrive wait; the next batch takes up to
``EVENT_BATCH_SIZE`` of them (default 100), in arrival order, whatever their handler. If a batch of several fails
it is rolled back and its events are applied again one by one, so a retry or a dead letter concerns the failing
event alone.

A batch starts as soon as the worker is free, unless the service sets ``EVENT_BATCH_WAIT_SECONDS``: then the first
event waiting may wait that long for others to join its batch (a full batch starts at once). For a consumer that only
counts (health's denominators), where a fraction of a second does not matter, this trades that much delay for fewer
transactions: each batch costs its worker, its inbox statement and its commit whatever its size, and a steady flow
of a few dozen events a second otherwise comes in batches of one or two. When the service stops, waiting events are
applied at once.

A failure of the infrastructure (the database unreachable, a connection lost, a lock timeout: see
:func:`haven_kernel.db.faults.is_transient`) is not the events' fault: the consumer **pauses** instead of spending
their attempts. The failed deliveries go back to the front of the waiting line, unacknowledged, new ones queue
behind them (up to the prefetch count; the rest stay in the broker), and the database is probed with a growing
delay (``HAVEN_PAUSE_PROBE_SECONDS``, default 0.5 doubling to 5 s) for as long as it takes; when it answers, the
consumer resumes with the same events, in the order they came. An event that keeps failing that way while the
database answers the probe at once (``HAVEN_TRANSIENT_ATTEMPTS``, default 10) is then treated as failing on its own
(retries, dead letters). ``/health`` shows a paused consumer (:meth:`EventBatcher.pause_state`).
"""
import logging
import time
from collections import deque
from functools import partial

import eventlet
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import Entrypoint, SharedExtension

from ..clock import utcnow
from ..db import Database
from ..db.faults import is_transient
from ..logs import set_correlation_id

log = logging.getLogger(__name__)

DEFAULT_EVENT_BATCH_SIZE = 100
DUPLICATE = object()  # the outcome of an event its handler had applied before (skipped)


def event_batch_size(config):
    return max(1, int(config.get("EVENT_BATCH_SIZE") or DEFAULT_EVENT_BATCH_SIZE))


def event_batch_wait(config):
    """``EVENT_BATCH_WAIT_SECONDS``: how long a waiting event may wait for others to join its batch (default 0)."""
    seconds = float(config.get("EVENT_BATCH_WAIT_SECONDS") or 0)
    if not 0 <= seconds <= 10:
        raise ValueError(f"EVENT_BATCH_WAIT_SECONDS must be between 0 and 10 seconds, not {seconds}")
    return seconds


class Delivery:
    """One event received by one handler, with what settling it needs."""

    __slots__ = ("handler", "event", "body", "message", "attempt", "context_data", "held", "arrived")

    def __init__(self, handler, event, body, message, attempt, context_data):
        self.handler, self.event, self.body, self.message = handler, event, body, message
        self.attempt, self.context_data = attempt, context_data
        self.held = 0  # transient failures while the database answered (see the module's docstring)
        self.arrived = time.monotonic()


class EventBatch:
    """What an ``apply_events`` worker receives: deliveries, in arrival order."""

    def __init__(self, deliveries):
        self.deliveries = deliveries


def apply_batch(service, batch):
    """The body of an ``apply_events`` worker: every event with its inbox row, in one transaction, committed once.
    Returns each delivery's outcome (its handler's result, or DUPLICATE)."""
    unit = service.db
    deliveries = batch.deliveries
    keys = [(delivery.event.event_id, delivery.handler.inbox_name) for delivery in deliveries]
    try:
        claimed = unit.claim(keys)
        fresh = []
        for key, delivery in zip(keys, deliveries):
            if key in claimed:
                claimed.discard(key)  # a second delivery of the same event in this batch is a duplicate
                fresh.append(delivery)
        if fresh:
            service.prepare_event_batch([delivery.event for delivery in fresh])
        fresh = set(map(id, fresh))
        outcomes = []
        for delivery in deliveries:
            if id(delivery) not in fresh:
                outcomes.append(DUPLICATE)
                continue
            event = delivery.event
            set_correlation_id(event.correlation_id)
            unit.use_context(delivery.context_data)
            outcomes.append(getattr(service, delivery.handler.method_name)(event))
        unit.commit()
    except BaseException:
        unit.rollback()
        raise
    return outcomes


class EventBatcher(SharedExtension):
    """One per service container: where the handlers' deliveries wait, and what hands them to ``apply_events``
    workers, one batch at a time."""

    def __init__(self):
        super().__init__()
        self.applier = None  # registered at set-up, in whatever order the container sets extensions up
        self.handlers = {}

    def setup(self):
        config = self.container.config
        self.size = event_batch_size(config)
        self.wait = event_batch_wait(config)
        self.wait_timer = None    # the wake-up of a batch waiting for more events (EVENT_BATCH_WAIT_SECONDS)
        self.stopping = False     # the service is stopping: what waits is applied at once
        self._enabled = None
        self.waiting = deque()
        self.singly = 0       # how many deliveries at the front of ``waiting`` to apply one at a time
        self.busy = False
        self.paused_since = None  # when the consumer paused for the database (None while it runs)
        self.pause_error = None
        self.probe_delays = _probe_delays(config.get("HAVEN_PAUSE_PROBE_SECONDS"))
        self.transient_attempts = int(config.get("HAVEN_TRANSIENT_ATTEMPTS") or 10)
        # What this process holds of each queue, for the queue monitor (haven_kernel.messaging.monitor): deliveries
        # received and not yet settled, and the newest event received from each queue.
        self.in_flight = {}       # id(delivery) -> (queue name, occurred_at)
        self.last_received = {}   # queue name -> occurred_at of the newest event received

    def pause_state(self):
        """None while the consumer runs; while it is paused, what ``/health`` says of it."""
        if self.paused_since is None:
            return None
        return {"since": self.paused_since.isoformat(), "error_type": self.pause_error, "held": len(self.waiting)}

    def oldest_in_flight(self, queue_name):
        """``occurred_at`` of the oldest event received from ``queue_name`` and not yet settled, or None."""
        times = [occurred for queue, occurred in list(self.in_flight.values()) if queue == queue_name]
        return min(times) if times else None

    def _hold(self, delivery):
        queue, occurred = delivery.handler.queue_name, delivery.event.occurred_at
        self.in_flight[id(delivery)] = (queue, occurred)
        if queue not in self.last_received or occurred > self.last_received[queue]:
            self.last_received[queue] = occurred

    def _release(self, deliveries):
        for delivery in deliveries:
            self.in_flight.pop(id(delivery), None)

    def register(self, handler):
        """A Haven event handler of this service, at its setup."""
        self.handlers[handler.method_name] = handler

    def register_applier(self, applier):
        self.applier = applier

    @property
    def enabled(self):
        """Batches need the service's database to claim inbox rows in one statement (PostgreSQL, SQLite)."""
        if self._enabled is None:
            url = Database.of(self.container).url or ""
            self._enabled = self.size > 1 and url.startswith(("postgresql", "sqlite"))
        return self._enabled

    def add(self, delivery):
        self._hold(delivery)
        if not self.enabled:  # each event in a worker of its own, side by side
            self._spawn([delivery], singly=False)
            return
        self.waiting.append(delivery)
        if not self.busy:
            self._next()

    def _next(self):
        if self.paused_since is not None or not self.waiting:
            self.busy = False
            return
        if self.wait and not self.singly and not self.stopping and len(self.waiting) < self.size:
            remaining = self.wait - (time.monotonic() - self.waiting[0].arrived)
            if remaining > 0:  # room for more: wake up when the first waiting event has waited its time
                self.busy = False
                if self.wait_timer is None:
                    self.wait_timer = eventlet.spawn_after(remaining, self._waited)
                return
        self.busy = True
        singly = self.singly > 0
        take = 1 if singly else min(self.size, len(self.waiting))
        if singly:
            self.singly -= 1
        self._spawn([self.waiting.popleft() for _ in range(take)], singly=singly)

    def _waited(self):
        self.wait_timer = None
        if not self.busy:
            self._next()

    def _cancel_wait(self):
        if self.wait_timer is not None:
            self.wait_timer.cancel()
            self.wait_timer = None

    def flush(self):
        """The service is stopping: apply what waits now, and every batch from now on without waiting."""
        self.stopping = True
        self._cancel_wait()
        if not self.busy and self.enabled:
            self._next()

    def stop(self):
        self._cancel_wait()

    def kill(self):
        self._cancel_wait()

    def _spawn(self, deliveries, singly):
        """Apply ``deliveries`` in a worker of their own; the next batch follows once they are settled."""
        if self.applier is None:
            raise RuntimeError(f"{self.container.service_name} has event handlers but no apply_events entrypoint: "
                               "a Haven service is a HavenService")
        started = time.perf_counter()
        try:
            self.container.spawn_worker(self.applier, (EventBatch(deliveries),), {},
                                        context_data=deliveries[0].context_data,
                                        handle_result=partial(self._settle, deliveries, started, singly))
        except ContainerBeingKilled:
            for delivery in deliveries + (list(self.waiting) if self.enabled else []):
                delivery.handler.queue_consumer.requeue_message(delivery.message)
                self._release([delivery])
            self.waiting.clear()
            self.singly = 0
            self.busy = False

    def _settle(self, deliveries, started, singly, worker_ctx, result, exc_info):
        elapsed = time.perf_counter() - started
        batched = self.enabled
        if exc_info is None:
            for delivery, outcome in zip(deliveries, result):
                delivery.handler.applied(delivery, outcome, elapsed)
            self._release(deliveries)
        elif batched and is_transient(exc_info[1]) and all(d.held < self.transient_attempts for d in deliveries):
            # Not the events' fault: keep them, in order, unacknowledged, and wait for the database.
            self.waiting.extendleft(reversed(deliveries))
            if singly:
                self.singly += 1
            self._pause(exc_info[1], deliveries)
        elif len(deliveries) == 1:
            deliveries[0].handler.failed(deliveries[0], exc_info[1], elapsed)
            self._release(deliveries)
        else:
            # Nothing of the batch was committed: apply its events one at a time, each settling on its own.
            log.info("event batch rolled back; applying its %d events one by one", len(deliveries),
                     extra={"error_type": exc_info[0].__name__})
            self.waiting.extendleft(reversed(deliveries))
            self.singly += len(deliveries)
        if batched:
            self._next()
        return result, exc_info

    # -- pausing while the database is away ------------------------------------------------------------------------
    def _pause(self, error, deliveries):
        self.paused_since = utcnow()
        self.pause_error = type(error).__name__
        log.warning("database unavailable: consumer paused, %d events held", len(self.waiting),
                    extra={"error_type": self.pause_error})
        self.container.spawn_managed_thread(partial(self._probe, deliveries))

    def _probe(self, deliveries):
        """Until the database answers: wait, probe. Then resume with the held events, in order."""
        database = Database.of(self.container)
        answered_at_once = True
        for delay in _forever(self.probe_delays):
            eventlet.sleep(delay)
            try:
                database.ping(timeout=max(2.0, delay))
                break
            except Exception as exc:
                answered_at_once = False
                self.pause_error = type(exc).__name__
        if answered_at_once:  # the database is there: the failure may be the events' own, so count it
            for delivery in deliveries:
                delivery.held += 1
        log.info("database answers again: consumer resumed after %.1f s, %d events held",
                 (utcnow() - self.paused_since).total_seconds(), len(self.waiting))
        self.paused_since = None
        self.pause_error = None
        if not self.busy:
            self._next()


def _probe_delays(text):
    """``HAVEN_PAUSE_PROBE_SECONDS``: the first delay between probes, doubling up to 5 s (or the first, if more)."""
    delay = float(text or 0.5)
    delays = [delay]
    while delay * 2 < 5.0:
        delay *= 2
        delays.append(delay)
    return delays + [max(5.0, delays[0])]


def _forever(delays):
    yield from delays
    while True:
        yield delays[-1]


class EventApplier(Entrypoint):
    """The kernel's entrypoint that applies a service's events: a worker of its own for each batch.
    ``HavenService`` gives every service one, as the method ``apply_events``."""

    batcher = EventBatcher()

    def setup(self):
        self.batcher.register_applier(self)
