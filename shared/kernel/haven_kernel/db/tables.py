"""The kernel's own tables, defined once: the outbox, the inbox and the RPC inbox, which every service has; and the browser
sessions, which only a service that signs browsers in has. Services' migrations create them from these definitions
(``haven_kernel.migrations.create_kernel_tables`` in their first revision; ``create_web_sessions_table`` in a
revision of their own).

A change to a kernel table is a change here plus a helper in ``haven_kernel.migrations`` that brings an existing
database to it and finds nothing to do on one created after the change (as ``drop_outbox_last_error``); each
service calls that helper from a revision of its own.
"""
from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ..clock import utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def metadata():
    """A MetaData with Haven's naming convention, for a service's own declarative base."""
    return MetaData(naming_convention=NAMING_CONVENTION)


class KernelBase(DeclarativeBase):
    metadata = metadata()


BigId = BigInteger().with_variant(Integer, "sqlite")


class OutboxEvent(KernelBase):
    """An event written in the same transaction as the change that caused it; the relay publishes and marks it."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event_type: Mapped[str] = mapped_column(String(100))
    envelope: Mapped[dict] = mapped_column(JSON)
    origin_org: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        Index("ix_outbox_events_unsent", "id", postgresql_where=published_at.is_(None),
              sqlite_where=published_at.is_(None)),
    )


class ProcessedEvent(KernelBase):
    """The inbox: one row per (event, handler) applied, written in the same transaction as the handler's effect."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    handler: Mapped[str] = mapped_column(String(200), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RpcRequest(KernelBase):
    """The RPC inbox: one row per write request applied (``@rpc(..., idempotent=True)``), written in the same
    transaction as its effect, with the reply sent. A request whose key is here is answered with that reply, not
    applied again (see :mod:`haven_kernel.idempotency`). Rows older than the retention are purged."""

    __tablename__ = "rpc_requests"

    org: Mapped[str] = mapped_column(String(50), primary_key=True)  # the organisation the call was made for
    request_key: Mapped[str] = mapped_column(String(220), primary_key=True)  # "key:<idempotency key>" / "amqp:<id>"
    method: Mapped[str] = mapped_column(String(200))
    payload_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the method name and arguments
    reply: Mapped[str] = mapped_column(Text)  # the reply as serialised (kombu JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_rpc_requests_created_at", "created_at"),)


class WebSessionBase(DeclarativeBase):
    """Apart from :class:`KernelBase`: only services that keep browser sessions create these tables."""

    metadata = metadata()


class WebSession(WebSessionBase):
    """A signed-in browser (``haven_kernel.web.Sessions``). The cookie holds a random id; the row is found by its
    SHA-256, so the table alone signs nobody in. Kept in the service's database, so every replica knows it; deleted
    on sign-out."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # hex SHA-256 of the cookie's id
    sub: Mapped[str] = mapped_column(String(255))
    org: Mapped[str] = mapped_column(String(255))
    scopes: Mapped[list] = mapped_column(JSON)
    csrf_token: Mapped[str] = mapped_column(String(64))  # what the session's forms must send back
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # when idle; moved on by use
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the token's expiry or the maximum

    __table_args__ = (Index("ix_web_sessions_expires_at", "expires_at"),)


class FieldSyncBase(DeclarativeBase):
    """Apart from :class:`KernelBase`: only services that take offline field sync create this table."""

    metadata = metadata()


class FieldSyncKey(FieldSyncBase):
    """A record synced from the field (``haven_kernel.fieldsync``): the key the device chose for it, per organisation
    and kind of record, the record's id and a SHA-256 of the record as sent, written in the same savepoint as the
    record. Kept longer than the RPC inbox (a phone may stay offline for weeks): see ``fieldsync.purge``."""

    __tablename__ = "field_sync_keys"

    org: Mapped[str] = mapped_column(String(50), primary_key=True)
    kind: Mapped[str] = mapped_column(String(50), primary_key=True)  # "household", "distribution"...
    sync_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64))
    payload_hash: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_field_sync_keys_synced_at", "synced_at"),)
