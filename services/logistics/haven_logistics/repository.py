"""All of the logistics service's SQL: queries, row locks (``haven_kernel.dialect.for_update``) and dialect
differences (``haven_kernel.dialect``) live here, nowhere else.

The lock: every stock change of a warehouse x item first locks its ``positions`` row (``lock_positions``, in key
order so that two transactions never wait on each other in a circle). Two dispatches or distributions racing for
the last units are serialised there: the second reads the lines only after the first has committed."""
from sqlalchemy import func, select, tuple_

from haven_kernel import dialect

from .models import Distribution, Household, Item, Ledger, Position, StockLine, Warehouse, Waybill


class Repository:
    def __init__(self, session):
        self.session = session

    # -- reference data ------------------------------------------------------------------------------------------
    def item(self, code, lock=False):
        if not lock:
            return self.session.get(Item, code)
        query = select(Item).where(Item.code == code).execution_options(populate_existing=True)
        return self.session.execute(dialect.for_update(self.session, query)).scalar_one_or_none()

    def items(self, codes):
        rows = self.session.execute(select(Item).where(Item.code.in_(list(codes)))).scalars()
        return {row.code: row for row in rows}

    def all_items(self):
        return list(self.session.execute(select(Item).order_by(Item.code)).scalars())

    def upsert_item(self, values):
        """Insert the item (version 1) or change it (one version more)."""
        changed = lambda excluded: {**{name: excluded[name] for name in values if name != "code"},  # noqa: E731
                                    "version": Item.version + 1}
        self.session.execute(dialect.upsert(self.session, Item, ["code"], changed).values(**values, version=1))

    def warehouse(self, warehouse_id):
        return self.session.get(Warehouse, warehouse_id)

    def warehouse_by_code(self, code):
        return self.session.execute(select(Warehouse).where(Warehouse.code == code)).scalar_one_or_none()

    def warehouses(self, org=None, site_id=None):
        query = select(Warehouse).order_by(Warehouse.code)
        if org is not None:
            query = query.where(Warehouse.org == org)
        if site_id is not None:
            query = query.where(Warehouse.site_id == site_id)
        return list(self.session.execute(query).scalars())

    def household(self, household_id):
        return self.session.get(Household, household_id)

    def households(self, ids):
        rows = self.session.execute(select(Household).where(Household.id.in_(list(ids)))).scalars()
        return {row.id: row for row in rows}

    def active_households_at(self, site_id):
        """(households, persons) active at a site."""
        row = self.session.execute(select(func.count(), func.coalesce(func.sum(Household.size), 0)).where(
            Household.site_id == site_id, Household.status == "active")).one()
        return row[0], row[1]

    def active_sizes_at(self, site_id):
        return list(self.session.execute(select(Household.size).where(
            Household.site_id == site_id, Household.status == "active")).scalars())

    # -- stock ---------------------------------------------------------------------------------------------------
    def lock_positions(self, keys, create=False):
        """The positions of ``keys`` ({(warehouse_id, item_code)}), locked until the transaction ends; missing ones
        are created first (at zero) when ``create``. Returns {key: Position}."""
        keys = sorted(set(keys))
        if not keys:
            return {}
        if create:
            self.session.execute(dialect.insert_or_ignore(self.session, Position, ["warehouse_id", "item_code"]),
                                 [{"warehouse_id": w, "item_code": i, "on_hand": 0, "reorder_level": 0,
                                   "lead_time_weeks": 2.0, "pipeline_status": None} for w, i in keys])
        query = select(Position).where(tuple_(Position.warehouse_id, Position.item_code).in_(keys)).order_by(
            Position.warehouse_id, Position.item_code).execution_options(populate_existing=True)
        rows = self.session.execute(dialect.for_update(self.session, query)).scalars()
        return {(row.warehouse_id, row.item_code): row for row in rows}

    def position(self, warehouse_id, item_code):
        return self.session.get(Position, (warehouse_id, item_code))

    def positions(self, warehouse_id=None, item_code=None):
        query = select(Position).order_by(Position.warehouse_id, Position.item_code)
        if warehouse_id is not None:
            query = query.where(Position.warehouse_id == warehouse_id)
        if item_code is not None:
            query = query.where(Position.item_code == item_code)
        return list(self.session.execute(query).scalars())

    def stock_rows(self):
        """(item, pipeline status, on hand) of every position: the metrics."""
        return self.session.execute(select(Position.item_code, Position.pipeline_status, Position.on_hand)).all()

    def lines(self, warehouse_id, item_code):
        """The lots of a warehouse x item (read under its position's lock), fresh from the database."""
        query = select(StockLine).where(StockLine.warehouse_id == warehouse_id, StockLine.item_code == item_code
                                        ).order_by(StockLine.expires_on, StockLine.lot, StockLine.id)
        return list(self.session.execute(query.execution_options(populate_existing=True)).scalars())

    def lines_of_warehouse(self, warehouse_id, item_code=None):
        query = select(StockLine).where(StockLine.warehouse_id == warehouse_id)
        if item_code is not None:
            query = query.where(StockLine.item_code == item_code)
        return list(self.session.execute(query.order_by(StockLine.item_code, StockLine.expires_on, StockLine.lot,
                                                        StockLine.id)).scalars())

    def line(self, line_id):
        return self.session.get(StockLine, line_id)

    def find_line(self, warehouse_id, item_code, lot, expires_on, owner_org, condition):
        return self.session.execute(select(StockLine).where(
            StockLine.warehouse_id == warehouse_id, StockLine.item_code == item_code, StockLine.lot == lot,
            StockLine.expires_on.is_(None) if expires_on is None else StockLine.expires_on == expires_on,
            StockLine.owner_org == owner_org, StockLine.condition == condition)).scalar_one_or_none()

    def card(self, warehouse_id, item_code, limit, offset):
        query = select(Ledger).where(Ledger.warehouse_id == warehouse_id, Ledger.item_code == item_code).order_by(
            Ledger.id).limit(limit).offset(offset)
        return list(self.session.execute(query).scalars())

    def card_length(self, warehouse_id, item_code):
        return self.session.execute(select(func.count()).select_from(Ledger).where(
            Ledger.warehouse_id == warehouse_id, Ledger.item_code == item_code)).scalar_one()

    def last_ledger(self, warehouse_id, item_code):
        return self.session.execute(select(Ledger).where(
            Ledger.warehouse_id == warehouse_id, Ledger.item_code == item_code).order_by(Ledger.id.desc()).limit(1)
        ).scalar_one_or_none()

    def in_transit(self, warehouse_id, item_code):
        """Units of an item on dispatched waybills to a warehouse."""
        rows = self.session.execute(select(Waybill.lines).where(Waybill.to_warehouse_id == warehouse_id,
                                                                Waybill.state == "dispatched")).scalars()
        return sum(line["quantity"] for lines in rows for line in lines if line["item_code"] == item_code)

    def waybill(self, waybill_id, lock=False):
        if not lock:
            return self.session.get(Waybill, waybill_id)
        query = select(Waybill).where(Waybill.id == waybill_id).execution_options(populate_existing=True)
        return self.session.execute(dialect.for_update(self.session, query)).scalar_one_or_none()

    def waybills_for_request(self, request_id):
        return list(self.session.execute(select(Waybill).where(Waybill.request_id == request_id)).scalars())

    # -- distributions -------------------------------------------------------------------------------------------
    def distributions_of(self, round_id, household_ids):
        rows = self.session.execute(select(Distribution).where(
            Distribution.round_id == round_id, Distribution.household_id.in_(list(household_ids)))).scalars()
        return {row.household_id: row for row in rows}

    def distributed_since(self, warehouse_id, item_code, first_day):
        """(units handed out since ``first_day``, the first day anything was handed out) for a warehouse x item."""
        total = self.session.execute(select(func.coalesce(func.sum(Distribution.quantity), 0)).where(
            Distribution.warehouse_id == warehouse_id, Distribution.item_code == item_code,
            Distribution.distributed_on >= first_day)).scalar_one()
        first = self.session.execute(select(func.min(Distribution.distributed_on)).where(
            Distribution.warehouse_id == warehouse_id, Distribution.item_code == item_code)).scalar_one()
        return total, first

    def round_summary(self, round_id):
        return self.session.execute(select(func.count(), func.coalesce(func.sum(Distribution.quantity), 0)).where(
            Distribution.round_id == round_id)).one()
