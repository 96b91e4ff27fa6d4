"""No message can kill a service.

nameko runs each delivery's handling in a managed thread, and any exception there, or in the kombu consumer that
decodes the body, kills the whole service container (nameko issue #753: its RPC responder reads ``reply_to`` and
``content_type`` from the request, so a request without them kills the container, and the redelivered request
kills it again after every restart). Everything that reads a delivery before a service method runs is guarded here,
once for every service:

* :class:`GuardedQueueConsumer`: the queue consumer of Haven's RPC and event entrypoints. A body kombu cannot
  decode (not JSON, a content type the service does not accept, such as pickle) is handed to the entrypoint's
  ``undecodable(message, exc)`` (events: dead-lettered with the reason) or else logged, counted and acknowledged,
  instead of kombu's default, which logs the raw body (personal data) and acknowledges it silently. An exception
  raised while an entrypoint looks at a delivery goes to its ``refuse(message, body, exc)``, or is logged, counted
  and acknowledged: it never reaches the container.
* :class:`HavenRpcConsumer`: nameko's RPC consumer, refusing (acknowledged, logged, counted, no reply possible) a
  request that has no usable ``reply_to`` or ``content_type``, and never letting a reply that cannot be sent kill
  the container.

Every refusal is counted in ``haven_messages_rejected_total{kind, reason}`` and logged at WARNING with the reason,
never the body.
"""
import logging
from functools import partial

import kombu.serialization
from nameko.messaging import QueueConsumer
from nameko.rpc import RpcConsumer

from ..metrics import metrics_for

log = logging.getLogger(__name__)

MAX_REPLY_TO = 255  # an AMQP routing key is a short string
MAX_HEADERS = 64
MAX_HEADER_BYTES = 16 * 1024


def reject(container, message, kind, reason, error=None):
    """Log, count and acknowledge a delivery nothing will handle."""
    metrics_for(container).messages_rejected.labels(kind, reason).inc()
    delivery = getattr(message, "delivery_info", None) or {}
    log.warning("%s message refused: %s", kind, reason,
                extra={"routing_key": str(delivery.get("routing_key"))[:200], "reason": reason,
                       "error_type": type(error).__name__ if error is not None else None})
    ack(message)


def ack(message):
    try:
        if message.channel.connection:
            message.ack()
    except Exception:  # the connection went: the broker gives the delivery back, and it is refused again
        log.warning("could not acknowledge a refused message", exc_info=True)


def headers_problem(message):
    """Why the headers of a delivery cannot be read as a Haven message, or None."""
    headers = message.headers
    if headers is None:
        return None
    if not isinstance(headers, dict):
        return "headers_not_a_table"
    if len(headers) > MAX_HEADERS:
        return "too_many_headers"
    if sum(len(str(key)) + len(repr(value)) for key, value in headers.items()) > MAX_HEADER_BYTES:
        return "headers_too_large"
    return None


class GuardedQueueConsumer(QueueConsumer):
    """A queue consumer whose deliveries can never kill the container (see the module's docstring)."""

    kind = "message"
    #: How long the consuming loop waits on an idle connection before it looks again whether it should stop
    #: (kombu's ``safety_interval``, 1 s by default; a delivery ends the wait at once). A container's stop waits up
    #: to this long for each of its consumers: with 1 s, every service stopped (a deploy, a restart, each service
    #: test) spent about 2 s doing nothing. Waking four times a second on an idle connection costs nothing measurable.
    poll_seconds = 0.25

    def consume(self, limit=None, timeout=None, safety_interval=None, **kwargs):
        return super().consume(limit=limit, timeout=timeout, safety_interval=safety_interval or self.poll_seconds,
                               **kwargs)

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for consumer in consumers:
            consumer.on_decode_error = self.on_decode_error
        return consumers

    def _provider_of(self, message):
        tag = (message.delivery_info or {}).get("consumer_tag")
        for provider, consumer in list(self._consumers.items()):
            if tag in getattr(consumer, "_active_tags", {}).values():
                return provider
        return None

    def on_decode_error(self, message, exc):
        """kombu could not decode the body (called in the consumer's own thread: hand it to a thread of its own)."""
        provider = self._provider_of(message)
        undecodable = getattr(provider, "undecodable", None)
        if undecodable is None:
            reject(self.container, message, self.kind, "undecodable_body", exc)
            return
        self.container.spawn_managed_thread(partial(self._guarded, provider, undecodable, None, message, exc),
                                            identifier="undecodable message")

    def handle_message(self, provider, body, message):
        ident = "{}.handle_message[{}]".format(type(provider).__name__,
                                               str((message.delivery_info or {}).get("routing_key"))[:100])
        self.container.spawn_managed_thread(partial(self._guarded, provider, provider.handle_message, body, message),
                                            identifier=ident)

    def _guarded(self, provider, handle, body, message, *args):
        try:
            if args:
                handle(message, *args)
            else:
                handle(body, message)
        except Exception as exc:
            refuse = getattr(provider, "refuse", None)
            if refuse is not None:
                try:
                    refuse(message, body, exc)
                    return
                except Exception:
                    log.exception("could not refuse a message")
            log.warning("a message broke its entrypoint", exc_info=True)
            reject(self.container, message, self.kind, "entrypoint_error", exc)


class RpcQueueConsumer(GuardedQueueConsumer):
    kind = "rpc"


class HavenRpcConsumer(RpcConsumer):
    """nameko's RPC consumer, guarded: see the module's docstring."""

    queue_consumer = RpcQueueConsumer()

    def handle_message(self, body, message):
        problem = self.reply_problem(message)
        if problem:
            reject(self.container, message, "rpc", problem)
            return
        super().handle_message(body, message)

    @staticmethod
    def reply_problem(message):
        """Why no reply could be sent to this request, or None."""
        properties = message.properties or {}
        reply_to = properties.get("reply_to")
        if not isinstance(reply_to, str) or not reply_to:
            return "no_reply_to"
        if len(reply_to.encode()) > MAX_REPLY_TO:
            return "bad_reply_to"
        content_type = properties.get("content_type")
        if content_type not in kombu.serialization.registry.type_to_name:
            return "bad_content_type"
        correlation_id = properties.get("correlation_id")
        if correlation_id is not None and (not isinstance(correlation_id, str) or len(correlation_id) > 255):
            return "bad_correlation_id"
        return None

    def handle_result(self, message, result, exc_info):
        try:
            return super().handle_result(message, result, exc_info)
        except Exception as exc:  # the reply could not be sent: the caller times out, the service lives on
            reject(self.container, message, "rpc", "reply_not_sent", exc)
            return result, exc_info
