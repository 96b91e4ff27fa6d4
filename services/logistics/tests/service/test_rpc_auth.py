"""Every RPC method of the logistics service, found on the service class (one added later is covered without being
listed here), refuses missing, expired, forged and wrong-scope tokens and changes nothing: the kernel's reusable
test."""
import uuid

from haven_kernel.testing.rpc_auth import RpcAuthTests

from ..conftest import TODAY, receipt


class TestRpcAuth(RpcAuthTests):
    harness = "logistics"

    def arguments(self, logistics):
        """Calls that would succeed with a good token, so one that ran despite a bad token would show."""
        with logistics.client() as client:
            site_id, central, store = logistics.world(client, stock=50, item="BLANKET")
            client.logistics.receive_stock(receipt(central, "BLANKET", 50))
            draft = client.logistics.create_waybill({"from_warehouse_id": central, "to_warehouse_id": store,
                                                     "lines": [{"item_code": "BLANKET", "quantity": 1}]})["waybill_id"]
            sent = client.logistics.create_waybill({"from_warehouse_id": central, "to_warehouse_id": store,
                                                    "lines": [{"item_code": "BLANKET", "quantity": 1}]})["waybill_id"]
            to_return = client.logistics.create_waybill({"from_warehouse_id": central, "to_warehouse_id": store,
                                                         "lines": [{"item_code": "BLANKET", "quantity": 1}]}
                                                        )["waybill_id"]
            to_cancel = client.logistics.create_waybill({"from_warehouse_id": central, "to_warehouse_id": store,
                                                         "lines": [{"item_code": "BLANKET", "quantity": 1}]}
                                                        )["waybill_id"]
            client.logistics.dispatch_waybill(sent)
            client.logistics.dispatch_waybill(to_return)
            request = client.logistics.create_request({"site_id": site_id, "warehouse_id": store,
                                                       "needed_by": TODAY,
                                                       "lines": [{"item_code": "BLANKET", "quantity": 1}]})
            round_id = client.logistics.create_round({"site_id": site_id, "warehouse_id": store,
                                                      "item_code": "BLANKET", "starts_on": TODAY,
                                                      "ends_on": TODAY})["round_id"]
            line_id = client.logistics.stock_on_hand(store, "BLANKET")["items"][0]["lots"][0]["line_id"]
        first, second = logistics.households(site_id, 2)
        item = {"code": "TORCH-SOLAR", "name": "Solar torch", "unit": "piece", "category": "NFI", "weight_kg": 0.2,
                "volume_m3": 0.001, "rule": "per_household", "rule_quantity": 1}
        return {
            "list_items": (), "get_item": ("BLANKET",), "put_item": (item,),
            "create_warehouse": ({"code": f"W-{uuid.uuid4().hex[:6].upper()}", "name": "W", "adm1": "Sofala",
                                  "adm2": "Beira"},),
            "list_warehouses": (), "get_warehouse": (central,),
            "set_stock_level": ({"warehouse_id": store, "item_code": "BLANKET", "reorder_level": 10,
                                 "lead_time_weeks": 3},),
            "stock_on_hand": (store,), "stock_card": (store, "BLANKET"), "pipeline": (),
            "receive_stock": (receipt(central, "BLANKET", 5),),
            "adjust_stock": ({"warehouse_id": store, "item_code": "BLANKET", "reason": "lost", "quantity": 1,
                              "line_id": line_id},),
            "record_count": ({"warehouse_id": store, "counted_on": TODAY,
                              "lines": [{"line_id": line_id, "counted": 40}]},),
            "create_waybill": ({"from_warehouse_id": central, "to_warehouse_id": store,
                                "lines": [{"item_code": "BLANKET", "quantity": 1}]},),
            "get_waybill": (draft,), "dispatch_waybill": (draft,),
            "receive_waybill": (sent, {"lines": [{"item_code": "BLANKET", "quantity": 1}]}),
            "cancel_waybill": (to_cancel,), "return_waybill": (to_return,),
            "create_request": ({"site_id": site_id, "warehouse_id": store, "needed_by": TODAY,
                                "lines": [{"item_code": "BLANKET", "quantity": 1}]},),
            "get_request": (request["request_id"],),
            "create_round": ({"site_id": site_id, "warehouse_id": store, "item_code": "BLANKET",
                              "starts_on": TODAY, "ends_on": TODAY},),
            "get_round": (round_id,),
            "record_distribution": ({"round_id": round_id, "household_id": first, "distributed_on": TODAY},),
            "record_distributions": ([{"round_id": round_id, "household_id": second, "distributed_on": TODAY}],),
        }
