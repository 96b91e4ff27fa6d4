"""The producer side: the outbox relay publishes each service's committed events, in order, with publisher
confirms, and marks them published."""
import logging
import time

import eventlet
from amqp.exceptions import MessageNacked
from eventlet.queue import Empty, LightQueue
from kombu import Connection, Producer
from kombu.common import maybe_declare
from nameko.extensions import DependencyProvider
from sqlalchemy import func, select, update

from .. import dialect
from ..clock import aware, utcnow
from ..db import Database, OutboxEvent
from ..errors import EventContractError
from ..events import consumer_queue_name
from ..metrics import metrics_for
from .topology import ORIGIN_ORG_HEADER, events_exchange, producer_topology
from .producers import broker_user

log = logging.getLogger(__name__)


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
        # Every event carries its publisher's broker user, which RabbitMQ validates and consumers check (.producers).
        self.broker_user = broker_user(self.amqp_uri)
        self.poll_seconds = float(config.get("OUTBOX_POLL_SECONDS", 1.0))
        self.max_backoff = float(config.get("OUTBOX_MAX_BACKOFF_SECONDS", 30.0))
        self.confirm_timeout = float(config.get("OUTBOX_CONFIRM_TIMEOUT_SECONDS", 30.0))
        self.database = Database.of(self.container)
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
                tags, last_tag = [], []  # every message's tag; the index in tags of each row's last message
                for row in rows:
                    headers = {"nameko.correlation_id": row.envelope.get("correlation_id")}
                    if row.origin_org:
                        headers[ORIGIN_ORG_HEADER] = row.origin_org
                    for target, key in self._routes(exchange, row.event_type):
                        producer.publish(row.envelope, exchange=target, routing_key=key,
                                         serializer="json", delivery_mode=2, headers=headers, retry=False,
                                         user_id=self.broker_user)
                        tags.append(confirms.sent())
                    last_tag.append(len(tags) - 1)
                # Rows count as published up to the first one the broker did not confirm every message of (order is
                # kept: what follows a refused row goes out again after it, and consumers skip the duplicates).
                confirmed_tags = confirms.wait(tags, self._connection, timeout=self.confirm_timeout)
                confirmed = sum(1 for last in last_tag if last < confirmed_tags)
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

    def _routes(self, exchange, event_type):
        """Where one event goes: ``[(exchange, routing key)]``. The source's topic exchange, keyed by the event type;
        a confidential event (``EventType.confidential``) straight to each consumer's queue instead."""
        try:
            entry = self.database.catalogue.get(self.source, event_type)
        except EventContractError:
            entry = None
        if entry is None or not entry.confidential:
            return [(exchange, event_type)]
        return [("", consumer_queue_name(consumer, self.source, event_type)) for consumer in entry.consumers]

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
