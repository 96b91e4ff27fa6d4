"""The logistics service in-process on a real RabbitMQ and PostgreSQL: a donation, a waybill with a loss in transit,
a round to households registration announced, the events, /health and /metrics, and the insert-only ledger."""
import json

import pytest
import sqlalchemy as sa

from haven_kernel.errors import Conflict, ValidationError

from ..conftest import TODAY, receipt

pytestmark = pytest.mark.service


def test_health_says_the_database_and_the_broker_are_up(logistics):
    status, body = logistics.http_get("/health")
    health = json.loads(body)
    assert status == 200 and (health["service"], health["status"]) == ("logistics", "ok")


def test_from_donation_to_households_with_every_unit_accounted_for(logistics, record_events):
    events = record_events(logistics.amqp_uri, "logistics")
    with logistics.client() as client:
        site_id, central, store = logistics.world(client)
        client.logistics.receive_stock(receipt(central, "KIT-SHELTER", 100))
        waybill = client.logistics.create_waybill({"from_warehouse_id": central, "to_warehouse_id": store,
                                                   "lines": [{"item_code": "KIT-SHELTER", "quantity": 60}]})
        client.logistics.dispatch_waybill(waybill["waybill_id"])
        received = client.logistics.receive_waybill(waybill["waybill_id"],
                                                    {"lines": [{"item_code": "KIT-SHELTER", "quantity": 58}]})
        assert received["discrepancies"][0]["lost"] == 2
        round_id = client.logistics.create_round({"site_id": site_id, "warehouse_id": store,
                                                  "item_code": "KIT-SHELTER", "starts_on": TODAY,
                                                  "ends_on": TODAY})["round_id"]
        households = logistics.households(site_id, 5)
        results = client.logistics.record_distributions([{"round_id": round_id, "household_id": h,
                                                          "distributed_on": TODAY} for h in households])
        assert all("distribution_id" in r for r in results)
        with pytest.raises(Conflict, match=results[0]["distribution_id"]):
            client.logistics.record_distribution({"round_id": round_id, "household_id": households[0],
                                                  "distributed_on": TODAY})
        assert client.logistics.get_round(round_id)["households_reached"] == 5
        stock = client.logistics.stock_on_hand(store, "KIT-SHELTER")["items"][0]
        assert stock["on_hand"] == 53
        card = client.logistics.stock_card(store, "KIT-SHELTER")
        assert card["rows"][-1]["balance_after"] == card["on_hand"] == 53
        with pytest.raises(ValidationError) as error:
            client.logistics.stock_card(store, "KIT-SHELTER", limit=0)
        assert list(error.value.errors) == ["limit"]
    events.wait_for("distribution_recorded", count=5)
    assert [e["data"]["reason"] for e in events.events("stock_adjusted")] == ["lost_in_transit"]
    assert len(events.events("waybill_received")) == 1
    status, text = logistics.http_get("/metrics")
    assert 'haven_logistics_stock_on_hand{item="KIT-SHELTER"} 93.0' in text


def test_the_ledger_refuses_update_and_delete_on_postgresql(logistics):
    with logistics.client() as client:
        _, central, _ = logistics.world(client)
        client.logistics.receive_stock(receipt(central, "BLANKET", 10))
    engine = sa.create_engine(logistics.database_url)
    try:
        for statement in ("UPDATE ledger SET quantity_in = 1000", "DELETE FROM ledger"):
            with pytest.raises(sa.exc.DBAPIError, match="ledger is insert-only"), engine.begin() as connection:
                connection.execute(sa.text(statement))
        with engine.connect() as connection:
            assert connection.execute(sa.text("SELECT sum(quantity_in) FROM ledger")).scalar_one() == 10
    finally:
        engine.dispose()
