"""Replies lost after the commit, for the tests of safe retries (the RPC inbox, :mod:`haven_kernel.idempotency`).

* :func:`drop_after_commit`: a partner's call whose connection is killed once the service has committed, so the
  reply never arrives (the partner then retries with the same idempotency key);
* :func:`deliver_again`: one request delivered several times with the same AMQP identity (``correlation_id``), as
  the broker does when a service died between its commit and its acknowledgement;
* :func:`unsafe_writes`: the write methods of a service that a retry would apply again.

The first two speak nameko's RPC wire format with kombu directly (a nameko proxy would wait for, or retry, the
reply)."""
import uuid
from contextlib import contextmanager

from kombu import Connection, Exchange, Producer, Queue

from ..idempotency import IDEMPOTENCY_KEY
from .harness import wait_until

RPC_EXCHANGE = "nameko-rpc"


@contextmanager
def _rpc_channel(amqp_uri):
    """(connection, channel, exchange, reply queue): a reply queue of our own, gone with the connection."""
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        exchange = Exchange(RPC_EXCHANGE, type="topic", durable=True)
        reply_queue = Queue(f"rpc.reply-test-{uuid.uuid4().hex}", exchange=exchange, exclusive=True,
                            auto_delete=True)
        reply_queue.routing_key = reply_queue.name
        reply_queue(channel).declare()
        yield connection, channel, exchange, reply_queue


def _publish(channel, exchange, reply_queue, token, service, method, args, kwargs, correlation_id,
             idempotency_key=None):
    headers = {"nameko.authorization": f"Bearer {token}"}
    if idempotency_key is not None:
        headers[f"nameko.{IDEMPOTENCY_KEY}"] = idempotency_key
    Producer(channel).publish({"args": list(args), "kwargs": dict(kwargs or {})}, exchange=exchange,
                              routing_key=f"{service}.{method}", reply_to=reply_queue.name,
                              correlation_id=correlation_id, serializer="json", headers=headers, declare=[exchange])


def drop_after_commit(amqp_uri, token, service, method, args=(), kwargs=None, idempotency_key=None, committed=None,
                      timeout=30.0):
    """Send ``service.method(*args, **kwargs)`` and kill the connection, without reading the reply, once
    ``committed()`` is true (waited for up to ``timeout`` s): the call's effect is in the database, its reply is lost
    with the connection's reply queue. Returns the request's AMQP identity."""
    correlation_id = str(uuid.uuid4())
    with _rpc_channel(amqp_uri) as (connection, channel, exchange, reply_queue):
        _publish(channel, exchange, reply_queue, token, service, method, args, kwargs, correlation_id,
                 idempotency_key)
        if committed is not None:
            wait_until(committed, timeout=timeout, message=f"{service}.{method} committed")
    return correlation_id


def deliver_again(amqp_uri, token, service, method, args=(), kwargs=None, times=2, timeout=15.0):
    """Deliver one request ``times`` times with one AMQP identity (and no idempotency key); returns the reply bodies
    (``{"result", "error"}``) in the order they came."""
    replies = []
    correlation_id = str(uuid.uuid4())
    with _rpc_channel(amqp_uri) as (connection, channel, exchange, reply_queue):
        for _ in range(times):
            _publish(channel, exchange, reply_queue, token, service, method, args, kwargs, correlation_id)
        with connection.Consumer(reply_queue, accept=["json"],
                                 callbacks=[lambda body, message: (replies.append(body), message.ack())]):
            while len(replies) < times:
                connection.drain_events(timeout=timeout)
    return replies


def unsafe_writes(service_cls):
    """The RPC methods of ``service_cls`` whose contract says they write but that are not ``idempotent=True`` (a
    retry of theirs would be done again): [] for a service whose every write is safe to retry."""
    from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

    from ..rpc import HavenRpc
    found = []
    for name in sorted(dir(service_cls)):
        for extension in getattr(getattr(service_cls, name, None), ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(extension, HavenRpc) and getattr(extension.contract, "writes", False) \
                    and not extension.idempotent:
                found.append(name)
    return found
