"""Receipts, waybills, adjustments and counts over the unit of work on SQLite."""
from datetime import timedelta

import pytest

from haven_kernel.errors import Conflict, Forbidden, NotFound, ValidationError

from haven_logistics import movements, waybills, warehouses
from haven_logistics.models import Ledger, Waybill

from .conftest import TODAY


def card(unit, warehouse_id, item_code):
    with unit.transaction():
        return warehouses.stock_card(unit, warehouse_id, item_code, limit=200)


def test_a_donation_received_is_on_hand_and_on_the_card(unit, world):
    world.receive(world.central, "KIT-SHELTER", 500)
    assert world.on_hand(world.central, "KIT-SHELTER") == 500
    stock = card(unit, world.central, "KIT-SHELTER")
    assert [(r["movement"], r["quantity_in"], r["balance_after"]) for r in stock["rows"]] == [("receipt", 500, 500)]
    received = unit.events("stock_received")[0]
    assert received["lines"] == [{"item_code": "KIT-SHELTER", "quantity": 500}]
    assert received["balances"][0]["on_hand"] == 500 and received["from_org"] == "ECHO"


def test_a_waybill_with_a_loss_in_transit_records_the_loss_at_once(unit, world):
    world.receive(world.central, "KIT-SHELTER", 300)
    with unit.transaction():
        waybill = waybills.create_waybill(unit, {"from_warehouse_id": world.central, "to_warehouse_id": world.store,
                                                 "transporter": "WFP", "vehicle": "AB-123",
                                                 "lines": [{"item_code": "KIT-SHELTER", "quantity": 200}]})
    with unit.transaction():
        waybills.dispatch_waybill(unit, waybill["waybill_id"])
    assert world.on_hand(world.central, "KIT-SHELTER") == 100
    with pytest.raises(Conflict, match="dispatched"), unit.transaction():
        waybills.dispatch_waybill(unit, waybill["waybill_id"])
    with pytest.raises(ValidationError) as excess, unit.transaction():
        waybills.receive_waybill(unit, waybill["waybill_id"],
                                 {"lines": [{"item_code": "KIT-SHELTER", "quantity": 201}]})
    assert list(excess.value.errors) == ["receipt.lines.0.quantity"]
    with unit.transaction():
        received = waybills.receive_waybill(unit, waybill["waybill_id"],
                                            {"lines": [{"item_code": "KIT-SHELTER", "quantity": 195}]})
    assert received["discrepancies"] == [{"item_code": "KIT-SHELTER", "dispatched": 200, "received": 195,
                                          "lost": 5}]
    assert world.on_hand(world.store, "KIT-SHELTER") == 195
    rows = card(unit, world.store, "KIT-SHELTER")["rows"]
    assert [(r["movement"], r["quantity_in"], r["quantity_out"]) for r in rows] == [
        ("waybill_receipt", 200, 0), ("adjustment", 0, 5)]
    assert [e["reason"] for e in unit.events("stock_adjusted")] == ["lost_in_transit"]
    with pytest.raises(Conflict, match="received"), unit.transaction():
        waybills.receive_waybill(unit, waybill["waybill_id"],
                                 {"lines": [{"item_code": "KIT-SHELTER", "quantity": 195}]})
    assert world.on_hand(world.store, "KIT-SHELTER") == 195 and len(unit.events("waybill_received")) == 1


def test_first_expiry_first_out_and_never_expired_or_damaged_stock(unit, world):
    world.receive(world.central, "KIT-HYGIENE", 10, lot="LATE", expires_on=TODAY + timedelta(days=300))
    world.receive(world.central, "KIT-HYGIENE", 10, lot="SOON", expires_on=TODAY + timedelta(days=30))
    world.receive(world.central, "KIT-HYGIENE", 10, lot="GONE", expires_on=TODAY - timedelta(days=1))
    with unit.transaction():
        waybill = waybills.create_waybill(unit, {"from_warehouse_id": world.central, "to_warehouse_id": world.store,
                                                 "lines": [{"item_code": "KIT-HYGIENE", "quantity": 15}]})
        picked = waybills.dispatch_waybill(unit, waybill["waybill_id"])["picks"][0]["lots"]
    assert [(p["lot"], p["quantity"]) for p in picked] == [("SOON", 10), ("LATE", 5)]
    with unit.transaction():
        other = waybills.create_waybill(unit, {"from_warehouse_id": world.central, "to_warehouse_id": world.store,
                                               "lines": [{"item_code": "KIT-HYGIENE", "quantity": 6}]})
    with pytest.raises(Conflict, match="5 available"), unit.transaction():
        waybills.dispatch_waybill(unit, other["waybill_id"])
    assert world.on_hand(world.central, "KIT-HYGIENE") == 15, "the expired lot is on hand but never dispatched"


def test_cancel_and_return(unit, world):
    world.receive(world.central, "BLANKET", 50)
    with unit.transaction():
        draft = waybills.create_waybill(unit, {"from_warehouse_id": world.central, "to_warehouse_id": world.store,
                                               "lines": [{"item_code": "BLANKET", "quantity": 20}]})
        sent = waybills.create_waybill(unit, {"from_warehouse_id": world.central, "to_warehouse_id": world.store,
                                              "lines": [{"item_code": "BLANKET", "quantity": 30}]})
        waybills.cancel_waybill(unit, draft["waybill_id"])
        waybills.dispatch_waybill(unit, sent["waybill_id"])
    with pytest.raises(Conflict), unit.transaction():
        waybills.dispatch_waybill(unit, draft["waybill_id"])
    with pytest.raises(Conflict), unit.transaction():
        waybills.cancel_waybill(unit, sent["waybill_id"])
    assert world.on_hand(world.central, "BLANKET") == 20
    with unit.transaction():
        assert waybills.return_waybill(unit, sent["waybill_id"])["state"] == "returned"
    assert world.on_hand(world.central, "BLANKET") == 50


def test_adjustments_and_a_physical_count(unit, world):
    world.receive(world.central, "JERRYCAN-20L", 100)
    with unit.transaction():
        line_id = warehouses.stock_on_hand(unit, world.central)["items"][0]["lots"][0]["line_id"]
        movements.adjust_stock(unit, {"warehouse_id": world.central, "item_code": "JERRYCAN-20L", "reason": "lost",
                                      "quantity": 3, "line_id": line_id})
        movements.adjust_stock(unit, {"warehouse_id": world.central, "item_code": "JERRYCAN-20L",
                                      "reason": "damaged", "quantity": 7, "line_id": line_id})
    assert world.on_hand(world.central, "JERRYCAN-20L") == 97, "damaged stock is on hand, in a damaged lot"
    with pytest.raises(Conflict, match="holds 90"), unit.transaction():
        movements.adjust_stock(unit, {"warehouse_id": world.central, "item_code": "JERRYCAN-20L", "reason": "lost",
                                      "quantity": 91, "line_id": line_id})
    with unit.transaction():
        count = movements.record_count(unit, {"warehouse_id": world.central, "counted_on": TODAY.isoformat(),
                                              "lines": [{"line_id": line_id, "counted": 88}]})
    assert [(a["reason"], a["delta"]) for a in count["adjustments"]] == [("count_correction", -2)]
    assert world.on_hand(world.central, "JERRYCAN-20L") == 95
    rows = card(unit, world.central, "JERRYCAN-20L")["rows"]
    assert rows[-1]["balance_after"] == 95


def test_a_request_rolls_up_from_the_waybills_that_fulfil_it(unit, world):
    world.receive(world.central, "BLANKET", 100)
    with unit.transaction():
        request = waybills.create_request(unit, {"site_id": world.site_id, "warehouse_id": world.store,
                                                 "priority": "high", "needed_by": TODAY.isoformat(),
                                                 "lines": [{"item_code": "BLANKET", "quantity": 60}]})
    states = []
    for quantity in (40, 20):
        with unit.transaction():
            one = waybills.create_waybill(unit, {"from_warehouse_id": world.central,
                                                 "to_warehouse_id": world.store, "request_id": request["request_id"],
                                                 "lines": [{"item_code": "BLANKET", "quantity": quantity}]})
            waybills.dispatch_waybill(unit, one["waybill_id"])
            waybills.receive_waybill(unit, one["waybill_id"], {"lines": [{"item_code": "BLANKET",
                                                                          "quantity": quantity}]})
            states.append(waybills.get_request(unit, request["request_id"])["fulfilment"])
    assert states == ["partial", "complete"]


@pytest.mark.parametrize("change, field", [
    ({"lines": [{"item_code": "BLANKET", "quantity": -1}]}, "receipt.lines.0.quantity"),
    ({"lines": [{"item_code": "BLANKET", "quantity": 0}]}, "receipt.lines.0.quantity"),
    ({"lines": [{"item_code": "BLANKET", "quantity": 2.5}]}, "receipt.lines.0.quantity"),
    ({"lines": [{"item_code": "BLANKET", "quantity": "3"}]}, "receipt.lines.0.quantity"),
    ({"lines": [{"item_code": "NOPE", "quantity": 3}]}, "receipt.lines.0.item_code"),
    ({"lines": [{"item_code": "BLANKET", "quantity": 1}] * 201}, "receipt.lines"),
    ({"received_on": (TODAY + timedelta(days=2)).isoformat()}, "receipt.received_on"),
    ({"warehouse_id": "not-an-id"}, "receipt.warehouse_id"),
    ({"kind": "gift"}, "receipt.kind"),
    ({"extra": 1}, "receipt.extra"),
])
def test_bad_receipts_are_refused_naming_the_field_and_change_nothing(unit, world, change, field):
    payload = {"warehouse_id": world.central, "kind": "donation", "received_on": TODAY.isoformat(),
               "lines": [{"item_code": "BLANKET", "quantity": 3}], **change}
    with pytest.raises(ValidationError) as error, unit.transaction():
        movements.receive_stock(unit, payload)
    assert field in error.value.errors
    assert unit.count(Ledger) == 0 and unit.events("stock_received") == []


def test_another_organisations_waybill_is_not_found_and_its_warehouse_not_changed(unit, world):
    world.receive(world.central, "BLANKET", 10)
    with unit.transaction():
        waybill = waybills.create_waybill(unit, {"from_warehouse_id": world.central, "to_warehouse_id": world.store,
                                                 "lines": [{"item_code": "BLANKET", "quantity": 5}]})
    unit.act_as("logistics:write", org="UNHCR")
    with pytest.raises(NotFound), unit.transaction():
        waybills.dispatch_waybill(unit, waybill["waybill_id"])
    with pytest.raises(Forbidden, match="managed by IOM"), unit.transaction():  # reference data: seen, not changed
        world.receive(world.central, "BLANKET", 10)
    assert unit.count(Waybill, Waybill.state == "draft") == 1
