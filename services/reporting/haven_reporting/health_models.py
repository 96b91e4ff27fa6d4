"""Reporting's projection of the health service's events (its own tables, on reporting's Base): facilities with
their status history, each weekly report's latest version, each place's assessed week (deaths, population, rates,
thresholds) and each alert's latest step. Aggregates only, as the events carry them; rebuilt from the archive."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class HealthFacility(Base):
    __tablename__ = "health_facilities"

    facility_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    facility_type: Mapped[str] = mapped_column(String(40))
    site_id: Mapped[str | None] = mapped_column(String(36))
    adm1: Mapped[str | None] = mapped_column(String(100))
    adm2: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(30))
    status_history: Mapped[list] = mapped_column(JSON)
    org: Mapped[str] = mapped_column(String(50))
    version: Mapped[int] = mapped_column(Integer)


class HealthReport(Base):
    __tablename__ = "health_reports"

    report_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    facility_id: Mapped[str] = mapped_column(String(36), index=True)
    site_id: Mapped[str | None] = mapped_column(String(36))
    adm1: Mapped[str | None] = mapped_column(String(100))
    adm2: Mapped[str | None] = mapped_column(String(100))
    week: Mapped[str] = mapped_column(String(8), index=True)
    version: Mapped[int] = mapped_column(Integer)
    late: Mapped[bool] = mapped_column(Boolean)
    figures: Mapped[dict] = mapped_column(JSON)


class HealthPlaceWeek(Base):
    __tablename__ = "health_place_weeks"

    place: Mapped[str] = mapped_column(String(60), primary_key=True)
    week: Mapped[str] = mapped_column(String(8), primary_key=True, index=True)
    site_id: Mapped[str | None] = mapped_column(String(36))
    assessed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    figures: Mapped[dict] = mapped_column(JSON)  # the place_week_assessed event's data


class HealthAlert(Base):
    __tablename__ = "health_alerts"

    alert_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(80))
    level: Mapped[str] = mapped_column(String(20))
    syndrome: Mapped[str | None] = mapped_column(String(50))
    place: Mapped[str] = mapped_column(String(60))
    site_id: Mapped[str | None] = mapped_column(String(36))
    adm1: Mapped[str | None] = mapped_column(String(100))
    adm2: Mapped[str | None] = mapped_column(String(100))
    week: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(20), index=True)
    step: Mapped[int] = mapped_column(Integer)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HealthWeekCases(Base):
    """Cases per syndrome per epi-week over every report's latest version (the epi curve), kept by increments: an
    amendment takes back its earlier version's counts."""

    __tablename__ = "health_week_cases"

    week: Mapped[str] = mapped_column(String(8), primary_key=True)
    syndrome: Mapped[str] = mapped_column(String(50), primary_key=True)
    cases: Mapped[int] = mapped_column(Integer)


TABLES = (HealthFacility, HealthReport, HealthPlaceWeek, HealthAlert, HealthWeekCases)
