"""The logistics service's events (stock, waybills, adjustments, distributions, pipeline) and the vocabulary they use.

No personal data: ids (warehouses, sites, items, rounds, households), quantities and organisations. Every event that
changes stock carries ``balances``: the stock on hand of each warehouse x item it touched after the change, with the
ledger row that produced it (``ledger_id`` only grows), so a consumer keeps the newest balance whatever the order
events arrive in.
"""
from marshmallow import Schema, fields, validate

from haven_kernel.events import EventType

SOURCE = "logistics"

UNITS = ("piece", "kit", "kg", "litre", "roll", "set", "box", "metre")
CATEGORIES = ("shelter", "NFI", "WASH", "food", "health", "other")
# How many of an item a household gets: so many per household, or so many per N persons (rounded up).
RULES = ("per_household", "per_persons")
CONDITIONS = ("good", "damaged", "expired")
RECEIPT_KINDS = ("donation", "purchase", "transfer_in")
WAYBILL_STATES = ("draft", "dispatched", "received", "cancelled", "returned")
ADJUSTMENT_REASONS = ("lost", "found", "damaged", "expired", "count_correction", "distributed_without_record",
                      "lost_in_transit")
PRIORITIES = ("low", "normal", "high", "urgent")
PIPELINE_STATUSES = ("ok", "at_risk", "broken")
SECTOR = "Logistics"  # the 3W's sector of stock movements; distributions take their item's category's sector
CATEGORY_SECTORS = {"shelter": "Shelter/NFI", "NFI": "Shelter/NFI", "WASH": "WASH", "food": "Food Security",
                    "health": "Health", "other": "Multi-sector"}

_id = fields.UUID
_org = fields.String(required=True, validate=validate.Length(max=50))
_item = fields.String(required=True, validate=validate.Length(max=40))
_quantity = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))


class Balance(Schema):
    """A warehouse x item after the change: on hand, and its pipeline as the change left it."""

    warehouse_id = _id(required=True)
    item_code = _item
    on_hand = _quantity
    ledger_id = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))
    in_transit = _quantity
    weekly_consumption = fields.Float(required=True, validate=validate.Range(min=0))
    weeks_of_cover = fields.Float(required=True, allow_none=True, validate=validate.Range(min=0))
    status = fields.String(required=True, validate=validate.OneOf(PIPELINE_STATUSES))


class Line(Schema):
    item_code = _item
    quantity = _quantity


class WarehouseOpened(Schema):
    """A warehouse (a central warehouse, or a site's store when ``site_id`` is given) was recorded."""

    warehouse_id = _id(required=True)
    code = fields.String(required=True, validate=validate.Length(max=30))
    name = fields.String(required=True, validate=validate.Length(max=200))
    adm1 = fields.String(required=True, validate=validate.Length(max=100))
    adm2 = fields.String(required=True, validate=validate.Length(max=100))
    site_id = _id(allow_none=True, required=True)
    org = _org


class StockReceived(Schema):
    """Stock came into a warehouse (donation, purchase or transfer in) from a donor or supplier organisation."""

    receipt_id = _id(required=True)
    warehouse_id = _id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(RECEIPT_KINDS))
    from_org = fields.String(required=True, allow_none=True, validate=validate.Length(max=50))
    lines = fields.List(fields.Nested(Line), required=True)
    balances = fields.List(fields.Nested(Balance), required=True)
    org = _org


class WaybillDispatched(Schema):
    """A waybill left its warehouse: its lines were taken out of stock there and are in transit."""

    waybill_id = _id(required=True)
    from_warehouse_id = _id(required=True)
    to_warehouse_id = _id(required=True)
    request_id = _id(allow_none=True, required=True)
    lines = fields.List(fields.Nested(Line), required=True)
    balances = fields.List(fields.Nested(Balance), required=True)
    org = _org


class Discrepancy(Schema):
    item_code = _item
    dispatched = _quantity
    received = _quantity
    lost = _quantity


class WaybillReceived(Schema):
    """A waybill arrived: what was received per line went into stock; each shortfall is in ``discrepancies`` and
    was recorded at once as a lost-in-transit adjustment at the receiving warehouse."""

    waybill_id = _id(required=True)
    from_warehouse_id = _id(required=True)
    to_warehouse_id = _id(required=True)
    request_id = _id(allow_none=True, required=True)
    lines = fields.List(fields.Nested(Line), required=True)
    discrepancies = fields.List(fields.Nested(Discrepancy), required=True)
    balances = fields.List(fields.Nested(Balance), required=True)
    org = _org


class StockAdjusted(Schema):
    """Stock changed by an adjustment (lost, found, damaged, expired, count correction, ...): ``delta`` is signed
    (the good stock moved to a damaged or expired line counts as a change of condition, ``delta`` 0 in total)."""

    adjustment_id = _id(required=True)
    warehouse_id = _id(required=True)
    item_code = _item
    reason = fields.String(required=True, validate=validate.OneOf(ADJUSTMENT_REASONS))
    delta = fields.Integer(strict=True, required=True)
    balances = fields.List(fields.Nested(Balance), required=True)
    org = _org


class DistributionRecorded(Schema):
    """A household received its share of a distribution round (ids and quantities only)."""

    distribution_id = _id(required=True)
    round_id = _id(required=True)
    site_id = _id(required=True)
    warehouse_id = _id(required=True)
    household_id = _id(required=True)
    item_code = _item
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    quantity = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))
    persons = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=30))  # household size
    distributed_on = fields.Date(required=True)
    balances = fields.List(fields.Nested(Balance), required=True)
    org = _org


class PipelineStatusChanged(Schema):
    """A warehouse x item's pipeline changed status: ok, at risk (weeks of cover under the resupply lead time) or
    broken (nothing left). Emitted once per change."""

    warehouse_id = _id(required=True)
    site_id = _id(allow_none=True, required=True)
    item_code = _item
    status = fields.String(required=True, validate=validate.OneOf(PIPELINE_STATUSES))
    previous = fields.String(required=True, allow_none=True, validate=validate.OneOf(PIPELINE_STATUSES))
    on_hand = _quantity
    in_transit = _quantity
    weekly_consumption = fields.Float(required=True, validate=validate.Range(min=0))
    weeks_of_cover = fields.Float(required=True, allow_none=True, validate=validate.Range(min=0))
    lead_time_weeks = fields.Float(required=True, validate=validate.Range(min=0))


EVENTS = (
    EventType(SOURCE, "warehouse_opened", WarehouseOpened, consumers=("reporting",)),
    EventType(SOURCE, "stock_received", StockReceived, consumers=("reporting",)),
    EventType(SOURCE, "waybill_dispatched", WaybillDispatched, consumers=("reporting",)),
    EventType(SOURCE, "waybill_received", WaybillReceived, consumers=("reporting",)),
    EventType(SOURCE, "stock_adjusted", StockAdjusted, consumers=("reporting",)),
    EventType(SOURCE, "distribution_recorded", DistributionRecorded, consumers=("reporting",)),
    EventType(SOURCE, "pipeline_status_changed", PipelineStatusChanged, consumers=("reporting",)),
)
