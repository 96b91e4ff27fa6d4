"""The protection service's tables (the kernel's outbox and inbox come from haven_kernel.db).

Every column named ``*_sealed`` holds a value encrypted by :mod:`haven_protection.crypto` (``<key id>:<base64>``):
names, identifying details, narratives, reasons and notes never reach the database in clear. Every record names the
organisation that owns it (``org``); who may see a case is decided in one place, :func:`domain.standing`.
"""
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from haven_contracts.shelter import SITE_REPLICA
from haven_kernel.clock import utcnow
from haven_kernel.db import metadata
from haven_kernel.replica import replica_model

BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = metadata()


class Site(replica_model(SITE_REPLICA), Base):
    """Protection's copy of shelter's sites (``haven_kernel.replica``): a case's site, and its admin level 1."""

    __tablename__ = "sites"


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_type: Mapped[str] = mapped_column(String(30))
    household_id: Mapped[str | None] = mapped_column(String(36), index=True)  # a registered member's household
    member_id: Mapped[str | None] = mapped_column(String(36))
    person_sealed: Mapped[str] = mapped_column(Text)  # JSON: name, sex, age, identifying details (encrypted)
    narrative_sealed: Mapped[str | None] = mapped_column(Text)
    concerns: Mapped[list] = mapped_column(JSON, default=list)
    specific_needs: Mapped[list] = mapped_column(JSON, default=list)
    risk: Mapped[str] = mapped_column(String(10))
    uasc_status: Mapped[str | None] = mapped_column(String(20))
    site_id: Mapped[str] = mapped_column(String(36), index=True)
    adm1: Mapped[str | None] = mapped_column(String(100))
    org: Mapped[str] = mapped_column(String(50), index=True)
    caseworker: Mapped[str | None] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(20))
    status_dates: Mapped[dict] = mapped_column(JSON, default=dict)  # {status: ISO date first reached}
    consent_services: Mapped[bool | None] = mapped_column(Boolean)
    consent_services_at: Mapped[date | None] = mapped_column(Date)
    consent_services_by: Mapped[str | None] = mapped_column(String(200))
    consent_share: Mapped[bool | None] = mapped_column(Boolean)
    consent_share_at: Mapped[date | None] = mapped_column(Date)
    consent_share_by: Mapped[str | None] = mapped_column(String(200))
    follow_up_id: Mapped[str | None] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer, default=1)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseAction(Base):
    """A service planned or delivered, or a follow-up visit, on a case."""

    __tablename__ = "case_actions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # service | follow_up
    service_type: Mapped[str | None] = mapped_column(String(40))
    provider_org: Mapped[str | None] = mapped_column(String(50))
    due_on: Mapped[date | None] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    note_sealed: Mapped[str | None] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Referral(Base):
    __tablename__ = "referrals"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    from_org: Mapped[str] = mapped_column(String(50))
    to_org: Mapped[str] = mapped_column(String(50), index=True)
    service_type: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    assigned_to: Mapped[str | None] = mapped_column(String(200))  # the receiving caseworker, once accepted
    consent_override: Mapped[bool] = mapped_column(Boolean, default=False)
    override_reason_sealed: Mapped[str | None] = mapped_column(Text)
    override_by: Mapped[str | None] = mapped_column(String(200))
    made_by: Mapped[str] = mapped_column(String(200))
    made_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_by: Mapped[str | None] = mapped_column(String(200))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)


class Transfer(Base):
    __tablename__ = "transfers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    from_org: Mapped[str] = mapped_column(String(50))
    to_org: Mapped[str] = mapped_column(String(50), index=True)
    status: Mapped[str] = mapped_column(String(20))
    made_by: Mapped[str] = mapped_column(String(200))
    made_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_by: Mapped[str | None] = mapped_column(String(200))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)


class AccessLog(Base):
    """Who read or changed which case, and what (field and action names, never values). Insert-only: the
    database refuses UPDATE and DELETE on PostgreSQL (a trigger, revision 0001)."""

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sub: Mapped[str] = mapped_column(String(200))
    org: Mapped[str] = mapped_column(String(50), index=True)  # the reader's organisation
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    case_org: Mapped[str] = mapped_column(String(50), index=True)  # the case's owner at the time
    action: Mapped[str] = mapped_column(String(30))  # open | list | change | refer | ...
    detail: Mapped[str] = mapped_column(String(200))


class FollowUp(Base):
    """A follow-up task for one protection need (a specific-needs group) of one household: at most one per
    (household, need), whatever arrives twice."""

    __tablename__ = "follow_ups"
    __table_args__ = (UniqueConstraint("household_id", "need", name="uq_follow_ups_household_need"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    household_id: Mapped[str] = mapped_column(String(36))
    need: Mapped[str] = mapped_column(String(10))
    site_id: Mapped[str] = mapped_column(String(36), index=True)
    adm1: Mapped[str | None] = mapped_column(String(100))
    org: Mapped[str] = mapped_column(String(50), index=True)  # the site's protection focal organisation
    members: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    case_id: Mapped[str | None] = mapped_column(String(36))
    close_reason_sealed: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[str | None] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
