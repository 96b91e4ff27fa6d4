"""Registration's events delivered twice and out of order on the real broker; a distribution for a household not
known yet is answered 'retry' and succeeds once the event arrives; bad input is refused naming the field, changes
nothing, and the service keeps answering."""
import uuid

import pytest

from haven_contracts.testing import household_event
from haven_kernel.db import ProcessedEvent
from haven_kernel.errors import Conflict, NotFound, ServiceUnavailable, ValidationError
from haven_kernel.testing import wait_until

from ..conftest import TODAY, receipt

pytestmark = pytest.mark.service


def test_household_events_twice_and_out_of_order_then_a_retried_distribution(logistics):
    from haven_logistics.models import Household
    with logistics.client() as client:
        site_id, _, store = logistics.world(client, stock=10, item="BLANKET")
        round_id = client.logistics.create_round({"site_id": site_id, "warehouse_id": store, "item_code": "BLANKET",
                                                  "starts_on": TODAY, "ends_on": TODAY})["round_id"]
        data = household_event(site_id, size=3)
        call = {"round_id": round_id, "household_id": data["household_id"], "distributed_on": TODAY}
        with pytest.raises(ServiceUnavailable, match="retry"):
            client.logistics.record_distribution(call)
        assert client.logistics.record_distributions([call])[0]["error"]["retry"] is True

        event_id = str(uuid.uuid4())
        logistics.household_event("household_updated", {**data, "size": 5, "version": 2, "changed": ["members"]})
        logistics.household_event("household_registered", data, event_id=event_id)
        logistics.household_event("household_registered", data, event_id=event_id)
        wait_until(lambda: logistics.count(ProcessedEvent) >= 2, message="events applied")
        wait_until(lambda: logistics.count(Household, Household.size == 5) == 1, message="household known")
        assert client.logistics.record_distribution(call)["quantity"] == 5, "the newer size, whatever the order"
        logistics.household_event("household_departed", {**data, "status": "departed", "version": 3,
                                                         "reason": "returned_home", "departure_date": TODAY})
        wait_until(lambda: logistics.count(Household, Household.status == "departed") == 1, message="departed")
        second = client.logistics.create_round({"site_id": site_id, "warehouse_id": store, "item_code": "BLANKET",
                                                "starts_on": TODAY, "ends_on": TODAY})["round_id"]
        with pytest.raises(Conflict, match="departed"):
            client.logistics.record_distribution({**call, "round_id": second})


BAD = [
    ("receive_stock", lambda w: ({**receipt(w["central"], "BLANKET", 1), "lines": [{"item_code": "BLANKET",
                                                                                   "quantity": -4}]},),
     "receipt.lines.0.quantity"),
    ("receive_stock", lambda w: ({**receipt(w["central"], "BLANKET", 1), "lines": [{"item_code": "BLANKET",
                                                                                   "quantity": 1.5}]},),
     "receipt.lines.0.quantity"),
    ("receive_stock", lambda w: ({**receipt(w["central"], "NOPE", 1)},), "receipt.lines.0.item_code"),
    ("receive_stock", lambda w: ({**receipt(w["central"], "BLANKET", 1), "received_on": "2999-01-01"},),
     "receipt.received_on"),
    ("receive_stock", lambda w: ({**receipt(w["central"], "BLANKET", 1),
                                  "lines": [{"item_code": "BLANKET", "quantity": 1}] * 5000},), "receipt.lines"),
    ("receive_stock", lambda w: ("not an object",), "receipt"),
    ("create_waybill", lambda w: ({"from_warehouse_id": w["central"], "to_warehouse_id": str(uuid.uuid4()),
                                   "lines": [{"item_code": "BLANKET", "quantity": 1}]},), None),
    ("adjust_stock", lambda w: ({"warehouse_id": w["central"], "item_code": "BLANKET", "reason": "stolen",
                                 "quantity": 1},), "adjustment.reason"),
    ("record_distributions", lambda w: ([{}] * 1001,), "distributions"),
    ("record_distribution", lambda w: ({"round_id": 7, "household_id": "x", "distributed_on": TODAY},),
     "distribution.round_id"),
    ("stock_card", lambda w: (w["central"], "BLANKET", "ten"), "limit"),
]


@pytest.mark.parametrize("method, arguments, field", BAD, ids=[f"{m}-{f}" for m, _, f in BAD])
def test_bad_input_is_refused_naming_the_field_and_changes_nothing(logistics, method, arguments, field):
    with logistics.client() as client:
        _, central, store = logistics.world(client)
        before = logistics.table_counts()
        with pytest.raises((ValidationError, NotFound)) as error:
            getattr(client.logistics, method)(*arguments({"central": central, "store": store}))
        if field is not None:
            assert field in error.value.errors
        assert logistics.table_counts() == before
        assert client.logistics.list_items()[0]["code"], "the service keeps answering"
