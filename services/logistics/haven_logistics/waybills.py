"""Waybills (draft -> dispatched -> received, or cancelled before dispatch, or returned after it) and the site
requests they fulfil. A waybill's row is locked before it changes state, so dispatching or receiving it twice, even
at once, has one effect: the second is a Conflict saying what happened first."""
import uuid
from datetime import date

from haven_kernel import versions
from haven_kernel.clock import iso, utcnow
from haven_kernel.errors import Conflict, NotFound, ValidationError
from haven_kernel.replica import Replica
from haven_kernel.validation import load, parse_uuid

from . import access, domain, views
from .models import Site, StockRequest, Waybill
from .movements import known_items, lost_in_transit
from .repository import Repository
from .schemas import RequestSchema, WaybillReceiptSchema, WaybillSchema
from .stock import Stock
from .warehouses import any_warehouse, warehouse_to_change


def create_waybill(unit, payload):
    data = load(WaybillSchema(), payload, field="waybill")
    origin = warehouse_to_change(unit, data["from_warehouse_id"], "waybill.from_warehouse_id")
    destination = any_warehouse(unit, data["to_warehouse_id"], "waybill.to_warehouse_id")
    if origin.id == destination.id:
        raise ValidationError({"waybill.to_warehouse_id": ["Must differ from from_warehouse_id."]})
    known_items(Repository(unit.session), data["lines"], "waybill.lines")
    if data["request_id"] is not None:
        request = unit.session.get(StockRequest, data["request_id"])
        if request is None or request.warehouse_id != destination.id:
            raise ValidationError({"waybill.request_id": ["Not a request for the destination warehouse."]})
    waybill = Waybill(id=str(uuid.uuid4()), from_warehouse_id=origin.id, to_warehouse_id=destination.id,
                      request_id=data["request_id"], state="draft", transporter=data["transporter"],
                      vehicle=data["vehicle"], lines=[views.json_line(line) for line in data["lines"]],
                      org=unit.caller.org, created_at=utcnow(), version=1)
    unit.session.add(waybill)
    unit.session.flush()
    return views.waybill(waybill)


def _locked(unit, waybill_id, expected_version=None):
    """The waybill, locked, with the caller's ``expected_version`` checked for its form (compared by
    :func:`_current` once the caller may see the waybill)."""
    expected = versions.expected_version(expected_version, "waybill")
    waybill_id = parse_uuid(waybill_id, "waybill_id")
    return waybill_id, Repository(unit.session).waybill(waybill_id, lock=True), expected


def _current(waybill, expected):
    """Conflict when the waybill changed since the caller read it at ``expected``."""
    versions.require_version("waybill", waybill.id, waybill.version, expected)


def _changed(waybill, state):
    waybill.state, waybill.version = state, waybill.version + 1


def _refuse(waybill, doing):
    when = waybill.closed_at or waybill.dispatched_at
    raise Conflict(f"waybill {waybill.id} is {waybill.state}" + (f" (since {iso(when)})" if when else "")
                   + f"; cannot {doing} it")


def dispatch_waybill(unit, waybill_id, today=None, expected_version=None):
    waybill_id, waybill, expected = _locked(unit, waybill_id, expected_version)
    access.record(unit, waybill, "waybill", waybill_id, write=True)
    _current(waybill, expected)
    if waybill.state != "draft":
        _refuse(waybill, "dispatch")
    stock = Stock(unit)
    today = today or date.today()
    origin = {(waybill.from_warehouse_id, line["item_code"]) for line in waybill.lines}
    arriving = {(waybill.to_warehouse_id, line["item_code"]) for line in waybill.lines}
    positions = stock.lock(origin | arriving, create=True)
    picks = []
    for line in waybill.lines:
        position = positions[(waybill.from_warehouse_id, line["item_code"])]
        taken = stock.take_first_expiring(position, line["quantity"], today, "dispatch", waybill.id,
                                          f"waybill {waybill.id}")
        picks.append({"item_code": line["item_code"], "lots": taken})
    for key in arriving:  # their in-transit figure changed: reviewed at the commit
        stock.touched.positions[key] = positions[key]
    waybill.picks, waybill.dispatched_at = picks, utcnow()
    _changed(waybill, "dispatched")
    unit.emit("waybill_dispatched", {**_event(waybill), "balances": stock.balances(origin)})
    return views.waybill(waybill)


def receive_waybill(unit, waybill_id, payload, expected_version=None):
    waybill_id, waybill, expected = _locked(unit, waybill_id, expected_version)
    destination = Repository(unit.session).warehouse(waybill.to_warehouse_id) if waybill else None
    access.waybill(unit, waybill, destination, waybill_id, write=True)
    _current(waybill, expected)
    data = load(WaybillReceiptSchema(), payload, field="receipt")
    if waybill.state != "dispatched":
        _refuse(waybill, "receive")
    received = _received(waybill, data["lines"])
    stock = Stock(unit)
    keys = {(waybill.to_warehouse_id, code) for code in received}
    positions = stock.lock(keys, create=True)
    discrepancies = []
    for pick in waybill.picks:
        code = pick["item_code"]
        position = positions[(waybill.to_warehouse_id, code)]
        lost_total = 0
        for lot, got, lost in domain.split_received(pick["lots"], received[code]):
            line = stock.line_for(waybill.to_warehouse_id, code, lot["lot"],
                                  date.fromisoformat(lot["expires_on"]) if lot["expires_on"] else None,
                                  lot["owner_org"])
            stock.put(position, line, got + lost, "waybill_receipt", waybill.id)
            if lost:
                lost_in_transit(unit, stock, position, line, lost, waybill.id)
                lost_total += lost
        if lost_total:
            dispatched = sum(lot["quantity"] for lot in pick["lots"])
            discrepancies.append({"item_code": code, "dispatched": dispatched, "received": received[code],
                                  "lost": lost_total})
    waybill.received = [{"item_code": code, "quantity": quantity} for code, quantity in received.items()]
    waybill.closed_at = utcnow()
    _changed(waybill, "received")
    unit.emit("waybill_received", {**_event(waybill), "lines": waybill.received, "discrepancies": discrepancies,
                                   "balances": stock.balances(keys)})
    return {**views.waybill(waybill), "discrepancies": discrepancies}


def _received(waybill, lines):
    """{item_code: received} for every line of the waybill; ValidationError naming a line that is not on it, is
    given twice or more than was dispatched, or a waybill line left out."""
    dispatched = {line["item_code"]: line["quantity"] for line in waybill.lines}
    received, errors = {}, {}
    for index, line in enumerate(lines):
        code = line["item_code"]
        if code not in dispatched:
            errors[f"receipt.lines.{index}.item_code"] = [f"{code} is not on this waybill."]
        elif code in received:
            errors[f"receipt.lines.{index}.item_code"] = ["Each item once."]
        elif line["quantity"] > dispatched[code]:
            errors[f"receipt.lines.{index}.quantity"] = [
                f"{line['quantity']} received is more than the {dispatched[code]} dispatched; record the excess "
                f"as a receipt (found) instead."]
        received[code] = line["quantity"]
    missing = [code for code in dispatched if code not in received]
    if missing:
        errors["receipt.lines"] = [f"Say what was received of every line; missing: {', '.join(missing)}."]
    if errors:
        raise ValidationError(errors)
    return received


def cancel_waybill(unit, waybill_id, expected_version=None):
    waybill_id, waybill, expected = _locked(unit, waybill_id, expected_version)
    access.record(unit, waybill, "waybill", waybill_id, write=True)
    _current(waybill, expected)
    if waybill.state != "draft":
        _refuse(waybill, "cancel")
    waybill.closed_at = utcnow()
    _changed(waybill, "cancelled")
    return views.waybill(waybill)


def return_waybill(unit, waybill_id, expected_version=None):
    """A dispatched waybill that came back: its lots go back into the warehouse they left."""
    waybill_id, waybill, expected = _locked(unit, waybill_id, expected_version)
    access.record(unit, waybill, "waybill", waybill_id, write=True)
    _current(waybill, expected)
    if waybill.state != "dispatched":
        _refuse(waybill, "return")
    stock = Stock(unit)
    keys = {(waybill.from_warehouse_id, pick["item_code"]) for pick in waybill.picks}
    arriving = {(waybill.to_warehouse_id, pick["item_code"]) for pick in waybill.picks}
    positions = stock.lock(keys | arriving, create=True)
    repository = Repository(unit.session)
    for pick in waybill.picks:
        for lot in pick["lots"]:
            stock.put(positions[(waybill.from_warehouse_id, pick["item_code"])], repository.line(lot["line_id"]),
                      lot["quantity"], "return", waybill.id)
    for key in arriving:
        stock.touched.positions[key] = positions[key]
    waybill.closed_at = utcnow()
    _changed(waybill, "returned")
    return views.waybill(waybill)


def get_waybill(unit, waybill_id):
    waybill_id = parse_uuid(waybill_id, "waybill_id")
    waybill = Repository(unit.session).waybill(waybill_id)
    destination = Repository(unit.session).warehouse(waybill.to_warehouse_id) if waybill else None
    return views.waybill(access.waybill(unit, waybill, destination, waybill_id))


def _event(waybill):
    return {"waybill_id": waybill.id, "from_warehouse_id": waybill.from_warehouse_id,
            "to_warehouse_id": waybill.to_warehouse_id, "request_id": waybill.request_id, "lines": waybill.lines,
            "org": waybill.org}


# -- requests ---------------------------------------------------------------------------------------------------
def create_request(unit, payload, site_lookup=None):
    data = load(RequestSchema(), payload, field="request")
    if Replica(Site, unit, fallback=site_lookup).get(data["site_id"]) is None:
        raise ValidationError({"request.site_id": [f"Unknown site {data['site_id']}."]})
    warehouse = any_warehouse(unit, data["warehouse_id"], "request.warehouse_id")
    known_items(Repository(unit.session), data["lines"], "request.lines")
    request = StockRequest(id=str(uuid.uuid4()), site_id=data["site_id"], warehouse_id=warehouse.id,
                           priority=data["priority"], needed_by=data["needed_by"],
                           lines=[views.json_line(line) for line in data["lines"]], org=unit.caller.org,
                           created_at=utcnow())
    unit.session.add(request)
    unit.session.flush()
    return views.request(request, "none", {})


def get_request(unit, request_id):
    request_id = parse_uuid(request_id, "request_id")
    request = unit.session.get(StockRequest, request_id)
    if request is None:
        raise NotFound(f"request {request_id} does not exist")
    delivered = {}
    for waybill in Repository(unit.session).waybills_for_request(request.id):
        if waybill.state == "received":
            for line in waybill.received:
                delivered[line["item_code"]] = delivered.get(line["item_code"], 0) + line["quantity"]
    return views.request(request, domain.rollup(request.lines, delivered), delivered)
