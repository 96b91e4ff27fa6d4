"""The connection to Haven: RPC requests over AMQP as nameko services expect them, with kombu only.

    from haven_client import HavenClient
    with HavenClient("amqp://iom-partner:secret@broker:5672/", token=token) as haven:
        site = haven.shelter.create_site(site={...})

One request: ``{"args": [], "kwargs": {...}}`` published to the ``nameko-rpc`` exchange (never declared here: the
services own it) with routing key ``<service>.<method>``, the context in ``nameko.*`` headers (``authorization``,
``correlation_id``, ``idempotency_key``), ``reply_to`` naming the client's reply queue and a fresh
``correlation_id``. The reply queue is ``reply.<broker username>.<uuid4 hex>``, exclusive and auto-delete, bound
to ``nameko-rpc`` with its own name (the broker's permissions for a partner allow exactly these names).

Retries are safe: each write call gets an idempotency key (yours, or a new uuid4) and every retry of that call
sends the same key, so a write that was done before its reply was lost is answered from the service's record of
it, not done again. Reads are retried as they are.
"""
import socket
import time
import uuid

from amqp.exceptions import NotFound as ChannelNotFound
from kombu import Connection, Exchange, Producer, Queue
from kombu.exceptions import OperationalError

from . import errors
from .methods import SERVICES

RPC_EXCHANGE = "nameko-rpc"
HEADER_PREFIX = "nameko."
RETRYABLE = (errors.RpcTimeout, OSError, OperationalError, ConnectionError)


def partner_reply_queue(user):
    """A partner's reply queue (TEAM decision 1): ``(name, routing key)``, both ``reply.<broker user>.<uuid4 hex>``."""
    name = f"reply.{user}.{uuid.uuid4().hex}"
    return name, name


def service_reply_queue(service):
    """A Haven service's reply queue, as nameko names it and a service's broker account may declare:
    ``rpc.reply-<service>-<uuid>`` bound with the uuid (what the gateway uses under its own service account)."""
    def make(user):
        key = str(uuid.uuid4())
        return f"rpc.reply-{service}-{key}", key
    return make


class HavenClient:
    """``HavenClient(amqp_uri, token=None, token_provider=None, timeout=30, retries=2)``.

    ``token``: a Haven token (``haven token``); or ``token_provider``, called for a token at the first call and
    again once when a call answers Unauthenticated (an expired token). ``timeout``: seconds to wait for each reply
    (:class:`~haven_client.errors.RpcTimeout` names the service and method). ``retries``: further attempts after a
    timeout or a lost connection, with the same idempotency key. ``reply_queue(broker user)`` names the reply queue
    and its routing key (default :func:`partner_reply_queue`).
    """

    def __init__(self, amqp_uri, token=None, token_provider=None, timeout=30.0, retries=2, retry_delay=0.5,
                 connect_timeout=10, reply_queue=None):
        self.amqp_uri = amqp_uri
        self.token = token
        self.token_provider = token_provider
        self.timeout = timeout
        self.retries = retries
        self.retry_delay = retry_delay
        self.connect_timeout = connect_timeout
        self.reply_queue = reply_queue or partner_reply_queue
        self._connection = None
        self._replies = {}
        for name, cls in SERVICES.items():
            setattr(self, name, cls(self))

    # -- connection ----------------------------------------------------------------------------------------------
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:
                pass
        self._connection = None

    def _connect(self):
        if self._connection is not None:
            return
        connection = Connection(self.amqp_uri, connect_timeout=self.connect_timeout,
                                transport_options={"confirm_publish": True})
        connection.ensure_connection(max_retries=1)
        channel = connection.channel()
        self.reply_queue_name, routing_key = self.reply_queue(connection.userid)
        exchange = Exchange(RPC_EXCHANGE, type="topic", durable=True, no_declare=True)
        queue = Queue(self.reply_queue_name, exchange=exchange, routing_key=routing_key, exclusive=True,
                      auto_delete=True, durable=False, channel=channel)
        self._reply_key = routing_key
        try:
            queue.declare()
        except ChannelNotFound:  # no nameko-rpc exchange: no Haven service has ever started on this vhost
            connection.release()
            raise
        self._consumer = connection.Consumer(queue, callbacks=[self._on_reply], accept=["json"], no_ack=True)
        self._consumer.consume()
        self._producer = Producer(channel, exchange=exchange, serializer="json")
        self._connection = connection

    def _on_reply(self, body, message):
        self._replies[message.properties.get("correlation_id")] = body

    # -- calls ---------------------------------------------------------------------------------------------------
    def call(self, service, method, kwargs=None, writes=False, idempotency_key=None, correlation_id=None,
             timeout=None, token=None):
        """Call ``service.method(**kwargs)`` and return its reply, or raise its typed error. A write sends
        ``idempotency_key`` (a new one if None), the same on every retry. ``token``: this call's token instead of
        the client's (the gateway forwards each partner's own)."""
        if writes and idempotency_key is None:
            idempotency_key = str(uuid.uuid4())
        correlation_id = correlation_id or str(uuid.uuid4())
        refreshed = False
        attempt = 0
        while True:
            try:
                return self._call_once(service, method, kwargs or {}, idempotency_key, correlation_id, timeout,
                                       token)
            except errors.Unauthenticated:
                if self.token_provider is None or refreshed or token is not None:
                    raise
                self.token, refreshed = self.token_provider(), True
            except RETRYABLE:
                self.close()  # a lost connection, or a reply queue that may have missed the reply: start afresh
                if attempt >= self.retries:
                    raise
                attempt += 1
                time.sleep(self.retry_delay * attempt)

    def _call_once(self, service, method, kwargs, idempotency_key, correlation_id, timeout, token=None):
        try:
            self._connect()
        except ChannelNotFound:
            raise errors.UnknownService(service) from None
        if token is None and self.token is None and self.token_provider is not None:
            self.token = self.token_provider()
        token = token or self.token
        headers = {HEADER_PREFIX + "correlation_id": correlation_id}
        if token:
            headers[HEADER_PREFIX + "authorization"] = f"Bearer {token}"
        if idempotency_key:
            headers[HEADER_PREFIX + "idempotency_key"] = idempotency_key
        request_id = str(uuid.uuid4())
        try:
            self._producer.publish({"args": [], "kwargs": kwargs}, routing_key=f"{service}.{method}",
                                   reply_to=self._reply_key, correlation_id=request_id, headers=headers,
                                   mandatory=True, retry=False)
        except Exception as exc:  # an unroutable request comes back with NO_ROUTE: no service of that name
            if "NO_ROUTE" in str(exc) or "312" in str(getattr(exc, "code", "")):
                self.close()
                raise errors.UnknownService(service) from None
            raise
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while request_id not in self._replies:
            left = deadline - time.monotonic()
            if left <= 0:
                raise errors.RpcTimeout(service, method, timeout)
            try:
                self._connection.drain_events(timeout=min(left, 1.0))
            except socket.timeout:
                continue
        body = self._replies.pop(request_id)
        if body.get("error"):
            raise errors.from_reply(body["error"])
        return body.get("result")

