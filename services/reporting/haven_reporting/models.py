"""Reporting's tables: the event archive (the source of truth here) and the projections rebuilt from it.

Projections hold no names, no birth dates, no phone numbers: only what the events carry. Their size grows with the
number of sites (``site_profiles``, ``site_counters``); ``household_facts`` keeps one compact row per household
so that a later event can take back what an earlier one added.
"""
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, DateTime, Float, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from haven_kernel.db import BigId, metadata


class Base(DeclarativeBase):
    metadata = metadata()


class ArchivedEvent(Base):
    """Every event received, envelope included, in the order it was received. Never updated, never deleted."""

    __tablename__ = "archived_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    source: Mapped[str] = mapped_column(String(100))
    event_type: Mapped[str] = mapped_column(String(100))
    schema_version: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    origin_org: Mapped[str | None] = mapped_column(String(50))
    envelope: Mapped[dict] = mapped_column(JSON)


class SiteProfile(Base):
    """What is known of a site from shelter's site, capacity and services events (latest of each wins)."""

    __tablename__ = "site_profiles"

    site_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(50))
    site_type: Mapped[str | None] = mapped_column(String(30))
    adm1: Mapped[str | None] = mapped_column(String(100))
    adm2: Mapped[str | None] = mapped_column(String(100))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str | None] = mapped_column(String(20))
    managing_agency: Mapped[str | None] = mapped_column(String(50))
    opened_on: Mapped[date | None] = mapped_column(Date)
    area_m2: Mapped[float | None] = mapped_column(Float)
    details_as_of: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    units_total: Mapped[int | None] = mapped_column(Integer)
    units_available: Mapped[int | None] = mapped_column(Integer)
    capacity_persons: Mapped[int | None] = mapped_column(Integer)
    covered_area_m2: Mapped[float | None] = mapped_column(Float)
    capacity_as_of: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    services: Mapped[dict | None] = mapped_column(JSON)
    services_as_of: Mapped[date | None] = mapped_column(Date)
    services_occurred_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_full_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    needs: Mapped[dict | None] = mapped_column(JSON)  # by group, from registration's site_needs_counted
    needs_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SiteCounter(Base):
    """One aggregate cell of one site, changed only by increments: ``(site, dimension, key) -> value``.

    Dimensions: ``population`` (households, individuals), ``sex_age`` (``female/0-4`` ...), ``needs`` (UNHCR group,
    from registration's per-site count, never from a household),
    ``shelter`` (allocated_households, occupants, waitlisted_households, waitlisted_persons), ``registered_households``
    and ``registered_individuals`` (by organisation, for the 3W), ``arrivals`` and ``arrival_individuals`` (by UTC day
    a household was collected in the field, else registered: ``2026-11-27``). A new producer adds dimensions, not tables.
    """

    __tablename__ = "site_counters"

    site_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class HouseholdFact(Base):
    """The latest known state of one household (registration's version, shelter's allocation): no personal data."""

    __tablename__ = "household_facts"

    household_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    site_id: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str | None] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer, default=0)
    org: Mapped[str | None] = mapped_column(String(50))
    by_sex_age: Mapped[dict | None] = mapped_column(JSON)
    arrived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # collected, else registered
    # Shelter's placements of this household (units held, queues waited in), each with its latest event time.
    shelter: Mapped[dict] = mapped_column(JSON, default=dict)
