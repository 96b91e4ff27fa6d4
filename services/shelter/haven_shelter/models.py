"""Shelter's tables. Households are known only by id, site and size (from registration's events): no names."""
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from haven_kernel.db import BigId, metadata


class Base(DeclarativeBase):
    metadata = metadata()


class Site(Base):
    """A camp or collective site. Its row is the lock every allocation change at the site takes first."""

    __tablename__ = "sites"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str | None] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    site_type: Mapped[str] = mapped_column(String(30), index=True)
    adm1: Mapped[str] = mapped_column(String(100), index=True)
    adm2: Mapped[str] = mapped_column(String(100))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    managing_agency: Mapped[str] = mapped_column(String(50))
    opened_on: Mapped[date | None] = mapped_column(Date)
    area_m2: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), index=True)
    closed_reason: Mapped[str | None] = mapped_column(String(500))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # True while every available unit is taken; site_full is emitted when it turns True.
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    # Last waitlist ticket handed out at this site (first come, first served).
    queue_counter: Mapped[int] = mapped_column(Integer, default=0)
    # Last unit number handed out at this site.
    unit_counter: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ShelterUnit(Base):
    __tablename__ = "shelter_units"
    __table_args__ = (UniqueConstraint("site_id", "number", name="uq_shelter_units_site_id_number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3... within the site: the label painted on the shelter
    unit_type: Mapped[str] = mapped_column(String(30))
    covered_area_m2: Mapped[float] = mapped_column(Float)
    capacity_persons: Mapped[int] = mapped_column(Integer)
    capacity_derived: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20))  # available | unavailable
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Household(Base):
    """Shelter's view of a household: where registration says it is, its size, and its place (unit or queue)."""

    __tablename__ = "households"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(36), index=True)
    persons: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)  # of the last registration event applied
    registration_status: Mapped[str] = mapped_column(String(20))  # active | departed
    status: Mapped[str] = mapped_column(String(20), index=True)  # allocated | waitlisted | released | unallocated
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("shelter_units.id"), unique=True)
    queue_number: Mapped[int | None] = mapped_column(Integer)
    # When registration registered it (its events' registered_at): the waitlist is served in this order, so a
    # household whose event came late (a fault, a retry) keeps its turn. Set from every household event.
    registered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AllocationHistory(Base):
    """Every allocation change, per household. Insert-only (a trigger refuses UPDATE and DELETE on PostgreSQL)."""

    __tablename__ = "allocation_history"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    household_id: Mapped[str] = mapped_column(String(36), index=True)
    site_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(20))  # allocated | released | waitlisted | waitlist_left | unallocated
    unit_id: Mapped[str | None] = mapped_column(String(36))
    unit_type: Mapped[str | None] = mapped_column(String(30))
    persons: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(30))
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SiteServices(Base):
    """WASH and services figures reported for a site, kept as a series; views use the latest by ``as_of``."""

    __tablename__ = "site_services"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id"), index=True)
    latrines: Mapped[int | None] = mapped_column(Integer)
    latrines_female: Mapped[int | None] = mapped_column(Integer)
    water_taps: Mapped[int | None] = mapped_column(Integer)
    hand_pumps: Mapped[int | None] = mapped_column(Integer)
    water_litres_per_day: Mapped[float | None] = mapped_column(Float)
    showers: Mapped[int | None] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(20))
    as_of: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(50))


Index("ix_households_site_id_status_queue_number", Household.site_id, Household.status, Household.queue_number)
# The waitlist's order (``repository.QUEUE_ORDER``): registration time, then the ticket.
Index("ix_households_site_id_status_registered_at", Household.site_id, Household.status, Household.registered_at,
      Household.queue_number)
# The order allocation picks units in (``Repository.smallest_fitting_unit``); also serves (site_id, status) lookups.
Index("ix_shelter_units_allocation_order", ShelterUnit.site_id, ShelterUnit.status, ShelterUnit.capacity_persons,
      ShelterUnit.covered_area_m2, ShelterUnit.number, ShelterUnit.id)
