"""Safe retries on every logistics write (issue 16 point 4), on the real broker and database: a call sent again with
its idempotency key is answered with the first reply and done once (ledger rows, stock, records and outbox events
counted); the same key with another payload is a Conflict; a call whose connection died after the commit, sent
again, is done once; the waybill's changes of state, put_item and set_stock_level take the `version` the caller
read as `expected_version` and refuse (Conflict naming the current version) a record changed since."""
import pytest

from haven_kernel.errors import Conflict, ValidationError
from haven_kernel.testing import deliver_again, drop_after_commit, unsafe_writes, wait_until

from haven_logistics.models import Distribution, Waybill
from haven_logistics.service import LogisticsService

from ..conftest import TODAY, receipt

pytestmark = pytest.mark.service

TORCH = {"code": "TORCH-SOLAR", "name": "Solar torch", "unit": "piece", "category": "NFI", "weight_kg": 0.2,
         "volume_m3": 0.001, "rule": "per_household", "rule_quantity": 1}


def on_hand(client, warehouse_id, item_code):
    items = client.logistics.stock_on_hand(warehouse_id, item_code)["items"]
    return items[0]["on_hand"] if items else 0


def a_round(client, site_id, store, item="KIT-SHELTER"):
    return client.logistics.create_round({"site_id": site_id, "warehouse_id": store, "item_code": item,
                                          "starts_on": TODAY, "ends_on": TODAY})["round_id"]


def test_every_write_method_applies_each_request_once():
    assert unsafe_writes(LogisticsService) == []


def test_each_write_sent_again_with_its_key_is_answered_and_done_once(logistics):
    with logistics.client() as client:
        site_id, central, store = logistics.world(client)
        (household, other) = logistics.households(site_id, 2)
    calls = [
        ("receive_stock", (receipt(central, "KIT-SHELTER", 40),)),
        ("create_waybill", ({"from_warehouse_id": central, "to_warehouse_id": store,
                             "lines": [{"item_code": "KIT-SHELTER", "quantity": 30}]},)),
    ]
    replies = {}
    for number, (method, args) in enumerate(calls):
        key = f"tablet-4/{method}-{number}"
        with logistics.client(idempotency_key=key) as client:
            first = getattr(client.logistics, method)(*args)
            before = logistics.table_counts()
            assert getattr(client.logistics, method)(*args) == first
            assert logistics.table_counts() == before, f"{method} sent again changed something"
        replies[method] = first
    waybill_id = replies["create_waybill"]["waybill_id"]
    with logistics.client(idempotency_key="dispatch-1") as client:
        dispatched = client.logistics.dispatch_waybill(waybill_id)
        assert client.logistics.dispatch_waybill(waybill_id) == dispatched  # not "already dispatched"
    with logistics.client(idempotency_key="receive-1") as client:
        got = {"lines": [{"item_code": "KIT-SHELTER", "quantity": 29}]}
        received = client.logistics.receive_waybill(waybill_id, got)
        assert client.logistics.receive_waybill(waybill_id, got) == received
    with logistics.client() as client:
        assert on_hand(client, central, "KIT-SHELTER") == 10
        assert on_hand(client, store, "KIT-SHELTER") == 29  # one lost in transit, booked once
        round_id = a_round(client, site_id, store)
    with logistics.client(idempotency_key="form-77") as client:
        one = client.logistics.record_distribution({"round_id": round_id, "household_id": household,
                                                    "distributed_on": TODAY})
        assert client.logistics.record_distribution({"round_id": round_id, "household_id": household,
                                                     "distributed_on": TODAY}) == one  # not "already received"
    with logistics.client(idempotency_key="batch-3") as client:
        batch = client.logistics.record_distributions([{"round_id": round_id, "household_id": other,
                                                        "distributed_on": TODAY}])
        assert client.logistics.record_distributions([{"round_id": round_id, "household_id": other,
                                                       "distributed_on": TODAY}]) == batch
    with logistics.client(idempotency_key="item-1") as client:
        item = client.logistics.put_item(TORCH)
        assert client.logistics.put_item(TORCH) == item and item["version"] == 1
    with logistics.client() as client:
        assert on_hand(client, store, "KIT-SHELTER") == 27
        assert client.logistics.get_round(round_id)["households_reached"] == 2
    counts = logistics.table_counts()
    assert counts["distributions"] == 2 and counts["waybills"] == 1
    assert counts["ledger"] == 1 + 1 + 2 + 2  # receipt, dispatch, receipt + loss at the store, two distributions


def test_the_same_key_for_another_payload_is_a_conflict_and_changes_nothing(logistics):
    with logistics.client() as client:
        site_id, central, store = logistics.world(client, stock=10)
        round_id = a_round(client, site_id, store)
        first, second = logistics.households(site_id, 2)
    with logistics.client(idempotency_key="phone-2/7") as client:
        client.logistics.record_distribution({"round_id": round_id, "household_id": first, "distributed_on": TODAY})
        before = logistics.table_counts()
        with pytest.raises(Conflict, match="another request"):
            client.logistics.record_distribution({"round_id": round_id, "household_id": second,
                                                  "distributed_on": TODAY})
        with pytest.raises(Conflict, match="another request"):
            client.logistics.receive_stock(receipt(central, "BLANKET", 5))
    assert logistics.table_counts() == before
    with logistics.client() as client:
        assert on_hand(client, store, "KIT-SHELTER") == 9
        assert on_hand(client, central, "BLANKET") == 0


def test_a_distribution_whose_connection_died_after_the_commit_is_done_once_when_sent_again(logistics):
    with logistics.client() as client:
        site_id, _, store = logistics.world(client, stock=10)
        round_id = a_round(client, site_id, store)
    (household,) = logistics.households(site_id, 1)
    call = {"round_id": round_id, "household_id": household, "distributed_on": TODAY}
    drop_after_commit(logistics.amqp_uri, logistics.writer, "logistics", "record_distribution", args=[call],
                      idempotency_key="scope-card-5521",
                      committed=lambda: logistics.count(Distribution) == 1)
    with logistics.client(idempotency_key="scope-card-5521") as client:
        again = client.logistics.record_distribution(call)
        assert on_hand(client, store, "KIT-SHELTER") == 9
    assert logistics.count(Distribution, Distribution.id == again["distribution_id"]) == 1
    assert logistics.table_counts()["distributions"] == 1
    from haven_kernel.db import OutboxEvent
    assert logistics.count(OutboxEvent, OutboxEvent.event_type == "distribution_recorded") == 1


def test_a_dispatch_the_broker_delivers_again_is_answered_from_the_inbox(logistics):
    """The service died between its commit and its acknowledgement: the broker delivers the request again."""
    with logistics.client() as client:
        _, central, store = logistics.world(client)
        client.logistics.receive_stock(receipt(central, "BLANKET", 10))
        waybill_id = client.logistics.create_waybill({"from_warehouse_id": central, "to_warehouse_id": store,
                                                      "lines": [{"item_code": "BLANKET", "quantity": 4}]}
                                                     )["waybill_id"]
    replies = deliver_again(logistics.amqp_uri, logistics.writer, "logistics", "dispatch_waybill",
                            args=[waybill_id], times=3)
    assert [reply["error"] for reply in replies] == [None] * 3
    assert replies[0]["result"] == replies[1]["result"] == replies[2]["result"]
    with logistics.client() as client:
        assert on_hand(client, central, "BLANKET") == 6
        assert client.logistics.get_waybill(waybill_id)["version"] == 2
    wait_until(lambda: logistics.count(Waybill, Waybill.state == "dispatched") == 1)


def test_a_waybill_changed_since_it_was_read_is_a_conflict_naming_its_version(logistics):
    with logistics.client() as client:
        _, central, store = logistics.world(client)
        client.logistics.receive_stock(receipt(central, "BLANKET", 10))
        waybill = client.logistics.create_waybill({"from_warehouse_id": central, "to_warehouse_id": store,
                                                   "lines": [{"item_code": "BLANKET", "quantity": 4}]})
        waybill_id, read = waybill["waybill_id"], waybill["version"]
        assert read == 1
        dispatched = client.logistics.dispatch_waybill(waybill_id, expected_version=read)
        assert dispatched["version"] == 2
        before = logistics.table_counts()
        # A second clerk still holds the draft (version 1): each change they try is refused.
        with pytest.raises(Conflict) as stale:
            client.logistics.cancel_waybill(waybill_id, expected_version=read)
        assert f"waybill {waybill_id} is at version 2, not 1" in str(stale.value)
        with pytest.raises(Conflict, match="at version 2, not 1"):
            client.logistics.return_waybill(waybill_id, expected_version=read)
        with pytest.raises(Conflict, match="at version 2, not 1"):
            client.logistics.receive_waybill(waybill_id, {"lines": [{"item_code": "BLANKET", "quantity": 4}]},
                                             expected_version=read)
        with pytest.raises(ValidationError) as bad:
            client.logistics.receive_waybill(waybill_id, {"lines": [{"item_code": "BLANKET", "quantity": 4}]},
                                             expected_version="2")
        assert list(bad.value.errors) == ["expected_version"]
        assert logistics.table_counts() == before
        assert client.logistics.get_waybill(waybill_id)["state"] == "dispatched"
        received = client.logistics.receive_waybill(waybill_id, {"lines": [{"item_code": "BLANKET", "quantity": 4}]},
                                                    expected_version=2)
        assert (received["state"], received["version"]) == ("received", 3)
        assert on_hand(client, store, "BLANKET") == 4


def test_an_item_or_stock_level_changed_since_it_was_read_is_a_conflict(logistics):
    with logistics.client() as client:
        _, central, _ = logistics.world(client)
        with pytest.raises(Conflict, match="does not exist"):
            client.logistics.put_item(TORCH, expected_version=1)
        assert client.logistics.put_item(TORCH)["version"] == 1
        assert client.logistics.put_item({**TORCH, "weight_kg": 0.25}, expected_version=1)["version"] == 2
        with pytest.raises(Conflict, match="item TORCH-SOLAR is at version 2, not 1"):
            client.logistics.put_item({**TORCH, "weight_kg": 9.0}, expected_version=1)
        assert client.logistics.get_item("TORCH-SOLAR")["weight_kg"] == 0.25
        # Without expected_version a change is made whatever the version (as before).
        assert client.logistics.put_item({**TORCH, "name": "Solar lamp"})["version"] == 3

        level = {"warehouse_id": central, "item_code": "BLANKET", "reorder_level": 100, "lead_time_weeks": 3.0}
        assert client.logistics.set_stock_level(level, expected_version=1)["version"] == 2
        with pytest.raises(Conflict, match="at version 2, not 1"):
            client.logistics.set_stock_level({**level, "reorder_level": 5}, expected_version=1)
        with pytest.raises(ValidationError) as bad:
            client.logistics.set_stock_level(level, expected_version=0)
        assert list(bad.value.errors) == ["expected_version"]
        position = client.logistics.stock_on_hand(central, "BLANKET")["items"][0]
        assert (position["reorder_level"], position["version"]) == (100, 2)
