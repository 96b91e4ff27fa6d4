"""The kernel's data-sharing tables (``haven_kernel.sharing``), on :class:`KernelBase` with the outbox and inbox, so
every service has them: the agreements in force, the insert-only log of every grant and revoke, and the insert-only
audit of every record reached through the lead-agency scope. On PostgreSQL a trigger refuses UPDATE and DELETE on
the two insert-only tables (``haven_kernel.migrations.create_sharing_tables``)."""
from datetime import datetime

from sqlalchemy import DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from .tables import BigId, KernelBase

INSERT_ONLY = ("sharing_log", "access_audit")


class SharingAgreement(KernelBase):
    """``owner_org`` shares its records in this service with ``partner_org`` (granted by the owner, until revoked),
    for reading (``access`` read) or reading and changing them (write). An agreement made before there were levels
    let the partner change the records: it is ``write`` (the column's server default)."""

    __tablename__ = "sharing_agreements"

    owner_org: Mapped[str] = mapped_column(String(50), primary_key=True)
    partner_org: Mapped[str] = mapped_column(String(50), primary_key=True)
    access: Mapped[str] = mapped_column(String(10), server_default="write")  # read | write
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    granted_by: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (Index("ix_sharing_agreements_partner_org", "partner_org"),)


class SharingLogEntry(KernelBase):
    """Every grant and revoke, as it happened. Insert-only."""

    __tablename__ = "sharing_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    action: Mapped[str] = mapped_column(String(10))  # granted | revoked
    owner_org: Mapped[str] = mapped_column(String(50), index=True)
    partner_org: Mapped[str] = mapped_column(String(50))
    access: Mapped[str | None] = mapped_column(String(10))  # a grant's level (none on a revoke)
    by_sub: Mapped[str] = mapped_column(String(200))
    correlation_id: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(String(500))


class AccessAudit(KernelBase):
    """A record of another organisation reached through the lead-agency scope (``<service>:lead``). Insert-only."""

    __tablename__ = "access_audit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sub: Mapped[str] = mapped_column(String(200))
    org: Mapped[str] = mapped_column(String(50), index=True)
    scope: Mapped[str] = mapped_column(String(100))
    method: Mapped[str | None] = mapped_column(String(100))
    record_kind: Mapped[str] = mapped_column(String(50))
    record_id: Mapped[str] = mapped_column(String(100))
    owner_org: Mapped[str] = mapped_column(String(50))
    correlation_id: Mapped[str | None] = mapped_column(String(100))
