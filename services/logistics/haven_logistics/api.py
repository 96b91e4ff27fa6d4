"""Logistics' RPC contracts: what a partner must know of each method (haven_kernel.contract). Arguments come from
the schemas the methods validate with; example calls and replies from real calls (examples.json). Quantities are
whole units of the item's unit of measure; stock moves only through receipts, waybills, adjustments, counts and
distributions, each a row of the insert-only ledger."""
from marshmallow import fields, validate

from haven_kernel import versions
from haven_kernel.contract import RpcContract, load_examples
from haven_kernel.fieldsync import sync_items
from haven_kernel.validation import UUIDString

from .domain import MAX_BATCH, MAX_PAGE
from .schemas import (CODE, AdjustmentSchema, CountSchema, DistributionSchema, ItemSchema, ReceiptSchema,
                      RequestSchema, RoundSchema, StockLevelSchema, WarehouseSchema, WaybillReceiptSchema,
                      WaybillSchema)

EXAMPLES = load_examples(__name__.rpartition(".")[0])
NO_WAREHOUSE = "no warehouse has this `warehouse_id`"
NO_WAYBILL = "no waybill has this `waybill_id`"
NO_ITEM = "no item has this code"
STOCK = "The warehouse's stock on hand per item (lots, quantities, cover, pipeline `status`)."
WAYBILL = ("The waybill: `waybill_id`, `status` (draft, dispatched, received, cancelled, returned), its warehouses, "
           "`lines` (sent and received), its request, its `version` (one more at each change of state).")
STALE_WAYBILL = ("`expected_version` is given and the waybill's `version` differs (it changed since it was read), "
                 "or the waybill is not in a state to do this")


WAYBILL_VERSION = versions.expected_version_field("waybill")


def _item_code(required=True, **kwargs):
    return fields.String(required=required, validate=CODE, metadata={"example": "KIT-SHELTER"}, **kwargs)


def _id():
    return UUIDString(required=True)


LIST_ITEMS = RpcContract("The item catalogue (items and kits with their distribution rule).",
                         reply="A list of items.", example=EXAMPLES.get("list_items"))

GET_ITEM = RpcContract("One item or kit.", args={"code": _item_code()}, reply="The item.",
                       example=EXAMPLES.get("get_item"), errors={"NotFound": NO_ITEM})

PUT_ITEM = RpcContract(
    "Add an item or kit to the catalogue, or change it (by its code). Give `expected_version` (the item's `version` "
    "as you read it) so that a change made since by someone else is not overwritten.",
    args={"item": ItemSchema, "expected_version": versions.expected_version_field("item")},
    reply="The item, with its `version` (1 when added, one more at each change).", writes=True,
    example=EXAMPLES.get("put_item"),
    errors={"ValidationError": "a field of `item` is wrong (`item.rule_persons` missing for per_persons, a component "
                               "not in the catalogue...)",
            "Conflict": "`expected_version` is given and the item's `version` differs, or there is no such item"})

CREATE_WAREHOUSE = RpcContract(
    "Open a warehouse (a central one, or a site's store).", args={"warehouse": WarehouseSchema},
    reply="The warehouse.", writes=True, example=EXAMPLES.get("create_warehouse"),
    errors={"ValidationError": "a field of `warehouse` is wrong, or its site is unknown",
            "Conflict": "the warehouse `code` is taken"})

LIST_WAREHOUSES = RpcContract("The warehouses, of a site or all.",
                              args={"site_id": UUIDString(allow_none=True, load_default=None)},
                              reply="A list of warehouses.", example=EXAMPLES.get("list_warehouses"))

GET_WAREHOUSE = RpcContract("One warehouse.", args={"warehouse_id": _id()}, reply="The warehouse.",
                            example=EXAMPLES.get("get_warehouse"), errors={"NotFound": NO_WAREHOUSE})

SET_STOCK_LEVEL = RpcContract(
    "Set an item's reorder level and lead time at a warehouse (what its pipeline status is judged by).",
    args={"level": StockLevelSchema, "expected_version": versions.expected_version_field("stock level")},
    reply="The stock level and the item's pipeline there, with the level's `version` (1 for the defaults, one more "
          "at each change).", writes=True,
    example=EXAMPLES.get("set_stock_level"),
    errors={"NotFound": NO_WAREHOUSE + ", or " + NO_ITEM,
            "Conflict": "`expected_version` is given and the level's `version` differs (it changed since it was "
                        "read)"})

STOCK_ON_HAND = RpcContract(
    "A warehouse's stock on hand, of one item or all.",
    args={"warehouse_id": _id(), "item_code": _item_code(False, allow_none=True, load_default=None)}, reply=STOCK,
    example=EXAMPLES.get("stock_on_hand"), errors={"NotFound": NO_WAREHOUSE})

STOCK_CARD = RpcContract(
    "An item's stock card at a warehouse: its ledger rows, newest first, a page at a time.",
    args={"warehouse_id": _id(), "item_code": _item_code(),
          "limit": fields.Integer(strict=True, load_default=100, validate=validate.Range(min=1, max=MAX_PAGE)),
          "offset": fields.Integer(strict=True, load_default=0, validate=validate.Range(min=0))},
    reply="The ledger rows (`at`, `kind`, `quantity`, `balance`, `reference`...) and `next_offset`.",
    example=EXAMPLES.get("stock_card"), errors={"NotFound": NO_WAREHOUSE})

PIPELINE = RpcContract(
    "The pipeline: per warehouse and item, stock, in transit, weekly consumption, weeks of cover and status (ok, "
    "at_risk, broken).", args={"warehouse_id": UUIDString(allow_none=True, load_default=None)},
    reply="A list of positions.", example=EXAMPLES.get("pipeline"))

RECEIVE_STOCK = RpcContract(
    "Receive stock at a warehouse (a donation, a purchase, a transfer in), by lot.", args={"receipt": ReceiptSchema},
    reply="The receipt and the warehouse's stock of the items received.", writes=True,
    example=EXAMPLES.get("receive_stock"),
    errors={"ValidationError": "a field of `receipt` is wrong (`receipt.lines.0.item_code` not in the catalogue...)",
            "NotFound": NO_WAREHOUSE})

ADJUST_STOCK = RpcContract(
    "Record stock lost, found, damaged, expired or distributed without a record.",
    args={"adjustment": AdjustmentSchema}, reply="The adjustment and the item's stock.", writes=True,
    example=EXAMPLES.get("adjust_stock"),
    errors={"ValidationError": "`adjustment.line_id` (the lot) is missing for units going out, or a field is wrong",
            "NotFound": NO_WAREHOUSE + ", or the lot", "Conflict": "more than the stock on hand"})

RECORD_COUNT = RpcContract(
    "A physical count of lots: each difference is booked as a count correction.", args={"count": CountSchema},
    reply="The corrections booked.", writes=True, example=EXAMPLES.get("record_count"),
    errors={"NotFound": NO_WAREHOUSE + ", or a lot"})

CREATE_WAYBILL = RpcContract(
    "Draft a waybill from one warehouse to another (optionally for a request).", args={"waybill": WaybillSchema},
    reply=WAYBILL, writes=True, example=EXAMPLES.get("create_waybill"),
    errors={"ValidationError": "a field of `waybill` is wrong, or both warehouses are the same",
            "NotFound": "a warehouse, an item or the request is unknown"})

GET_WAYBILL = RpcContract("One waybill.", args={"waybill_id": _id()}, reply=WAYBILL,
                          example=EXAMPLES.get("get_waybill"), errors={"NotFound": NO_WAYBILL})

DISPATCH_WAYBILL = RpcContract(
    "Dispatch a draft waybill: its stock leaves the sending warehouse (first expiring first out) and is in transit.",
    args={"waybill_id": _id(), "expected_version": WAYBILL_VERSION}, reply=WAYBILL, writes=True,
    example=EXAMPLES.get("dispatch_waybill"),
    errors={"NotFound": NO_WAYBILL, "Conflict": "the waybill is not a draft, or the stock is short, or "
                                                "`expected_version` is given and the waybill changed since"})

RECEIVE_WAYBILL = RpcContract(
    "Receive a dispatched waybill: what arrived enters the receiving warehouse, the rest is booked lost in transit.",
    args={"waybill_id": _id(), "receipt": WaybillReceiptSchema, "expected_version": WAYBILL_VERSION}, reply=WAYBILL,
    writes=True, example=EXAMPLES.get("receive_waybill"),
    errors={"ValidationError": "a line is not on the waybill or more than was sent", "NotFound": NO_WAYBILL,
            "Conflict": "the waybill is not dispatched, or " + STALE_WAYBILL})

CANCEL_WAYBILL = RpcContract("Cancel a draft waybill.", args={"waybill_id": _id(), "expected_version": WAYBILL_VERSION},
                             reply=WAYBILL, writes=True, example=EXAMPLES.get("cancel_waybill"),
                             errors={"NotFound": NO_WAYBILL, "Conflict": "the waybill is not a draft, or "
                                                                         + STALE_WAYBILL})

RETURN_WAYBILL = RpcContract(
    "Return a dispatched waybill: its stock goes back to the sending warehouse.",
    args={"waybill_id": _id(), "expected_version": WAYBILL_VERSION}, reply=WAYBILL, writes=True,
    example=EXAMPLES.get("return_waybill"),
    errors={"NotFound": NO_WAYBILL, "Conflict": "the waybill is not dispatched, or " + STALE_WAYBILL})

CREATE_REQUEST = RpcContract(
    "Request items for a site's warehouse; waybills for it roll its fulfilment up (none, partial, complete).",
    args={"request": RequestSchema}, reply="The request with its `fulfilment`.", writes=True,
    example=EXAMPLES.get("create_request"),
    errors={"ValidationError": "a field of `request` is wrong, or the site is unknown",
            "NotFound": NO_WAREHOUSE + ", or an item"})

GET_REQUEST = RpcContract("One request with its fulfilment.", args={"request_id": _id()},
                          reply="The request.", example=EXAMPLES.get("get_request"),
                          errors={"NotFound": "no request has this `request_id`"})

CREATE_ROUND = RpcContract(
    "Open a distribution round of an item at a site from a warehouse, between two dates (the item's rule unless "
    "given).", args={"round": RoundSchema}, reply="The round.", writes=True, example=EXAMPLES.get("create_round"),
    errors={"ValidationError": "a field of `round` is wrong, or the site is unknown",
            "NotFound": NO_WAREHOUSE + ", or " + NO_ITEM})

GET_ROUND = RpcContract("One round with its figures (households reached, quantities).", args={"round_id": _id()},
                        reply="The round.", example=EXAMPLES.get("get_round"),
                        errors={"NotFound": "no round has this `round_id`"})

DISTRIBUTION = ("The distribution: `distribution_id`, `round_id`, `household_id`, `item_code`, `quantity`, "
                "`distributed_on` (the day it was made), `org`, `recorded_at` (when logistics recorded it) and "
                "`provenance` (null when recorded on the spot).")

RECORD_DISTRIBUTION = RpcContract(
    "Record that a household received the round's item (once per round); the quantity follows the rule and the "
    "household's size. Recorded offline in the field, it may carry its `provenance` (`collected_at` with its time "
    "zone, not in the future nor older than the sync window; `place`; `enumerator_id`, `device_id`): "
    "`distributed_on` is then the day of `collected_at` unless given.",
    args={"distribution": DistributionSchema}, reply=DISTRIBUTION, writes=True,
    example=EXAMPLES.get("record_distribution"),
    errors={"ValidationError": "a field of `distribution` is wrong (`distribution.provenance.collected_at` in the "
                               "future or older than the sync window, `distribution.distributed_on` after it...)",
            "NotFound": "the round is unknown",
            "ServiceUnavailable": "logistics has not heard of the household yet (registration's event): retry shortly",
            "Conflict": "the household already received this round's item, the round is closed, or the stock is "
                        "short"})

RECORD_DISTRIBUTIONS = RpcContract(
    "Up to 1,000 distributions in one call, each recorded or refused on its own.",
    args={"distributions": fields.List(fields.Nested(DistributionSchema), required=True,
                                       validate=validate.Length(min=1, max=MAX_BATCH))},
    reply="One result per distribution, in order: the distribution, or `error` (its type, message, field map and "
          "`retry` when the household is not known yet).", writes=True,
    example=EXAMPLES.get("record_distributions"),
    errors={"ValidationError": "`distributions` is not a list of at most 1,000"})

SYNC_DISTRIBUTIONS = RpcContract(
    "Offline field sync: a device's batch of distributions recorded in the field, each with the key the device "
    "chose for it (the form's instance id). Each is recorded as `record_distribution` would, once per key: send the "
    "whole batch again after any failure, nothing is recorded nor taken from stock twice.",
    args={"items": sync_items(DistributionSchema)},
    reply="One answer per item, in order, with its `key` and `outcome`: `created` (the distribution), "
          "`already_synced` (this key was synced with the same record: the distribution as it is), `conflict` (this "
          "key was synced with another record: the distribution recorded for it, and a `message`), `invalid` "
          "(`error`: the type, message and field map `record_distribution` would raise, e.g. a Conflict naming the "
          "household's earlier distribution of the round, or `provenance.collected_at` out of the window; nothing "
          "kept, a corrected record may be sent with the key) or `unavailable` (logistics has not heard of the "
          "household yet: send it again later).", writes=True, example=EXAMPLES.get("sync_distributions"),
    errors={"ValidationError": "`items` is not a list of 1 to 500"})
