"""Reporting's projection of logistics' events (its own tables, rebuilt from the archive like the others): the
warehouses, the newest stock and pipeline figures per warehouse x item, distribution rounds per site (and per day
they were made), and the logistics activities of the 3W. Ids, items, quantities and organisations only."""
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class LogisticsWarehouse(Base):
    __tablename__ = "logistics_warehouses"

    warehouse_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(200))
    adm1: Mapped[str] = mapped_column(String(100))
    adm2: Mapped[str] = mapped_column(String(100))
    site_id: Mapped[str | None] = mapped_column(String(36))
    org: Mapped[str] = mapped_column(String(50))


class LogisticsStock(Base):
    """The newest balance (highest ledger id) and the newest pipeline figures (latest event) of a warehouse x item."""

    __tablename__ = "logistics_stock"

    warehouse_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    on_hand: Mapped[int] = mapped_column(BigInteger, default=0)
    ledger_id: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str | None] = mapped_column(String(20))
    in_transit: Mapped[int | None] = mapped_column(BigInteger)
    weekly_consumption: Mapped[float | None] = mapped_column(Float)
    weeks_of_cover: Mapped[float | None] = mapped_column(Float)
    lead_time_weeks: Mapped[float | None] = mapped_column(Float)
    status_as_of: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LogisticsRound(Base):
    """A distribution round as its records add up: households reached, units and persons."""

    __tablename__ = "logistics_rounds"

    round_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(36))
    item_code: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(20))
    org: Mapped[str] = mapped_column(String(50))
    households: Mapped[int] = mapped_column(Integer, default=0)
    persons: Mapped[int] = mapped_column(BigInteger, default=0)
    quantity: Mapped[int] = mapped_column(BigInteger, default=0)


class LogisticsDistributionDay(Base):
    """A round's distributions per day they were made (``distributed_on``): a distribution recorded offline and
    synced later counts on the day it was collected."""

    __tablename__ = "logistics_distribution_days"

    round_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    households: Mapped[int] = mapped_column(Integer, default=0)
    quantity: Mapped[int] = mapped_column(BigInteger, default=0)


class LogisticsActivity(Base):
    """Stock movements counted per organisation, warehouse and activity (the 3W's logistics rows); ``quantity`` the
    units moved (for "Loss in transit", the units lost)."""

    __tablename__ = "logistics_activities"

    org: Mapped[str] = mapped_column(String(50), primary_key=True)
    warehouse_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    activity: Mapped[str] = mapped_column(String(40), primary_key=True)
    movements: Mapped[int] = mapped_column(Integer, default=0)
    quantity: Mapped[int] = mapped_column(BigInteger, default=0)
