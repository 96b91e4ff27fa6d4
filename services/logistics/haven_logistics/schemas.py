"""What partners send, validated field by field (marshmallow 4; unknown fields are refused). Quantities are whole
units of the item's unit of measure: strict integers (a fraction, a string, a boolean, zero or a negative number is
refused naming the field); lists are bounded before they are read."""
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from haven_contracts.logistics import (ADJUSTMENT_REASONS, CATEGORIES, PRIORITIES, RECEIPT_KINDS, RULES,
                                       UNITS)
from haven_kernel.fieldsync import ProvenanceSchema
from haven_kernel.validation import Text, UUIDString, choice, not_in_future

from .domain import MAX_LINES, MAX_PAGE, MAX_QUANTITY

CODE = validate.Regexp(r"\A[A-Z0-9][A-Z0-9_.\-]{0,39}\Z", error="Must be upper-case letters, digits, '.', '_' or '-'.")
ORG = validate.Regexp(r"\A[A-Za-z0-9][A-Za-z0-9_.\-]{0,49}\Z", error="Must be an organisation code such as 'IOM'.")
# Adjustments a partner records by hand (lost in transit comes from a waybill's receipt, count corrections from a
# physical count).
MANUAL_REASONS = tuple(r for r in ADJUSTMENT_REASONS if r not in ("lost_in_transit", "count_correction"))


def quantity(minimum=1, **kwargs):
    return fields.Integer(strict=True, validate=validate.Range(min=minimum, max=MAX_QUANTITY), **kwargs)


def lines_of(schema, **kwargs):
    return fields.List(fields.Nested(schema), validate=validate.Length(min=1, max=MAX_LINES), **kwargs)


class Component(Schema):
    item_code = fields.String(required=True, validate=CODE)
    quantity = quantity(required=True)


class ItemSchema(Schema):
    code = fields.String(required=True, validate=CODE)
    name = Text(max_length=200, required=True)
    unit = choice(UNITS, required=True)
    category = choice(CATEGORIES, required=True)
    weight_kg = fields.Float(required=True, validate=validate.Range(min=0, max=100_000))
    volume_m3 = fields.Float(required=True, validate=validate.Range(min=0, max=1_000))
    rule = choice(RULES, required=True)
    rule_quantity = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=1000))
    rule_persons = fields.Integer(strict=True, allow_none=True, load_default=None,
                                  validate=validate.Range(min=1, max=30))
    components = fields.List(fields.Nested(Component), load_default=list, validate=validate.Length(max=50))

    @validates_schema
    def _persons_with_per_persons(self, data, **kwargs):
        if data.get("rule") == "per_persons" and not data.get("rule_persons"):
            raise ValidationError("Required when the rule is per_persons.", "rule_persons")


class WarehouseSchema(Schema):
    code = fields.String(required=True, validate=CODE)
    name = Text(max_length=200, required=True)
    adm1 = Text(max_length=100, required=True)
    adm2 = Text(max_length=100, required=True)
    lat = fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=-180, max=180))
    site_id = UUIDString(allow_none=True, load_default=None)
    capacity_m3 = fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=0, max=1e7))


class StockLevelSchema(Schema):
    warehouse_id = UUIDString(required=True)
    item_code = fields.String(required=True, validate=CODE)
    reorder_level = quantity(minimum=0, required=True)
    lead_time_weeks = fields.Float(required=True, validate=validate.Range(min=0, max=52))


class ReceiptLine(Schema):
    item_code = fields.String(required=True, validate=CODE)
    quantity = quantity(required=True)
    lot = Text(max_length=50, load_default="-")
    expires_on = fields.Date(allow_none=True, load_default=None)
    owner_org = fields.String(allow_none=True, load_default=None, validate=ORG)


class ReceiptSchema(Schema):
    warehouse_id = UUIDString(required=True)
    kind = choice(RECEIPT_KINDS, required=True)
    from_org = fields.String(allow_none=True, load_default=None, validate=ORG)
    reference = Text(max_length=100, allow_none=True, load_default=None)
    received_on = fields.Date(required=True, validate=not_in_future)
    lines = lines_of(ReceiptLine, required=True)


class Line(Schema):
    item_code = fields.String(required=True, validate=CODE)
    quantity = quantity(required=True)


class WaybillSchema(Schema):
    from_warehouse_id = UUIDString(required=True)
    to_warehouse_id = UUIDString(required=True)
    request_id = UUIDString(allow_none=True, load_default=None)
    transporter = Text(max_length=100, allow_none=True, load_default=None)
    vehicle = Text(max_length=50, allow_none=True, load_default=None)
    lines = lines_of(Line, required=True)


class ReceivedLine(Schema):
    item_code = fields.String(required=True, validate=CODE)
    quantity = quantity(minimum=0, required=True)


class WaybillReceiptSchema(Schema):
    lines = lines_of(ReceivedLine, required=True)


class AdjustmentSchema(Schema):
    warehouse_id = UUIDString(required=True)
    item_code = fields.String(required=True, validate=CODE)
    reason = choice(MANUAL_REASONS, required=True)
    quantity = quantity(required=True)
    line_id = UUIDString(allow_none=True, load_default=None)  # the lot; "found" without one goes to lot "found"
    note = Text(max_length=500, allow_none=True, load_default=None)


class CountLine(Schema):
    line_id = UUIDString(required=True)
    counted = quantity(minimum=0, required=True)


class CountSchema(Schema):
    warehouse_id = UUIDString(required=True)
    counted_on = fields.Date(required=True, validate=not_in_future)
    lines = lines_of(CountLine, required=True)


class RequestSchema(Schema):
    site_id = UUIDString(required=True)
    warehouse_id = UUIDString(required=True)
    priority = choice(PRIORITIES, load_default="normal")
    needed_by = fields.Date(required=True)
    lines = lines_of(Line, required=True)


class RoundSchema(Schema):
    site_id = UUIDString(required=True)
    warehouse_id = UUIDString(required=True)
    item_code = fields.String(required=True, validate=CODE)
    rule = choice(RULES, allow_none=True, load_default=None)  # default: the item's own rule
    rule_quantity = fields.Integer(strict=True, allow_none=True, load_default=None,
                                   validate=validate.Range(min=1, max=1000))
    rule_persons = fields.Integer(strict=True, allow_none=True, load_default=None,
                                  validate=validate.Range(min=1, max=30))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)

    @validates_schema
    def _dates(self, data, **kwargs):
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("Must not be before starts_on.", "ends_on")
        if data.get("rule") == "per_persons" and not data.get("rule_persons"):
            raise ValidationError("Required when the rule is per_persons.", "rule_persons")


class DistributionSchema(Schema):
    """One household's share of a round. Recorded offline in the field, it may carry its ``provenance`` (when, where
    and by whom it was collected: haven_kernel.fieldsync); ``distributed_on`` is then the day of
    ``provenance.collected_at`` unless given (and never after it)."""

    round_id = UUIDString(required=True)
    household_id = UUIDString(required=True)
    distributed_on = fields.Date(allow_none=True, load_default=None, validate=not_in_future,
                                 metadata={"description": "the day the household received it; required unless "
                                                          "`provenance` is given (then its `collected_at` day)"})
    provenance = fields.Nested(ProvenanceSchema, allow_none=True, load_default=None)

    @validates_schema
    def _day(self, data, **kwargs):
        collected = (data.get("provenance") or {}).get("collected_at")
        if data.get("distributed_on") is None and collected is None:
            raise ValidationError("Required (or give provenance.collected_at).", "distributed_on")
        if collected is not None and data.get("distributed_on") is not None \
                and data["distributed_on"] > collected.date():
            raise ValidationError("Must not be after provenance.collected_at (a distribution is recorded when it "
                                  "is made or later).", "distributed_on")

    @post_load
    def _collected_day(self, data, **kwargs):
        if data["distributed_on"] is None:
            data["distributed_on"] = data["provenance"]["collected_at"].date()
        return data


class PageSchema(Schema):
    limit = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=MAX_PAGE))
    offset = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))


