"""The bus: the outbox relay (producer side) and the Haven event handler (consumer side: inbox, retries, dead
letters).

Topology, all derived from the catalogue:

* ``<source>.events`` — nameko's topic exchange for a service; routing key = event type.
* ``haven.<consumer>.<source>.<event_type>`` — one durable queue per consuming service and event type. The relay
  declares the queues of every consumer listed in the catalogue before it publishes, so an event published before
  its consumer first started waits in its queue.
* ``<queue>.retry-<ms>ms`` — a retry queue per delay: messages wait out the TTL there and are dead-lettered back
  to ``<queue>``.
* ``haven.<service>.dead-letters`` — what failed every retry (or could not be parsed), with the error in headers.
"""
import logging
import time
import traceback
from collections import deque
from functools import partial, wraps

import eventlet
from eventlet.queue import Empty, LightQueue
from amqp.exceptions import MessageNacked
from kombu import Connection, Exchange, Producer, Queue
from kombu.common import maybe_declare
from nameko.events import EventHandler
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import DependencyProvider, SharedExtension
from nameko.messaging import Consumer, QueueConsumer
from nameko.standalone.events import get_event_exchange
from sqlalchemy import func, select, update

from . import dialect
from .auth import Caller
from .clock import aware, utcnow
from .db import CALLER_CONTEXT_KEY, ORIGIN_ORG_CONTEXT_KEY, Database, OutboxEvent, unit_of_work_of
from .errors import EventContractError
from .events import catalogue_of, consumer_queue_name, dead_letter_queue_name, events_exchange_name
from .logs import set_correlation_id
from .metrics import metrics_for

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-haven-attempt"
ORIGIN_ORG_HEADER = "x-haven-origin-org"
DEFAULT_RETRY_DELAYS = (1.0, 5.0, 30.0)
DEFAULT_EVENT_BATCH_SIZE = 100


def events_exchange(source):
    return Exchange(events_exchange_name(source), type="topic", durable=True, delivery_mode=2)


def consumer_queue(consumer, source, event_type):
    return Queue(consumer_queue_name(consumer, source, event_type), exchange=events_exchange(source),
                 routing_key=event_type, durable=True, auto_delete=False)


def retry_queue(queue_name, delay_seconds):
    delay_ms = int(round(delay_seconds * 1000))
    return Queue(f"{queue_name}.retry-{delay_ms}ms", durable=True, queue_arguments={
        "x-message-ttl": delay_ms,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": queue_name,
    })


def dead_letter_queue(service):
    return Queue(dead_letter_queue_name(service), durable=True)


def producer_topology(source, catalogue):
    """Everything a producer declares before publishing: its exchange and every consumer's queue."""
    entities = [events_exchange(source)]
    for entry in catalogue.produced_by(source):
        for consumer in entry.consumers:
            entities.append(consumer_queue(consumer, source, entry.name))
    return entities


def retry_delays(config):
    delays = config.get("HAVEN_RETRY_DELAYS") or DEFAULT_RETRY_DELAYS
    if isinstance(delays, str):
        delays = [float(d) for d in delays.split(",") if d.strip()]
    return tuple(float(d) for d in delays)


# ------------------------------------------------------------------------------------------------------------------
# Producer side
# ------------------------------------------------------------------------------------------------------------------
class OutboxRelay(DependencyProvider):
    """Publishes a service's outbox rows in order, with publisher confirms, then marks them published.

    Runs as a managed thread of the service container. Woken right after a commit that wrote events, and polls
    anyway (``OUTBOX_POLL_SECONDS``) so rows left by a crashed process go out once it restarts. While the broker or
    the database is unreachable it backs off (up to ``OUTBOX_MAX_BACKOFF_SECONDS``) and tries again; rows wait.
    On PostgreSQL rows are claimed with ``FOR UPDATE SKIP LOCKED`` so several replicas can relay side by side.
    """

    def __init__(self, batch_size=200):
        self.batch_size = batch_size
        self._wakeup = LightQueue(maxsize=1)
        self._running = False
        self._connection = None
        self._producer = None
        self._confirms = None
        self._paused = False

    def setup(self):
        config = self.container.config
        # Where the relay publishes: the service's broker unless set apart (OUTBOX_AMQP_URI).
        self.amqp_uri = config.get("OUTBOX_AMQP_URI") or config["AMQP_URI"]
        self.poll_seconds = float(config.get("OUTBOX_POLL_SECONDS", 1.0))
        self.max_backoff = float(config.get("OUTBOX_MAX_BACKOFF_SECONDS", 30.0))
        self.confirm_timeout = float(config.get("OUTBOX_CONFIRM_TIMEOUT_SECONDS", 30.0))
        self.database = _find_dependency(self.container, Database)
        self.database.on_commit(self.wake)
        self.metrics = metrics_for(self.container)
        self.source = self.container.service_name

    def start(self):
        self._running = True
        self._thread = self.container.spawn_managed_thread(self._run, identifier="outbox_relay")

    def stop(self):
        self._running = False
        self.wake()
        thread = getattr(self, "_thread", None)
        if thread is not None:
            thread.wait()
        self._close()

    def kill(self):
        self._running = False
        self._close()

    def get_dependency(self, worker_ctx):
        return self

    # Test and operations hooks ---------------------------------------------------------------------------------
    def pause(self):
        """Stop publishing (rows keep accumulating) until ``resume()``; used to show that nothing is lost."""
        self._paused = True

    def resume(self):
        self._paused = False
        self.wake()

    def wake(self):
        try:
            self._wakeup.put_nowait(True)
        except eventlet.queue.Full:
            pass

    # -------------------------------------------------------------------------------------------------------------
    def _run(self):
        backoff = 0.0
        while self._running:
            published = 0
            if not self._paused:
                try:
                    published = self.publish_pending()
                    backoff = 0.0
                except Exception as exc:  # broker or database unreachable: wait and try again, rows stay unsent
                    self.metrics.outbox_publish_failures.inc()
                    backoff = min(self.max_backoff, max(0.2, backoff * 2 or 0.2))
                    log.warning("outbox relay could not publish, retrying in %.1fs", backoff,
                                extra={"error_type": type(exc).__name__})
                    self._close()
                    eventlet.sleep(backoff)
                    continue
            if published >= self.batch_size:
                eventlet.sleep(0)
                continue
            try:
                self._wakeup.get(timeout=self.poll_seconds)
            except Empty:
                pass

    def _ensure_producer(self):
        if self._producer is None:
            # Publisher confirms, selected on the channel by hand so that a batch is published in one go and its
            # confirms awaited once (kombu's confirm_publish would wait after every message).
            connection = Connection(self.amqp_uri, connect_timeout=5, heartbeat=0)
            connection.ensure_connection(max_retries=1)
            channel = connection.channel()
            for entity in producer_topology(self.source, self.database.catalogue):
                maybe_declare(entity, channel)
            self._confirms = _Confirms(channel)
            self._connection = connection
            self._producer = Producer(channel)
        return self._producer

    def _close(self):
        self._producer = None
        self._confirms = None
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:
                pass
            self._connection = None

    def publish_pending(self):
        """Publish one batch of unsent rows in order; returns how many were published."""
        session = self.database.session_factory()
        try:
            table = OutboxEvent.__table__  # rows as plain tuples: the relay never changes them through the ORM
            query = (select(table.c.id, table.c.event_id, table.c.event_type, table.c.envelope, table.c.origin_org)
                     .where(table.c.published_at.is_(None)).order_by(table.c.id).limit(self.batch_size))
            rows = session.execute(dialect.for_update(session, query, skip_locked=True)).all()
            if not rows:
                session.rollback()
                return 0
            producer = self._ensure_producer()
            confirms = self._confirms
            exchange = events_exchange(self.source)
            published_ids = []
            try:
                tags = []
                for row in rows:
                    headers = {"nameko.correlation_id": row.envelope.get("correlation_id")}
                    if row.origin_org:
                        headers[ORIGIN_ORG_HEADER] = row.origin_org
                    producer.publish(row.envelope, exchange=exchange, routing_key=row.event_type,
                                     serializer="json", delivery_mode=2, headers=headers, retry=False)
                    tags.append(confirms.sent())
                # Rows count as published up to the first one the broker did not confirm (order is kept: what
                # follows a refused row goes out again after it, and consumers skip the duplicates).
                confirmed = confirms.wait(tags, self._connection, timeout=self.confirm_timeout)
                published_ids = [row.id for row, _ in zip(rows, range(confirmed))]
                if confirmed < len(rows):
                    raise MessageNacked(f"the broker refused outbox event {rows[confirmed].event_id}")
            finally:
                if published_ids:
                    session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(published_ids))
                                    .values(published_at=utcnow()))
                published = set(published_ids)
                failed = [row.id for row in rows if row.id not in published]
                if failed:
                    session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(failed[:1]))
                                    .values(attempts=OutboxEvent.attempts + 1))
                session.commit()
                for row in rows:
                    if row.id in published:
                        self.metrics.events_published.labels(row.event_type).inc()
            return len(published_ids)
        finally:
            session.close()

    def backlog(self, session):
        """(unsent rows, age in seconds of the oldest unsent row)."""
        count, oldest = session.execute(
            select(func.count(OutboxEvent.id), func.min(OutboxEvent.created_at))
            .where(OutboxEvent.published_at.is_(None))).one()
        age = 0.0 if oldest is None else max(0.0, (utcnow() - aware(oldest)).total_seconds())
        return count, age


class _Confirms:
    """Publisher confirms on one channel, awaited per batch: delivery tags count the messages published since
    ``confirm.select``; the broker acks (or nacks) them, one by one or ``multiple`` up to a tag."""

    def __init__(self, channel):
        self.published = 0
        self.acked_upto = 0      # every tag <= this is acked (from a ``multiple`` ack)
        self.acked = set()       # tags acked one by one above acked_upto
        self.nacked = set()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        channel.confirm_select()

    def sent(self):
        self.published += 1
        return self.published

    def _on_ack(self, tag, multiple):
        if multiple:
            self.acked_upto = max(self.acked_upto, tag)
            self.acked = {t for t in self.acked if t > tag}
        else:
            self.acked.add(tag)

    def _on_nack(self, tag, multiple):
        if multiple:
            self.nacked.update(range(self.acked_upto + 1, tag + 1))
        else:
            self.nacked.add(tag)

    def _settled(self, tag):
        return tag <= self.acked_upto or tag in self.acked or tag in self.nacked

    def wait(self, tags, connection, timeout):
        """How many of ``tags`` (in publish order) were confirmed before the first refused one. Raises
        ``TimeoutError`` if the broker has not answered for all of them within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not all(self._settled(tag) for tag in tags):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no publisher confirm for {len(tags)} outbox events within {timeout}s")
            connection.drain_events(timeout=remaining)
        confirmed = 0
        for tag in tags:
            if tag in self.nacked:
                break
            confirmed += 1
        self.acked = {t for t in self.acked if t > tags[-1]}
        return confirmed


def _find_dependency(container, cls):
    for dependency in container.dependencies:
        if isinstance(dependency, cls):
            return dependency
    raise RuntimeError(f"{container.service_name} needs a {cls.__name__} dependency")


# ------------------------------------------------------------------------------------------------------------------
# Consumer side
# ------------------------------------------------------------------------------------------------------------------
def event_batch_size(config):
    return max(1, int(config.get("EVENT_BATCH_SIZE") or DEFAULT_EVENT_BATCH_SIZE))


class HavenQueueConsumer(QueueConsumer):
    """nameko's queue consumer, for Haven's event handlers only, with room for batches to form: each queue may have
    ``EVENT_PREFETCH_COUNT`` unacknowledged deliveries (default: the batch size, at least ``max_workers``)."""

    @property
    def prefetch_count(self):
        config = self.container.config
        return int(config.get("EVENT_PREFETCH_COUNT") or max(self.container.max_workers, event_batch_size(config)))


class _Delivery:
    __slots__ = ("handler", "event", "body", "message", "attempt", "context_data")

    def __init__(self, handler, event, body, message, attempt, context_data):
        self.handler, self.event, self.body, self.message = handler, event, body, message
        self.attempt, self.context_data = attempt, context_data


class EventBatch:
    """What a batch worker receives instead of one event."""

    def __init__(self, deliveries):
        self.deliveries = deliveries


class HavenEventHandler(EventHandler):
    """A nameko event handler that never drops an event.

    * validates the envelope and data against the catalogue; a malformed or unknown-version event goes straight
      to the dead-letter queue with its error;
    * a handler that raises is retried after growing delays (``HAVEN_RETRY_DELAYS``, default 1, 5, 30 s), then
      dead-lettered with the error; the original delivery is acknowledged only once its copy is safely published;
    * runs under the service's own identity; the producer's org travels in ``haven.origin_org``;
    * applies the events that are waiting in batches (``EVENT_BATCH_SIZE``, default 100): one worker and one
      transaction for many events of the service, each with its inbox row, then one commit and the acks. If any
      event of a batch fails, the batch is rolled back and its events are applied one by one as above, so a
      failure, a retry or a dead letter concerns that event alone.
    """

    queue_consumer = HavenQueueConsumer()
    batcher = None  # set below: EventBatcher is defined after this class

    def __init__(self, source_service, event_type, **kwargs):
        super().__init__(source_service, event_type, requeue_on_error=False, **kwargs)

    def setup(self):
        service = self.container.service_name
        self.catalogue = catalogue_of(self.container.service_cls)
        entry = self.catalogue.get(self.source_service, self.event_type)
        if service not in entry.consumers:
            raise EventContractError(
                f"{service} handles {self.source_service}.{self.event_type} but the catalogue does not list it as a "
                f"consumer, so its queue would not exist before the first publish; add it to the event's consumers")
        self.queue_name = consumer_queue_name(service, self.source_service, self.event_type)
        self.queue = Queue(self.queue_name, exchange=get_event_exchange(self.source_service, self.container.config),
                           routing_key=self.event_type, durable=True, auto_delete=False, exclusive=False)
        self.delays = retry_delays(self.container.config)
        self.amqp_uri = self.container.config["AMQP_URI"]
        self.metrics = metrics_for(self.container)
        Consumer.setup(self)

    def start(self):
        """Declare this handler's retry queues and the service's dead-letter queue up front, so operators (and
        alerts on queue depth) see them before the first failure."""
        with Connection(self.amqp_uri, connect_timeout=5) as connection:
            channel = connection.channel()
            for entity in [dead_letter_queue(self.container.service_name)] + [
                    retry_queue(self.queue_name, delay) for delay in self.delays]:
                entity(channel).declare()
        super().start()

    def handle_message(self, body, message):
        headers = message.headers or {}
        attempt = int(headers.get(ATTEMPT_HEADER, 0) or 0)
        try:
            event = self.catalogue.parse(body, origin_org=headers.get(ORIGIN_ORG_HEADER))
        except EventContractError as exc:
            log.warning("malformed event dead-lettered", extra={"queue": self.queue_name, "error_type": "EventContractError"})
            self._settle_failure(message, body, exc, attempt, retryable=False)
            return
        context_data = {
            "correlation_id": event.correlation_id,
            CALLER_CONTEXT_KEY: Caller(sub=f"service:{self.container.service_name}", org="HAVEN",
                                       scopes=("admin",)).as_context(),
            ORIGIN_ORG_CONTEXT_KEY: event.origin_org,
        }
        item = _Delivery(self, event, body, message, attempt, context_data)
        if self.batcher.enabled:
            self.batcher.add(item)
        else:
            self.spawn_single(item)

    def spawn_single(self, item, then=None):
        """Apply one event in a worker of its own (its own transaction); ``then()`` runs after it settled."""
        started = time.perf_counter()
        handle_result = partial(self._handle_result, item.message, item.body, item.attempt, started, then)
        try:
            self.container.spawn_worker(self, (item.event,), {}, context_data=item.context_data,
                                        handle_result=handle_result)
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(item.message)

    def _handle_result(self, message, body, attempt, started, then, worker_ctx, result, exc_info):
        try:
            return self._settle(message, body, attempt, started, result, exc_info)
        finally:
            if then is not None:
                then()

    def _settle(self, message, body, attempt, started, result, exc_info):
        labels = (self.source_service, self.event_type)
        self.metrics.event_handling_duration.labels(*labels).observe(time.perf_counter() - started)
        if exc_info is None:
            outcome = "duplicate" if result is DUPLICATE else "processed"
            self.metrics.events_consumed.labels(*labels, outcome).inc()
            self.queue_consumer.ack_message(message)
        else:
            self.metrics.events_consumed.labels(*labels, "failed").inc()
            self._settle_failure(message, body, exc_info[1], attempt, retryable=True)
        return result, exc_info

    def _settle_failure(self, message, body, error, attempt, retryable):
        headers = dict(message.headers or {})
        labels = (self.source_service, self.event_type)
        try:
            with Connection(self.amqp_uri, transport_options={"confirm_publish": True}, connect_timeout=5) as conn:
                producer = Producer(conn.channel())
                if retryable and attempt < len(self.delays):
                    queue = retry_queue(self.queue_name, self.delays[attempt])
                    headers[ATTEMPT_HEADER] = attempt + 1
                    maybe_declare(queue, producer.channel)
                    producer.publish(body, exchange="", routing_key=queue.name, headers=headers,
                                     serializer="json", delivery_mode=2, retry=False)
                    self.metrics.events_retried.labels(*labels).inc()
                    log.warning("event handler failed; retry %d of %d in %.1fs", attempt + 1, len(self.delays),
                                self.delays[attempt], extra={"queue": self.queue_name,
                                                             "error_type": type(error).__name__})
                else:
                    queue = dead_letter_queue(self.container.service_name)
                    maybe_declare(queue, producer.channel)
                    headers.update({
                        "x-haven-error-type": type(error).__name__,
                        "x-haven-error": _safe_error_text(error),
                        "x-haven-failed-queue": self.queue_name,
                        "x-haven-handler": f"{self.container.service_name}.{self.method_name}",
                        "x-haven-attempts": attempt + (1 if retryable else 0),
                        "x-haven-failed-at": utcnow().isoformat(),
                    })
                    producer.publish(body, exchange="", routing_key=queue.name, headers=headers,
                                     serializer="json", delivery_mode=2, retry=False)
                    self.metrics.events_dead_lettered.labels(*labels).inc()
                    log.error("event dead-lettered", extra={"queue": self.queue_name,
                                                            "error_type": type(error).__name__})
        except Exception:
            # Could not park the copy: give the delivery back to the broker rather than lose it.
            log.exception("could not schedule retry or dead-letter; requeueing the delivery")
            eventlet.sleep(1)
            self.queue_consumer.requeue_message(message)
            return
        self.queue_consumer.ack_message(message)


class EventBatcher(SharedExtension):
    """One per service container: applies the events its handlers receive in batches, one batch at a time.

    A delivery waits here while a batch is being applied; the next batch takes up to ``EVENT_BATCH_SIZE`` of the
    waiting deliveries, in arrival order, whatever their handler. A lone delivery is applied as a single event.
    """

    def setup(self):
        self.size = event_batch_size(self.container.config)
        self._enabled = None
        self.waiting = deque()
        self.busy = False

    @property
    def enabled(self):
        """Batches need the service's database to claim inbox rows in one statement (PostgreSQL, SQLite)."""
        if self._enabled is None:
            database = next((d for d in self.container.dependencies if isinstance(d, Database)), None)
            url = getattr(database, "url", None) or ""
            self._enabled = self.size > 1 and url.startswith(("postgresql", "sqlite"))
        return self._enabled

    def add(self, delivery):
        self.waiting.append(delivery)
        if not self.busy:
            self._next()

    def _next(self):
        if not self.waiting:
            self.busy = False
            return
        self.busy = True
        take = min(self.size, len(self.waiting))
        deliveries = [self.waiting.popleft() for _ in range(take)]
        if take == 1:
            deliveries[0].handler.spawn_single(deliveries[0], then=self._next)
            return
        first = deliveries[0]
        started = time.perf_counter()
        try:
            self.container.spawn_worker(first.handler, (EventBatch(deliveries),), {},
                                        context_data=first.context_data,
                                        handle_result=partial(self._settle, deliveries, started))
        except ContainerBeingKilled:
            for delivery in deliveries + list(self.waiting):
                delivery.handler.queue_consumer.requeue_message(delivery.message)
            self.waiting.clear()
            self.busy = False

    def _settle(self, deliveries, started, worker_ctx, result, exc_info):
        if exc_info is None:
            elapsed = time.perf_counter() - started
            for delivery, outcome in zip(deliveries, result):
                handler = delivery.handler
                labels = (handler.source_service, handler.event_type)
                handler.metrics.event_handling_duration.labels(*labels).observe(elapsed)
                handler.metrics.events_consumed.labels(
                    *labels, "duplicate" if outcome is DUPLICATE else "processed").inc()
                handler.queue_consumer.ack_message(delivery.message)
            self._next()
        else:
            # Nothing of the batch was committed: apply its events one at a time, each settling on its own.
            log.info("event batch rolled back; applying its %d events one by one", len(deliveries),
                     extra={"error_type": exc_info[0].__name__})
            self._singly(deliveries)
        return result, exc_info

    def _singly(self, deliveries):
        if not deliveries:
            self._next()
            return
        first, rest = deliveries[0], deliveries[1:]
        first.handler.spawn_single(first, then=partial(self._singly, rest))


HavenEventHandler.batcher = EventBatcher()


def _apply_batch(service, batch, handlers):
    """The body of a batch worker: every event with its inbox row, in one transaction, committed once.

    The inbox rows of the whole batch are claimed in one statement. A service that can do better with the whole
    batch in view (read the rows its events concern in one query, say) defines ``prepare_event_batch(events)``: it
    is called with the events about to be applied, in order, before the first handler runs; what it gathers lives
    in ``unit.scratch`` and is written by a ``unit.before_commit`` callback. Callbacks run with the last event's
    context (correlation id, origin org).
    """
    unit = unit_of_work_of(service)
    keys = [(delivery.event.event_id, handlers[delivery.handler.method_name][1]) for delivery in batch.deliveries]
    try:
        claimed = unit.claim(keys)
        fresh = []
        for key, delivery in zip(keys, batch.deliveries):
            if key in claimed:
                claimed.discard(key)  # a second delivery of the same event in this batch is a duplicate
                fresh.append(delivery)
        prepare = getattr(service, "prepare_event_batch", None)
        if prepare is not None and fresh:
            prepare([delivery.event for delivery in fresh])
        fresh = set(map(id, fresh))
        outcomes = []
        for delivery in batch.deliveries:
            if id(delivery) not in fresh:
                outcomes.append(DUPLICATE)
                continue
            fn, _ = handlers[delivery.handler.method_name]
            event = delivery.event
            set_correlation_id(event.correlation_id)
            unit.context_data = delivery.context_data
            outcomes.append(fn(service, event))
        unit.commit()
    except BaseException:
        unit.rollback()
        raise
    return outcomes


def _safe_error_text(error):
    from .errors import HavenError
    if isinstance(error, (HavenError, EventContractError)):
        return str(error)[:2000]
    frames = traceback.extract_tb(error.__traceback__) if error.__traceback__ else []
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}{where}"


DUPLICATE = object()


def event_handler(source, event_type):
    """Decorate a service method ``(self, event)`` as a Haven event handler.

    The handler's effect and its inbox row commit in one transaction; an event this handler has already applied is
    acknowledged and skipped.
    """

    def decorate(fn):
        handler_name = fn.__qualname__

        @wraps(fn)
        def run_once(self, event):
            if isinstance(event, EventBatch):
                return _apply_batch(self, event, _raw_handlers(type(self)))
            set_correlation_id(event.correlation_id)
            unit = unit_of_work_of(self)
            if unit is None:
                return fn(self, event)
            try:
                if unit.already_processed(event.event_id, handler_name):
                    unit.rollback()
                    return DUPLICATE
                prepare = getattr(self, "prepare_event_batch", None)
                if prepare is not None:
                    prepare([event])  # a batch of one: the service's handlers see the same set-up either way
                result = fn(self, event)
                unit.commit()
                return result
            except BaseException:
                unit.rollback()
                raise

        run_once.haven_handler = (fn, handler_name)
        return HavenEventHandler.decorator(source, event_type)(run_once)

    return decorate


def _raw_handlers(service_cls):
    """{method name: (handler function, inbox name)} of a service class's Haven event handlers (cached)."""
    found = service_cls.__dict__.get("_haven_handlers")
    if found is None:
        found = {}
        for name in dir(service_cls):
            handler = getattr(getattr(service_cls, name, None), "haven_handler", None)
            if handler is not None:
                found[name] = handler
        setattr(service_cls, "_haven_handlers", found)
    return found
