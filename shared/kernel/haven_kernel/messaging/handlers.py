"""The consumer side: ``@event_handler(source, event_type)`` makes a service method the handler of one event type.

The entrypoint behind it (:class:`HavenEventHandler`) never drops an event:

* it validates the envelope and data against the service's catalogue; a malformed or unknown-version event goes
  straight to the dead-letter queue with its error;
* it hands each event to the service's batcher (:mod:`.batching`), which applies it, with its inbox row, in a
  worker of the kernel's ``apply_events`` entrypoint, under the service's own identity (the producer's org travels
  in ``haven.origin_org``);
* an event whose handler raised is retried after growing delays (``HAVEN_RETRY_DELAYS``, default 1, 5, 30 s), then
  dead-lettered with the error; the original delivery is acknowledged only once its copy is safely published.
"""
import logging
import traceback

import eventlet
from kombu import Connection, Producer
from kombu.common import maybe_declare
from nameko.events import EventHandler
from nameko.messaging import Consumer

from ..auth import Caller
from ..clock import utcnow
from ..context import worker_context
from ..errors import EventContractError, HavenError
from ..events import catalogue_of, consumer_queue_name
from ..metrics import metrics_for
from .batching import DUPLICATE, Delivery, EventBatcher, event_batch_size
from .guard import GuardedQueueConsumer, headers_problem
from .producers import UnverifiedProducer, broker_user, check_publisher, producer_user, verification_enabled
from .settle import quietly
from .topology import (ATTEMPT_HEADER, ORIGIN_ORG_HEADER, consumer_queue, dead_letter_queue, retry_delays,
                       retry_queue)

log = logging.getLogger(__name__)


class BadDelivery(Exception):
    """A delivery that cannot be an event of this queue: undecodable body, unreadable headers, wrong envelope."""


class HavenQueueConsumer(GuardedQueueConsumer):
    """nameko's queue consumer, for Haven's event handlers only, with room for batches to form: each queue may have
    ``EVENT_PREFETCH_COUNT`` unacknowledged deliveries (default: the batch size, at least ``max_workers``)."""

    @property
    def prefetch_count(self):
        config = self.container.config
        return int(config.get("EVENT_PREFETCH_COUNT") or max(self.container.max_workers, event_batch_size(config)))

    def ack_message(self, message):
        quietly(super().ack_message, message, "acknowledge")  # a dead connection gives it back by itself

    def requeue_message(self, message):
        quietly(super().requeue_message, message, "requeue")


class HavenEventHandler(EventHandler):
    queue_consumer = HavenQueueConsumer()
    batcher = EventBatcher()
    kind = "event"

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
        # The inbox key of this handler: keep it stable (``<Service class>.<method>``), or applied events re-apply.
        self.inbox_name = getattr(self.container.service_cls, self.method_name).__qualname__
        self.queue_name = consumer_queue_name(service, self.source_service, self.event_type)
        # Declared with the same arguments as the relay's and broker setup's declarations (topology.consumer_queue).
        self.queue = consumer_queue(service, self.source_service, self.event_type)
        self.delays = retry_delays(self.container.config)
        self.amqp_uri = self.container.config["AMQP_URI"]
        self.metrics = metrics_for(self.container)
        self.identity = Caller(sub=f"service:{service}", org="HAVEN", scopes=("admin",)).as_context()
        # Who may have published what arrives here (see .producers): the producer's broker user, or this service's.
        self.own_user = own_user = broker_user(self.amqp_uri)
        self.verify_producer = verification_enabled(self.container.config)
        self.accepted_publishers = {producer_user(self.source_service, service, own_user, self.container.config),
                                    own_user}
        Consumer.setup(self)
        self.batcher.register(self)

    def start(self):
        """Declare this handler's retry queues and the service's dead-letter queue up front, so operators (and
        alerts on queue depth) see them before the first failure."""
        with Connection(self.amqp_uri, connect_timeout=5) as connection:
            channel = connection.channel()
            for entity in [dead_letter_queue(self.container.service_name)] + [
                    retry_queue(self.queue_name, delay) for delay in self.delays]:
                entity(channel).declare()
        super().start()

    def stop(self):
        self.batcher.flush()  # events waiting for a fuller batch are applied while the consumer can still ack them
        super().stop()

    def handle_message(self, body, message):
        """Parse and check a delivery, then hand it to the batcher. Anything wrong with it (see :meth:`refuse`)
        dead-letters it with the reason; nothing here can raise into the container."""
        attempt = 0
        try:
            problem = headers_problem(message)
            if problem:
                raise BadDelivery(f"unreadable headers: {problem}")
            headers = message.headers or {}
            attempt = _attempt(headers.get(ATTEMPT_HEADER, 0))
            origin_org = headers.get(ORIGIN_ORG_HEADER)
            if origin_org is not None and (not isinstance(origin_org, str) or len(origin_org) > 100):
                raise BadDelivery(f"{ORIGIN_ORG_HEADER} header is not an organisation")
            if self.verify_producer:
                check_publisher(message, self.accepted_publishers)
            event = self.catalogue.parse(body, origin_org=origin_org)
            if (event.source, event.event_type) != (self.source_service, self.event_type):
                raise BadDelivery(f"a {event.source}.{event.event_type} event in the queue of "
                                  f"{self.source_service}.{self.event_type}")
        except (EventContractError, BadDelivery, UnverifiedProducer) as exc:
            self.refuse(message, body, exc, attempt=attempt)
            return
        context_data = worker_context(event.correlation_id, self.identity, event.origin_org)
        self.batcher.add(Delivery(self, event, body, message, attempt, context_data))

    def refuse(self, message, body, error, attempt=0):
        """Dead-letter a delivery that can never be applied, with the reason (logged and counted)."""
        reason = {UnverifiedProducer: "unverified_producer", EventContractError: "contract",
                  BadDelivery: "bad_delivery"}.get(type(error), "entrypoint_error")
        self.metrics.messages_rejected.labels("event", reason).inc()
        log.warning("event refused: %s", reason, extra={"queue": self.queue_name, "error_type": type(error).__name__})
        self._settle_failure(message, body, error, attempt, retryable=False)

    def undecodable(self, message, error):
        """A body kombu could not decode (not JSON, or a content type not accepted): dead-lettered as it came."""
        self.refuse(message, None, BadDelivery(f"undecodable body ({type(error).__name__}, content type "
                                               f"{str(message.content_type)[:60]!r})"))

    # -- settling, told by the batcher -----------------------------------------------------------------------------
    def applied(self, delivery, outcome, elapsed):
        labels = (self.source_service, self.event_type)
        self.metrics.event_handling_duration.labels(*labels).observe(elapsed)
        self.metrics.events_consumed.labels(*labels, "duplicate" if outcome is DUPLICATE else "processed").inc()
        self.queue_consumer.ack_message(delivery.message)

    def failed(self, delivery, error, elapsed):
        labels = (self.source_service, self.event_type)
        self.metrics.event_handling_duration.labels(*labels).observe(elapsed)
        self.metrics.events_consumed.labels(*labels, "failed").inc()
        self._settle_failure(delivery.message, delivery.body, error, delivery.attempt, retryable=True)

    def _settle_failure(self, message, body, error, attempt, retryable):
        headers = dict(message.headers) if isinstance(message.headers, dict) else {}
        labels = (self.source_service, self.event_type)
        try:
            with Connection(self.amqp_uri, transport_options={"confirm_publish": True}, connect_timeout=5) as conn:
                producer = Producer(conn.channel())
                if retryable and attempt < len(self.delays):
                    queue = retry_queue(self.queue_name, self.delays[attempt])
                    headers[ATTEMPT_HEADER] = attempt + 1
                    maybe_declare(queue, producer.channel)
                    producer.publish(body, exchange="", routing_key=queue.name, headers=headers,
                                     serializer="json", delivery_mode=2, retry=False, user_id=self.own_user)
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
                    payload, options = _as_sent(message, body)
                    producer.publish(payload, exchange="", routing_key=queue.name, headers=_storable(headers),
                                     delivery_mode=2, retry=False, user_id=self.own_user, **options)
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


def _attempt(value):
    """The retry count a delivery's header says, or BadDelivery (a header such as "abc" or [1])."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1000:
        raise BadDelivery(f"{ATTEMPT_HEADER} header is not a retry count")
    return value


def _as_sent(message, body):
    """``(body, options)`` to publish a delivery's copy: the decoded body as JSON, or the raw bytes as they came."""
    if body is not None:
        return body, {"serializer": "json"}
    return message.body, {"content_type": str(message.content_type or "application/octet-stream")[:100],
                          "content_encoding": str(message.content_encoding or "binary")[:40]}


def _storable(headers):
    """Headers safe to publish again: plain values kept, anything else (nested, huge) shown shortened."""
    kept = {}
    for key, value in list(headers.items())[:80]:
        if value is None or isinstance(value, (bool, int, float)) or (isinstance(value, str) and len(value) <= 2000):
            kept[str(key)[:120]] = value
        else:
            kept[str(key)[:120]] = repr(value)[:200]
    return kept


def _safe_error_text(error):
    if isinstance(error, (HavenError, EventContractError, BadDelivery, UnverifiedProducer)):
        return str(error)[:2000]
    frames = traceback.extract_tb(error.__traceback__) if error.__traceback__ else []
    where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}{where}"


def event_handler(source, event_type):
    """Make a service method ``(self, event)`` the handler of ``source``'s ``event_type`` (the service must be a
    consumer of it in its catalogue). The method runs in a worker of the kernel's ``apply_events`` entrypoint: its
    effect (through ``self.db``) and its inbox row commit in one transaction with the rest of the batch; an event it
    has applied before is acknowledged and skipped. It never commits, rolls back or calls out by itself."""
    return HavenEventHandler.decorator(source, event_type)
