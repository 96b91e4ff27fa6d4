"""The health service's tables (the kernel's outbox and inbox come from haven_kernel.db). Owned records name the
organisation that owns them (``org``); the history tables are insert-only (refused UPDATE/DELETE on PostgreSQL)."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from haven_contracts.shelter import SITE_REPLICA
from haven_kernel.replica import replica_model
from haven_kernel.db import metadata


class Base(DeclarativeBase):
    metadata = metadata()


class Site(replica_model(SITE_REPLICA), Base):
    """Health's copy of shelter's sites (admin areas of a place), kept from shelter's site events."""

    __tablename__ = "sites"


class HouseholdVersion(Base):
    """One version of a household as registration's events said it (counts only; insert-only): the population of
    a site at a moment is the sum over households of their latest version by then."""

    __tablename__ = "household_versions"

    household_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[str] = mapped_column(String(36), index=True)
    size: Mapped[int] = mapped_column(Integer)
    under_five: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class Facility(Base):
    __tablename__ = "facilities"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    facility_type: Mapped[str] = mapped_column(String(40))
    site_id: Mapped[str | None] = mapped_column(String(36), index=True)
    serves_site_ids: Mapped[list] = mapped_column(JSON)
    adm1: Mapped[str | None] = mapped_column(String(100))
    adm2: Mapped[str | None] = mapped_column(String(100))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    beds_total: Mapped[int | None] = mapped_column(Integer)
    beds_available: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(30))
    org: Mapped[str] = mapped_column(String(50), index=True)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FacilityStatus(Base):
    """A facility's status from a day on (insert-only): which facilities were expected to report a week."""

    __tablename__ = "facility_statuses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    facility_id: Mapped[str] = mapped_column(String(36), index=True)
    status: Mapped[str] = mapped_column(String(30))
    since: Mapped[date] = mapped_column(Date)
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WeeklyReport(Base):
    """The current version of a facility's report for an epi-week; every version is kept in report_versions."""

    __tablename__ = "weekly_reports"
    __table_args__ = (UniqueConstraint("facility_id", "week", name="uq_weekly_reports_facility_week"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    facility_id: Mapped[str] = mapped_column(String(36), index=True)
    place: Mapped[str] = mapped_column(String(60), index=True)
    week: Mapped[str] = mapped_column(String(8), index=True)
    version: Mapped[int] = mapped_column(Integer)
    late: Mapped[bool] = mapped_column(Boolean)
    first_received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    figures: Mapped[dict] = mapped_column(JSON)
    org: Mapped[str] = mapped_column(String(50))


class ReportVersion(Base):
    """Every version of every weekly report (insert-only)."""

    __tablename__ = "report_versions"

    report_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    figures: Mapped[dict] = mapped_column(JSON)
    late: Mapped[bool] = mapped_column(Boolean)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_by: Mapped[str] = mapped_column(String(100))


class CaseSignal(Base):
    """An immediate alert signal: one suspected case, never a name."""

    __tablename__ = "case_signals"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    facility_id: Mapped[str] = mapped_column(String(36), index=True)
    place: Mapped[str] = mapped_column(String(60), index=True)
    syndrome: Mapped[str] = mapped_column(String(50))
    onset_date: Mapped[date] = mapped_column(Date, index=True)
    age_years: Mapped[int | None] = mapped_column(Integer)
    age_band: Mapped[str | None] = mapped_column(String(10))
    sex: Mapped[str | None] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(20))
    severe_dehydration: Mapped[bool] = mapped_column(Boolean)
    org: Mapped[str] = mapped_column(String(50))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Alert(Base):
    __tablename__ = "alerts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)  # rule|place|week; None when manual
    rule_id: Mapped[str] = mapped_column(String(80))
    level: Mapped[str] = mapped_column(String(20))
    syndrome: Mapped[str | None] = mapped_column(String(50))
    detail: Mapped[str] = mapped_column(String(300))
    place: Mapped[str] = mapped_column(String(60), index=True)
    site_id: Mapped[str | None] = mapped_column(String(36))
    facility_id: Mapped[str | None] = mapped_column(String(36))
    week: Mapped[str] = mapped_column(String(8), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    step: Mapped[int] = mapped_column(Integer)
    org: Mapped[str] = mapped_column(String(50))
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    raised_by: Mapped[str] = mapped_column(String(100))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_by: Mapped[str | None] = mapped_column(String(100))
    investigated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    investigated_by: Mapped[str | None] = mapped_column(String(100))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(100))


class AlertStep(Base):
    """Each step of an alert's lifecycle, who and when (insert-only)."""

    __tablename__ = "alert_steps"

    alert_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    step: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Referral(Base):
    """A referral between facilities: counts by reason and urgency, never the patient."""

    __tablename__ = "referrals"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    from_facility_id: Mapped[str] = mapped_column(String(36), index=True)
    to_facility_id: Mapped[str] = mapped_column(String(36), index=True)
    reason: Mapped[str] = mapped_column(String(30))
    urgency: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    org: Mapped[str] = mapped_column(String(50))
    referred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
