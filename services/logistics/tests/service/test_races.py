"""Races on PostgreSQL: dispatches and distributions racing for the last units never take stock below zero nor
succeed beyond what exists (the position row lock, ``Repository.lock_positions``); one household recorded several
times at once for one round gets one record. Each race fires every call before waiting for any reply."""
import pytest
import sqlalchemy as sa

from haven_kernel.testing import race

from ..conftest import TODAY, receipt

pytestmark = pytest.mark.service


def race_calls(client, method, calls):
    return race(getattr(client.logistics, method), calls)


def ledger_holds(logistics):
    """Every balance >= 0 and each position's last card balance = on hand = sum of its lots."""
    engine = sa.create_engine(logistics.database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text(
                "SELECT count(*) FROM ledger WHERE balance_after < 0 OR lot_balance_after < 0")).scalar_one() == 0
            rows = connection.execute(sa.text("""
                SELECT p.on_hand,
                       (SELECT balance_after FROM ledger l WHERE l.warehouse_id = p.warehouse_id
                          AND l.item_code = p.item_code ORDER BY id DESC LIMIT 1),
                       (SELECT coalesce(sum(quantity_in - quantity_out), 0) FROM ledger l
                          WHERE l.warehouse_id = p.warehouse_id AND l.item_code = p.item_code),
                       (SELECT coalesce(sum(quantity), 0) FROM stock_lines s
                          WHERE s.warehouse_id = p.warehouse_id AND s.item_code = p.item_code)
                FROM positions p""")).all()
    finally:
        engine.dispose()
    for on_hand, last, moved, lots in rows:
        assert on_hand == (last or 0) == moved == lots


def test_distributions_racing_for_the_last_units(logistics):
    with logistics.client() as client:
        site_id, _, store = logistics.world(client, stock=3)
        round_id = client.logistics.create_round({"site_id": site_id, "warehouse_id": store,
                                                  "item_code": "KIT-SHELTER", "starts_on": TODAY,
                                                  "ends_on": TODAY})["round_id"]
        households = logistics.households(site_id, 8)
        outcomes = race_calls(client, "record_distribution", [({"round_id": round_id, "household_id": h,
                                                          "distributed_on": TODAY},) for h in households])
        assert sorted(outcomes) == ["conflict"] * 5 + ["ok"] * 3
        assert client.logistics.stock_on_hand(store, "KIT-SHELTER")["items"][0]["on_hand"] == 0
        assert client.logistics.get_round(round_id)["households_reached"] == 3
    ledger_holds(logistics)


def test_dispatches_racing_for_the_last_units(logistics):
    with logistics.client() as client:
        _, central, store = logistics.world(client)
        client.logistics.receive_stock(receipt(central, "BLANKET", 10))
        waybills = [client.logistics.create_waybill({"from_warehouse_id": central, "to_warehouse_id": store,
                                                     "lines": [{"item_code": "BLANKET", "quantity": 4}]}
                                                    )["waybill_id"] for _ in range(5)]
        outcomes = race_calls(client, "dispatch_waybill", [(w,) for w in waybills])
        assert sorted(outcomes) == ["conflict"] * 3 + ["ok"] * 2
        assert client.logistics.stock_on_hand(central, "BLANKET")["items"][0]["on_hand"] == 2
        # The same waybill dispatched five times at once: one effect.
        last = client.logistics.create_waybill({"from_warehouse_id": central, "to_warehouse_id": store,
                                                "lines": [{"item_code": "BLANKET", "quantity": 1}]})["waybill_id"]
        assert sorted(race_calls(client, "dispatch_waybill", [(last,)] * 5)) == ["conflict"] * 4 + ["ok"]
        assert client.logistics.stock_on_hand(central, "BLANKET")["items"][0]["on_hand"] == 1
    ledger_holds(logistics)


def test_one_household_recorded_several_times_at_once_gets_one_record(logistics):
    from haven_logistics.models import Distribution
    with logistics.client() as client:
        site_id, _, store = logistics.world(client, stock=20)
        round_id = client.logistics.create_round({"site_id": site_id, "warehouse_id": store,
                                                  "item_code": "KIT-SHELTER", "starts_on": TODAY,
                                                  "ends_on": TODAY})["round_id"]
        (household,) = logistics.households(site_id, 1)
        call = ({"round_id": round_id, "household_id": household, "distributed_on": TODAY},)
        assert sorted(race_calls(client, "record_distribution", [call] * 6)) == ["conflict"] * 5 + ["ok"]
        assert client.logistics.stock_on_hand(store, "KIT-SHELTER")["items"][0]["on_hand"] == 19
    assert logistics.count(Distribution) == 1
    ledger_holds(logistics)
