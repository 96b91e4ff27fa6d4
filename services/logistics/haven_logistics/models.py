"""The logistics service's tables (the kernel's outbox and inbox come from haven_kernel.db). Every record a partner
creates names the organisation that owns it (``org``). Households are known by id, site, size and status only (from
registration's events): never names."""
from datetime import date, datetime

from sqlalchemy import (JSON, BigInteger, Date, DateTime, Float, ForeignKey, Index, Integer, String,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from haven_contracts.shelter import SITE_REPLICA
from haven_kernel.db import BigId, metadata
from haven_kernel.replica import replica_model


class Base(DeclarativeBase):
    metadata = metadata()


class Site(replica_model(SITE_REPLICA), Base):
    """Shelter's sites as logistics knows them (haven_kernel.replica)."""

    __tablename__ = "sites"


class Household(Base):
    """A household as registration's events describe it: id, site, size, status and the version of the last event."""

    __tablename__ = "households"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(36), index=True)
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # active | departed
    version: Mapped[int] = mapped_column(Integer)


class Item(Base):
    """An item or a kit (a kit is stocked and handed out as one unit; its components describe it). ``rule`` and
    ``rule_quantity`` / ``rule_persons``: how many a household gets by default."""

    __tablename__ = "items"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))
    weight_kg: Mapped[float] = mapped_column(Float)
    volume_m3: Mapped[float] = mapped_column(Float)
    rule: Mapped[str] = mapped_column(String(20))
    rule_quantity: Mapped[int] = mapped_column(Integer)
    rule_persons: Mapped[int | None] = mapped_column(Integer)
    components: Mapped[list] = mapped_column(JSON)  # [{"item_code", "quantity"}] for a kit; [] otherwise
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # one more at each put_item


class Warehouse(Base):
    __tablename__ = "warehouses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    adm1: Mapped[str] = mapped_column(String(100))
    adm2: Mapped[str] = mapped_column(String(100))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    site_id: Mapped[str | None] = mapped_column(String(36), index=True)
    capacity_m3: Mapped[float | None] = mapped_column(Float)
    org: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Position(Base):
    """Warehouse x item: the row every stock change of that pair locks first, its total on hand (written only with
    a ledger row), the reorder level and lead time, and the last pipeline status emitted."""

    __tablename__ = "positions"

    warehouse_id: Mapped[str] = mapped_column(ForeignKey("warehouses.id"), primary_key=True)
    item_code: Mapped[str] = mapped_column(ForeignKey("items.code"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(BigInteger)
    reorder_level: Mapped[int] = mapped_column(Integer)
    lead_time_weeks: Mapped[float] = mapped_column(Float)
    pipeline_status: Mapped[str | None] = mapped_column(String(20))
    # The version of the reorder level and lead time: 1 for the defaults, one more at each set_stock_level (stock
    # movements change on_hand, not this).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class StockLine(Base):
    """A lot of an item in a warehouse: expiry, owner (donor) organisation, condition and quantity on hand."""

    __tablename__ = "stock_lines"
    __table_args__ = (UniqueConstraint("warehouse_id", "item_code", "lot", "expires_on", "owner_org", "condition",
                                       name="uq_stock_lines_lot"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    warehouse_id: Mapped[str] = mapped_column(String(36), index=True)
    item_code: Mapped[str] = mapped_column(String(40))
    lot: Mapped[str] = mapped_column(String(50))
    expires_on: Mapped[date | None] = mapped_column(Date)
    owner_org: Mapped[str] = mapped_column(String(50))
    condition: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # first in, first out without expiry


class Ledger(Base):
    """Every stock change, one row per lot touched. Insert-only (a trigger refuses UPDATE and DELETE on
    PostgreSQL); ``balance_after`` is the warehouse x item's total after the row, ``lot_balance_after`` the lot's."""

    __tablename__ = "ledger"
    __table_args__ = (Index("ix_ledger_card", "warehouse_id", "item_code", "id"),)  # the stock card, newest last

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    warehouse_id: Mapped[str] = mapped_column(String(36))
    item_code: Mapped[str] = mapped_column(String(40))
    line_id: Mapped[str] = mapped_column(String(36))
    movement: Mapped[str] = mapped_column(String(20))  # receipt | dispatch | waybill_receipt | return | adjustment | distribution
    movement_id: Mapped[str] = mapped_column(String(36))
    quantity_in: Mapped[int] = mapped_column(BigInteger)
    quantity_out: Mapped[int] = mapped_column(BigInteger)
    lot_balance_after: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    org: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Receipt(Base):
    __tablename__ = "receipts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    warehouse_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    from_org: Mapped[str | None] = mapped_column(String(50))
    reference: Mapped[str | None] = mapped_column(String(100))
    lines: Mapped[list] = mapped_column(JSON)
    received_on: Mapped[date] = mapped_column(Date)
    org: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Waybill(Base):
    """A waybill: ``lines`` [{"item_code", "quantity"}]; ``picks`` the lots taken at dispatch; ``received`` the
    quantities received per line."""

    __tablename__ = "waybills"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    from_warehouse_id: Mapped[str] = mapped_column(String(36), index=True)
    to_warehouse_id: Mapped[str] = mapped_column(String(36), index=True)
    request_id: Mapped[str | None] = mapped_column(String(36), index=True)
    state: Mapped[str] = mapped_column(String(20))
    transporter: Mapped[str | None] = mapped_column(String(100))
    vehicle: Mapped[str | None] = mapped_column(String(50))
    lines: Mapped[list] = mapped_column(JSON)
    picks: Mapped[list | None] = mapped_column(JSON)
    received: Mapped[list | None] = mapped_column(JSON)
    org: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # one more at each change of state


class Adjustment(Base):
    __tablename__ = "adjustments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    warehouse_id: Mapped[str] = mapped_column(String(36), index=True)
    item_code: Mapped[str] = mapped_column(String(40))
    line_id: Mapped[str] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(String(30))
    delta: Mapped[int] = mapped_column(BigInteger)
    waybill_id: Mapped[str | None] = mapped_column(String(36))
    count_id: Mapped[str | None] = mapped_column(String(36))
    note: Mapped[str | None] = mapped_column(String(500))
    org: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StockRequest(Base):
    """A site's request for items, fulfilled by waybills naming it."""

    __tablename__ = "requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(36), index=True)
    warehouse_id: Mapped[str] = mapped_column(String(36))  # the store the items are for
    priority: Mapped[str] = mapped_column(String(20))
    needed_by: Mapped[date] = mapped_column(Date)
    lines: Mapped[list] = mapped_column(JSON)
    org: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Round(Base):
    """A distribution round: an item (or kit) handed out at a site from a warehouse, by a per-household rule."""

    __tablename__ = "rounds"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site_id: Mapped[str] = mapped_column(String(36), index=True)
    warehouse_id: Mapped[str] = mapped_column(String(36))
    item_code: Mapped[str] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(20))
    rule_quantity: Mapped[int] = mapped_column(Integer)
    rule_persons: Mapped[int | None] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    org: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Distribution(Base):
    """One household's share of one round: at most one per household per round (the unique key is the last line of
    defence; the use case says Conflict first)."""

    __tablename__ = "distributions"
    __table_args__ = (UniqueConstraint("round_id", "household_id", name="uq_distributions_round_household"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    round_id: Mapped[str] = mapped_column(String(36))
    household_id: Mapped[str] = mapped_column(String(36))
    warehouse_id: Mapped[str] = mapped_column(String(36))
    item_code: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[int] = mapped_column(Integer)
    persons: Mapped[int] = mapped_column(Integer)
    distributed_on: Mapped[date] = mapped_column(Date)
    org: Mapped[str] = mapped_column(String(50))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)  # when logistics recorded it
    # Field provenance of a distribution recorded offline (haven_kernel.fieldsync): kept here, never published.
    collected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    place: Mapped[dict | None] = mapped_column(JSON)
    enumerator_id: Mapped[str | None] = mapped_column(String(100))
    device_id: Mapped[str | None] = mapped_column(String(100))

