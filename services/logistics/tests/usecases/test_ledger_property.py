"""The ledger invariant under any sequence of movements (hypothesis): every balance is >= 0; for every warehouse x
item the card's last balance = on hand = sum in - sum out, and the same per lot; and no unit appears or vanishes:
what is on hand everywhere plus what is in transit = received + adjusted - distributed."""
from datetime import timedelta

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from haven_kernel.errors import Conflict, ValidationError

from haven_logistics import movements, waybills, warehouses
from haven_logistics.distributions import Distributions, create_round
from haven_logistics.models import Adjustment, Distribution, Ledger, Position, Receipt, StockLine, Waybill
from haven_logistics.service import LogisticsService

from .conftest import TODAY, World

ITEMS = ("BLANKET", "KIT-SHELTER")
quantity = st.integers(min_value=1, max_value=40)
warehouse = st.sampled_from(("central", "store"))
OPERATIONS = st.one_of(
    st.tuples(st.just("receive"), warehouse, st.sampled_from(ITEMS), quantity, st.integers(-3, 3)),
    st.tuples(st.just("waybill"), st.sampled_from(ITEMS), quantity, st.integers(0, 40), st.booleans()),
    st.tuples(st.just("adjust"), warehouse, st.sampled_from(ITEMS), st.sampled_from(
        ("lost", "found", "damaged", "expired", "distributed_without_record")), quantity),
    st.tuples(st.just("count"), warehouse, st.sampled_from(ITEMS), st.integers(0, 60)),
    st.tuples(st.just("distribute"), st.sampled_from(ITEMS), st.integers(1, 3)),
)


def run(world, operation):
    unit, kind = world.unit, operation[0]
    where = {"central": world.central, "store": world.store}
    if kind == "receive":
        _, at, item, count, expiry = operation
        world.receive(where[at], item, count, lot=f"L{expiry}", expires_on=TODAY + timedelta(days=30 * expiry))
    elif kind == "waybill":
        _, item, count, received, arrive = operation
        with unit.transaction():
            one = waybills.create_waybill(unit, {"from_warehouse_id": world.central,
                                                 "to_warehouse_id": world.store,
                                                 "lines": [{"item_code": item, "quantity": count}]})
            waybills.dispatch_waybill(unit, one["waybill_id"])
        with unit.transaction():
            if arrive:
                waybills.receive_waybill(unit, one["waybill_id"], {"lines": [
                    {"item_code": item, "quantity": min(received, count)}]})
            elif received % 2:
                waybills.return_waybill(unit, one["waybill_id"])
    elif kind in ("adjust", "count"):
        with unit.transaction():
            lots = [lot for p in warehouses.stock_on_hand(unit, where[operation[1]], operation[2])["items"]
                    for lot in p["lots"]]
        with unit.transaction():
            if kind == "adjust":
                _, at, item, reason, count = operation
                movements.adjust_stock(unit, {"warehouse_id": where[at], "item_code": item, "reason": reason,
                                              "quantity": count, "line_id": lots[0]["line_id"] if lots else None})
            elif lots:
                movements.record_count(unit, {"warehouse_id": where[operation[1]], "counted_on": TODAY.isoformat(),
                                              "lines": [{"line_id": lots[-1]["line_id"],
                                                         "counted": operation[3]}]})
    else:
        _, item, households = operation
        with unit.transaction():
            round_id = create_round(unit, {"site_id": world.site_id, "warehouse_id": world.store,
                                           "item_code": item, "starts_on": TODAY.isoformat(),
                                           "ends_on": TODAY.isoformat()})["round_id"]
        ids = [world.household(size=3) for _ in range(households)]
        with unit.transaction():
            Distributions(unit).record_many([{"round_id": round_id, "household_id": h,
                                              "distributed_on": TODAY.isoformat()} for h in ids])


def check(unit):
    session = unit.session
    with unit.transaction():
        assert session.execute(select(func.count()).select_from(Ledger).where(
            (Ledger.balance_after < 0) | (Ledger.lot_balance_after < 0))).scalar_one() == 0
        for position in session.execute(select(Position)).scalars():
            rows = list(session.execute(select(Ledger).where(
                Ledger.warehouse_id == position.warehouse_id, Ledger.item_code == position.item_code
            ).order_by(Ledger.id)).scalars())
            moved = sum(r.quantity_in - r.quantity_out for r in rows)
            assert (rows[-1].balance_after if rows else 0) == position.on_hand == moved
            lines = list(session.execute(select(StockLine).where(
                StockLine.warehouse_id == position.warehouse_id, StockLine.item_code == position.item_code)).scalars())
            assert sum(line.quantity for line in lines) == position.on_hand
            for line in lines:
                of_lot = [r for r in rows if r.line_id == line.id]
                assert (of_lot[-1].lot_balance_after if of_lot else 0) == line.quantity == sum(
                    r.quantity_in - r.quantity_out for r in of_lot)
        on_hand = session.execute(select(func.coalesce(func.sum(Position.on_hand), 0))).scalar_one()
        in_transit = sum(line["quantity"] for lines in session.execute(select(Waybill.lines).where(
            Waybill.state == "dispatched")).scalars() for line in lines)
        received = sum(line["quantity"] for lines in session.execute(select(Receipt.lines)).scalars()
                       for line in lines)
        adjusted = session.execute(select(func.coalesce(func.sum(Adjustment.delta), 0))).scalar_one()
        distributed = session.execute(select(func.coalesce(func.sum(Distribution.quantity), 0))).scalar_one()
        assert on_hand + in_transit == received + adjusted - distributed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(OPERATIONS, min_size=1, max_size=12))
def test_the_ledger_balances_whatever_the_movements(sqlite_unit, operations):
    unit = sqlite_unit(LogisticsService, "logistics:read", "logistics:write", org="IOM")
    world = World(unit)
    for operation in operations:
        try:
            run(world, operation)
        except (Conflict, ValidationError):
            pass  # not enough stock, a lot too small, no lot to take from: refused, and nothing changed
    check(unit)
