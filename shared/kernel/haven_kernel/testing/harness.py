"""What tests reach for to drive a service: its config, tokens, an RPC client, events published and recorded as
the bus carries them, queue inspection, waiting, and :class:`ServiceHarness` (one service container under test)."""
import socket
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager

import eventlet
from kombu import Connection, Consumer, Exchange, Producer, Queue
from kombu.common import maybe_declare

from ..auth import issue_token
from ..db import Database
from ..events import events_exchange_name
from ..messaging import OutboxRelay, events_exchange, producer_topology
from ..messaging.producers import broker_user


def wait_until(predicate, timeout=15.0, interval=0.05, message="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        eventlet.sleep(interval)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_config(amqp_uri, database_url, **extra):
    config = {
        "AMQP_URI": amqp_uri,
        "DATABASE_URL": database_url,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
        "HAVEN_RETRY_DELAYS": "0.2,0.4",
        "OUTBOX_POLL_SECONDS": 0.2,
        "OUTBOX_MAX_BACKOFF_SECONDS": 1.0,
        "max_workers": 10,
    }
    config.update(extra)
    return config


def make_token(*scopes, org="IOM", ttl_seconds=3600, **kwargs):
    return issue_token(org=org, scopes=scopes, ttl_seconds=ttl_seconds, **kwargs)


@contextmanager
def rpc_client(amqp_uri, token=None, timeout=15, **context):
    from nameko.standalone.rpc import ClusterRpcProxy
    context_data = dict(context)
    if token is not None:
        context_data["authorization"] = f"Bearer {token}"
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, context_data=context_data, timeout=timeout) as proxy:
        yield proxy


class EventRecorder:
    """Records every event a service publishes (its own exclusive queue bound with ``#``)."""

    def __init__(self, amqp_uri, source):
        self.connection = Connection(amqp_uri)
        exchange = Exchange(events_exchange_name(source), type="topic", durable=True)
        self.queue = Queue(f"recorder-{source}-{uuid.uuid4().hex[:8]}", exchange=exchange, routing_key="#",
                           exclusive=True, auto_delete=True)
        channel = self.connection.channel()
        maybe_declare(exchange, channel)
        self.consumer = Consumer(channel, [self.queue], callbacks=[self._on_message], accept=["json"])
        self.consumer.consume()
        self.messages = []

    def _on_message(self, body, message):
        self.messages.append((body, dict(message.headers or {})))
        message.ack()

    def drain(self, seconds=0.1):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.connection.drain_events(timeout=0.05)
            except socket.timeout:
                pass
            except TimeoutError:
                pass

    def events(self, event_type=None):
        return [body for body, _ in self.messages if event_type is None or body.get("event_type") == event_type]

    def wait_for(self, event_type, count=1, timeout=15):
        deadline = time.monotonic() + timeout
        while len(self.events(event_type)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} {event_type} event(s), got {len(self.events(event_type))}")
            self.drain(0.1)
        return self.events(event_type)

    def close(self):
        try:
            self.connection.release()
        except Exception:
            pass


def publish_event(amqp_uri, catalogue, source, event_type, data, event_id=None, correlation_id=None, envelope=None,
                  headers=None):
    """Publish an event of ``catalogue`` as ``source``'s outbox relay would (declaring its consumers' queues first).
    ``envelope``, when given, is published as it is (it may break the contract on purpose)."""
    if envelope is None:
        envelope = catalogue.envelope(source, event_type, data, correlation_id=correlation_id, event_id=event_id)
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        for entity in producer_topology(source, catalogue):
            maybe_declare(entity, channel)
        # As the producer's relay: with the publishing account as user_id (consumers refuse an event without it).
        Producer(channel).publish(envelope, exchange=events_exchange(source), routing_key=event_type,
                                  serializer="json", delivery_mode=2, headers=headers or {},
                                  user_id=broker_user(amqp_uri))
    return envelope


def queue_depth(amqp_uri, queue_name):
    """Messages ready in a queue; None when the queue does not exist."""
    from amqp.exceptions import NotFound as QueueNotFound
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        try:
            _, count, _ = channel.queue_declare(queue=queue_name, passive=True)
        except QueueNotFound:
            return None
        return count


def get_messages(amqp_uri, queue_name, limit=100):
    """Take up to ``limit`` messages from a queue (acknowledged): for inspecting dead letters."""
    taken = []
    with Connection(amqp_uri) as connection:
        bound = Queue(queue_name, durable=True, no_declare=True)(connection.channel())
        bound.queue_declare(passive=True)  # whatever its type and arguments (HAVEN_QUEUE_TYPE)
        while len(taken) < limit:
            message = bound.get(no_ack=True)
            if message is None:
                break
            taken.append((message.payload, dict(message.headers or {})))
    return taken


_FIRST_TOKEN = object()


def package_of(service_cls):
    """The package a service class lives in (``haven_shelter`` for ``haven_shelter.service.ShelterService``): where
    its migrations are."""
    return service_cls.__module__.partition(".")[0]


class ServiceHarness:
    """One service container under test, with what its tests reach for: tokens, an RPC client, its database and
    relay, and row counts. A service's conftest subclasses it and sets ``service`` and ``tokens``."""

    service = None  # the HavenService class :meth:`start` starts
    tokens = {}  # {"writer": (scopes, org, sub) ...}; "writer"/"reader" names are passed to client()

    @classmethod
    def start(cls, amqp_uri, database_url, start_service, **config):
        """``cls.service`` in-process on ``amqp_uri`` with a fresh migrated database of its own (the fixtures of the
        same names), ``config`` added to :func:`service_config`'s."""
        url = database_url(package_of(cls.service))
        return cls(amqp_uri, url, start_service(cls.service, service_config(amqp_uri, url, **config)))

    def __init__(self, amqp_uri, database_url, container):
        self.amqp_uri = amqp_uri
        self.database_url = database_url
        self.container = container
        for name, (scopes, org, sub) in self.tokens.items():
            setattr(self, name, make_token(*scopes, org=org, sub=sub))

    def client(self, token=_FIRST_TOKEN, **context):
        """An RPC client with a named token (default: the first in ``tokens``), a raw token, or none (None)."""
        if token is _FIRST_TOKEN:
            token = next(iter(self.tokens))
        if isinstance(token, str) and token in self.tokens:
            token = getattr(self, token)
        return rpc_client(self.amqp_uri, token, **context)

    @property
    def base_url(self):
        return "http://" + self.container.config["WEB_SERVER_ADDRESS"]

    @property
    def database(self):
        return Database.of(self.container)

    @property
    def relay(self):
        return next(d for d in self.container.dependencies if isinstance(d, OutboxRelay))

    def count(self, model, *where):
        from sqlalchemy import func, select
        with self.database.session_factory() as session:
            return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()

    def http_get(self, path, headers=None):
        """(status, body text) of ``GET path`` on the service's web server."""
        request = urllib.request.Request(self.base_url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def race(method, calls):
    """Race calls of one RPC method (a proxy's ``client.<service>.<method>``): every call is sent before any reply
    is awaited; returns "ok" or "conflict" (a Conflict reply) per call, in call order. Any other error is raised."""
    from ..errors import Conflict
    replies = [method.call_async(*args) for args in calls]
    outcomes = []
    for reply in replies:
        try:
            reply.result()
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
    return outcomes
