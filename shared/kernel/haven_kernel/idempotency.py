"""Exactly-once effects for write RPCs: the RPC inbox (table ``rpc_requests``, :class:`.db.tables.RpcRequest`).

A write method opts in with ``@rpc(scope=..., idempotent=True)``. Each call then has a *request key*:

* the caller's idempotency key, sent as the context header ``idempotency_key`` (nameko's ``context_data``; an HTTP
  gateway maps ``Idempotency-Key`` to it): a partner that retries a call it got no answer to sends the same key;
* else the AMQP request's own identity (its ``correlation_id`` property, new for every call nameko's proxies make):
  the same message delivered again by the broker, after the service died between its commit and its
  acknowledgement, is the same request.

The key is kept per organisation (the caller's, or the one a Haven service calls on behalf of) with a hash of the
method and its arguments, and the reply, in the same transaction as the method's effect. A call whose key is
stored is answered with the stored reply and changes nothing; the same key with another method or other arguments
is refused with ``Conflict``. A call that failed (any error) stored nothing, so it may be sent again. Two calls with
one key at the same time are applied one after the other (the second waits on the first's row, then replays it).

Rows are kept ``RPC_INBOX_RETENTION_HOURS`` (config, default 24) and then purged by the service itself every
``RPC_INBOX_PURGE_SECONDS`` (default 600): a key reused after that is a new request.
"""
import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from datetime import timedelta

import eventlet
from kombu.utils import json as kombu_json
from nameko.extensions import SharedExtension
from sqlalchemy import delete, select

from . import dialect
from .clock import utcnow
from .db.tables import RpcRequest
from .errors import Conflict, ValidationError

log = logging.getLogger(__name__)

IDEMPOTENCY_KEY = "idempotency_key"     # the context header a caller sets
REQUEST_CONTEXT_KEY = "haven.request"   # where the entrypoint hands the request's identity to the worker
MAX_KEY_LENGTH = 200
DEFAULT_RETENTION_HOURS = 24.0
DEFAULT_PURGE_SECONDS = 600.0


@dataclass(frozen=True)
class Request:
    """One write request's identity: for whom, its key, what it asked."""

    org: str
    key: str
    method: str
    payload_hash: str

    def as_context(self):
        return asdict(self)

    @classmethod
    def from_context(cls, data):
        return cls(**data) if data else None


def request_of(context_data, message, org, method, args, kwargs):
    """The :class:`Request` of an RPC message, or None when it has neither an idempotency key nor an AMQP
    correlation id. A malformed idempotency key is a ValidationError naming it."""
    key = context_data.get(IDEMPOTENCY_KEY)
    if key is not None:
        if not isinstance(key, str) or not 0 < len(key) <= MAX_KEY_LENGTH or not key.isprintable():
            raise ValidationError({IDEMPOTENCY_KEY: [f"1 to {MAX_KEY_LENGTH} printable characters"]})
        key = "key:" + key
    else:
        identity = (message.properties or {}).get("correlation_id")
        if not isinstance(identity, str) or not 0 < len(identity) <= MAX_KEY_LENGTH:
            return None
        key = "amqp:" + identity
    payload = json.dumps({"method": method, "args": list(args), "kwargs": kwargs}, sort_keys=True, default=str)
    return Request(org=str(org or "")[:50], key=key, method=method,
                   payload_hash=hashlib.sha256(payload.encode()).hexdigest())


def claim(session, request):
    """Claim ``request`` in this transaction; returns None when it is new (apply it, then :func:`store` its reply),
    or the reply stored by an earlier call with its key (``Conflict`` if that call asked something else)."""
    table = RpcRequest.__table__
    row = {"org": request.org, "request_key": request.key, "method": request.method,
           "payload_hash": request.payload_hash, "reply": "", "created_at": utcnow()}
    if dialect.has_on_conflict(session):
        statement = dialect.insert_or_ignore(session, table, ["org", "request_key"]).returning(table.c.org)
        if session.execute(statement, row).first() is not None:
            return None
    elif session.get(RpcRequest, (request.org, request.key)) is None:
        session.execute(table.insert(), row)
        return None
    stored = session.execute(select(table.c.payload_hash, table.c.reply).where(
        table.c.org == request.org, table.c.request_key == request.key)).one()
    if stored.payload_hash != request.payload_hash:
        raise Conflict(f"this request's key was used for another request ({request.method} with other arguments, "
                       "or another method); send a new key for a new request")
    log.info("rpc answered from the inbox", extra={"method": request.method})
    return Replay(kombu_json.loads(stored.reply))


@dataclass(frozen=True)
class Replay:
    """The reply stored for a request applied before."""

    reply: object


def store(session, request, reply):
    """Keep ``reply`` with the request claimed in this transaction (as nameko will send it)."""
    table = RpcRequest.__table__
    session.execute(table.update().where(table.c.org == request.org, table.c.request_key == request.key)
                    .values(reply=kombu_json.dumps(reply)))


def retention(config):
    return timedelta(hours=float(config.get("RPC_INBOX_RETENTION_HOURS") or DEFAULT_RETENTION_HOURS))


def purge(session, older_than):
    """Delete the requests stored before ``older_than``; returns how many."""
    return session.execute(delete(RpcRequest).where(RpcRequest.created_at < older_than)).rowcount


class RpcInboxPurge(SharedExtension):
    """One per service container that has idempotent methods: purges the RPC inbox now and then."""

    def setup(self):
        config = self.container.config
        self.retention = retention(config)
        self.interval = float(config.get("RPC_INBOX_PURGE_SECONDS") or DEFAULT_PURGE_SECONDS)
        self._thread = None

    def start(self):
        self._thread = self.container.spawn_managed_thread(self._run)

    def stop(self):
        if self._thread is not None:
            self._thread.kill()

    def _run(self):
        from .db import Database
        database = Database.of(self.container)
        while True:
            eventlet.sleep(self.interval)
            try:
                with database.session_factory() as session, session.begin():
                    purged = purge(session, utcnow() - self.retention)
                if purged:
                    log.info("rpc inbox purged", extra={"rows": purged})
            except Exception as exc:  # the database may be down: try again next time
                log.warning("rpc inbox purge failed", extra={"error_type": type(exc).__name__})
