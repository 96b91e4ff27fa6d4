"""Receipts (donation, purchase, transfer in), adjustments with reasons, and physical counts (which produce
count-correction adjustments for the differences). Each goes through the ledger (``stock.Stock``): no quantity is
ever set, and each emits its event with the balances after it."""
import uuid
from datetime import date

from haven_kernel.clock import utcnow
from haven_kernel.errors import Conflict, ValidationError
from haven_kernel.validation import load

from . import views
from .models import Adjustment, Receipt
from .repository import Repository
from .schemas import AdjustmentSchema, CountSchema, ReceiptSchema
from .stock import Stock
from .warehouses import warehouse_to_change

OUT_REASONS = ("lost", "damaged", "expired", "distributed_without_record")
CONDITION_OF = {"damaged": "damaged", "expired": "expired"}  # these move stock to a line of that condition


def known_items(repository, lines, field):
    """The items the lines name ({code: Item}); ValidationError naming each unknown or repeated one."""
    items = repository.items({line["item_code"] for line in lines})
    errors, seen = {}, set()
    for index, line in enumerate(lines):
        if line["item_code"] not in items:
            errors[f"{field}.{index}.item_code"] = [f"Unknown item {line['item_code']}."]
        elif line["item_code"] in seen:
            errors[f"{field}.{index}.item_code"] = ["Each item once per list."]
        seen.add(line["item_code"])
    if errors:
        raise ValidationError(errors)
    return items


def receive_stock(unit, payload):
    data = load(ReceiptSchema(), payload, field="receipt")
    warehouse = warehouse_to_change(unit, data["warehouse_id"], "receipt.warehouse_id")
    repository = Repository(unit.session)
    items = {}
    for index, line in enumerate(data["lines"]):  # a donor may send two lots of one item: lines may repeat items
        items[line["item_code"]] = repository.item(line["item_code"])
        if items[line["item_code"]] is None:
            raise ValidationError({f"receipt.lines.{index}.item_code": [f"Unknown item {line['item_code']}."]})
    receipt = Receipt(id=str(uuid.uuid4()), warehouse_id=warehouse.id, kind=data["kind"], from_org=data["from_org"],
                      reference=data["reference"], received_on=data["received_on"], org=unit.caller.org,
                      created_at=utcnow(), lines=[views.json_line(line) for line in data["lines"]])
    unit.session.add(receipt)
    stock = Stock(unit)
    positions = stock.lock({(warehouse.id, code) for code in items}, create=True)
    for line in data["lines"]:
        lot = stock.line_for(warehouse.id, line["item_code"], line["lot"], line["expires_on"],
                             line["owner_org"] or data["from_org"] or unit.caller.org)
        stock.put(positions[(warehouse.id, line["item_code"])], lot, line["quantity"], "receipt", receipt.id)
    unit.emit("stock_received", {
        "receipt_id": receipt.id, "warehouse_id": warehouse.id, "kind": receipt.kind, "from_org": receipt.from_org,
        "lines": views.summed(data["lines"]), "balances": stock.balances(positions), "org": unit.caller.org})
    return views.receipt(receipt)


def adjust_stock(unit, payload):
    data = load(AdjustmentSchema(), payload, field="adjustment")
    warehouse = warehouse_to_change(unit, data["warehouse_id"], "adjustment.warehouse_id")
    repository = Repository(unit.session)
    if repository.item(data["item_code"]) is None:
        raise ValidationError({"adjustment.item_code": [f"Unknown item {data['item_code']}."]})
    stock = Stock(unit)
    key = (warehouse.id, data["item_code"])
    position = stock.lock({key}, create=True)[key]
    line = None
    if data["line_id"] is not None:
        line = repository.line(data["line_id"])
        if line is None or (line.warehouse_id, line.item_code) != key:
            raise ValidationError({"adjustment.line_id": ["Not a lot of this item in this warehouse."]})
    adjustment_id = str(uuid.uuid4())
    reason, quantity = data["reason"], data["quantity"]
    if reason == "found":
        line = line or stock.line_for(warehouse.id, data["item_code"], "found", None, unit.caller.org)
        stock.put(position, line, quantity, "adjustment", adjustment_id)
        delta = quantity
    else:
        if line is None:
            raise ValidationError({"adjustment.line_id": ["Required: the lot the units come out of."]})
        if line.quantity < quantity:
            raise Conflict(f"lot {line.lot} of {line.item_code} holds {line.quantity}; cannot take {quantity}")
        stock.take(position, line, quantity, "adjustment", adjustment_id)
        delta = -quantity
        if reason in CONDITION_OF:
            moved = stock.line_for(warehouse.id, line.item_code, line.lot, line.expires_on, line.owner_org,
                                   CONDITION_OF[reason])
            stock.put(position, moved, quantity, "adjustment", adjustment_id)
            delta = 0
    return views.adjustment(_record(unit, stock, adjustment_id, position, line, reason, delta, note=data["note"]))


def _record(unit, stock, adjustment_id, position, line, reason, delta, note=None, waybill_id=None, count_id=None):
    """The adjustment's row and its event."""
    row = Adjustment(id=adjustment_id, warehouse_id=position.warehouse_id, item_code=position.item_code,
                     line_id=line.id, reason=reason, delta=delta, waybill_id=waybill_id, count_id=count_id,
                     note=note, org=unit.caller.org, at=utcnow())
    unit.session.add(row)
    key = (position.warehouse_id, position.item_code)
    unit.emit("stock_adjusted", {"adjustment_id": row.id, "warehouse_id": row.warehouse_id,
                                 "item_code": row.item_code, "reason": reason, "delta": delta,
                                 "balances": stock.balances({key}), "org": unit.caller.org})
    return row


def lost_in_transit(unit, stock, position, line, quantity, waybill_id):
    """A waybill's shortfall, taken out at once at the receiving warehouse: never silently absorbed."""
    adjustment_id = str(uuid.uuid4())
    stock.take(position, line, quantity, "adjustment", adjustment_id)
    return _record(unit, stock, adjustment_id, position, line, "lost_in_transit", -quantity, waybill_id=waybill_id)


def record_count(unit, payload, today=None):
    """A physical count of lots: each difference from the books becomes a count-correction adjustment."""
    data = load(CountSchema(), payload, field="count")
    warehouse = warehouse_to_change(unit, data["warehouse_id"], "count.warehouse_id")
    repository = Repository(unit.session)
    lines, errors = [], {}
    for index, counted in enumerate(data["lines"]):
        line = repository.line(counted["line_id"])
        if line is None or line.warehouse_id != warehouse.id:
            errors[f"count.lines.{index}.line_id"] = ["Not a lot in this warehouse."]
        elif any(line is seen for seen, _ in lines):
            errors[f"count.lines.{index}.line_id"] = ["Each lot once per count."]
        lines.append((line, counted["counted"]))
    if errors:
        raise ValidationError(errors)
    stock = Stock(unit)
    positions = stock.lock({(line.warehouse_id, line.item_code) for line, _ in lines})
    count_id = str(uuid.uuid4())
    made = []
    for line, counted in lines:
        unit.session.refresh(line)
        difference = counted - line.quantity
        if difference == 0:
            continue
        position = positions[(line.warehouse_id, line.item_code)]
        adjustment_id = str(uuid.uuid4())
        if difference > 0:
            stock.put(position, line, difference, "adjustment", adjustment_id)
        else:
            stock.take(position, line, -difference, "adjustment", adjustment_id)
        made.append(_record(unit, stock, adjustment_id, position, line, "count_correction", difference,
                            count_id=count_id))
    return {"count_id": count_id, "counted_on": (data["counted_on"] or today or date.today()).isoformat(),
            "adjustments": [views.adjustment(row) for row in made]}
