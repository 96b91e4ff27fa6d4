"""Who can see and change what in logistics (``haven_kernel.sharing``), on the real broker and PostgreSQL.

The matrix (``haven_kernel.testing.sharing``): every RPC method on IOM's warehouses, waybills and round, called as
IOM (own), NRC (other), NRC after IOM shared for reading (shared_read: reads, a change is Forbidden) or for writing
(shared), after IOM revoked it (revoked), NRC with ``logistics:lead`` (lead, each use audited) and NRC with
``admin``. Warehouses and their stock figures are reference data every reader sees; a movement in one is a change
of it (Forbidden unless allowed). A waybill or a round of another organisation does not exist for a caller it is not
shared with. Then an agreement's life on the same records, and the receiving warehouse's side of a waybill."""
import uuid

import pytest
from sqlalchemy import select

from haven_kernel.db import AccessAudit
from haven_kernel.errors import Forbidden, NotFound
from haven_kernel.testing import RELATIONS, Call, make_agreement, make_token, matrix_problems, relation
from haven_kernel.testing.sharing import CHANGE, OPEN, READ, REFERENCE, single_result
from haven_logistics.models import Distribution, Ledger, Waybill

from ..conftest import TODAY, receipt

pytestmark = pytest.mark.service

IOM = make_token("logistics:read", "logistics:write", org="IOM", sub="iom-logistician")
NRC = make_token("logistics:read", "logistics:write", org="NRC", sub="nrc-logistician")
ITEM = "BLANKET"


def _line(quantity=1):
    return [{"item_code": ITEM, "quantity": quantity}]


def _setup(logistics, name):
    """IOM's central warehouse and site store with stock, four waybills (two drafts, two dispatched), a round at the
    store and two households there; then the relation's agreement."""
    with logistics.client(token=IOM) as iom:
        rpc = iom.logistics
        site_id, central, store = logistics.world(iom, stock=50, item=ITEM)
        rpc.receive_stock(receipt(central, ITEM, 50))
        waybills = [rpc.create_waybill({"from_warehouse_id": central, "to_warehouse_id": store,
                                        "lines": _line()})["waybill_id"] for _ in range(4)]
        rpc.dispatch_waybill(waybills[2])
        rpc.dispatch_waybill(waybills[3])
        round_id = rpc.create_round({"site_id": site_id, "warehouse_id": store, "item_code": ITEM,
                                     "starts_on": TODAY, "ends_on": TODAY})["round_id"]
        line_id = rpc.stock_on_hand(store, ITEM)["items"][0]["lots"][0]["line_id"]
        make_agreement(rpc, name)
    households = logistics.households(site_id, 3)
    return {"site": site_id, "central": central, "store": store, "draft": waybills[0], "to_cancel": waybills[1],
            "sent": waybills[2], "to_return": waybills[3], "round": round_id, "line": line_id,
            "households": households}


def _calls(w):
    first, second, third = w["households"]
    return [
        # the catalogue, the caller's own warehouse and requests, and every stock figure: open to every reader
        Call("list_items", lambda rpc: rpc.list_items(), OPEN),
        Call("get_item", lambda rpc: rpc.get_item(ITEM), OPEN),
        Call("put_item", lambda rpc: rpc.put_item({
            "code": "TORCH-SOLAR", "name": "Solar torch", "unit": "piece", "category": "NFI", "weight_kg": 0.2,
            "volume_m3": 0.001, "rule": "per_household", "rule_quantity": 1}), OPEN),
        Call("create_warehouse", lambda rpc: rpc.create_warehouse({
            "code": f"W-{uuid.uuid4().hex[:6].upper()}", "name": "Own", "adm1": "Sofala", "adm2": "Beira"}), OPEN),
        Call("list_warehouses", lambda rpc: rpc.list_warehouses(), OPEN,
             lambda r: {w["warehouse_id"] for w in r} >= {w["central"], w["store"]}),
        Call("get_warehouse", lambda rpc: rpc.get_warehouse(w["central"]), OPEN,
             lambda r: r["org"] == "IOM" and r["stock"]),
        Call("stock_on_hand", lambda rpc: rpc.stock_on_hand(w["store"], ITEM), OPEN),
        Call("stock_card", lambda rpc: rpc.stock_card(w["store"], ITEM), OPEN),
        Call("pipeline", lambda rpc: rpc.pipeline(w["store"]), OPEN),
        Call("create_request", lambda rpc: rpc.create_request({
            "site_id": w["site"], "warehouse_id": w["store"], "needed_by": TODAY, "lines": _line()}), OPEN),
        Call("get_request", lambda rpc: rpc.get_request(w["request"]), OPEN),
        # a movement in IOM's warehouse changes it
        Call("set_stock_level", lambda rpc: rpc.set_stock_level({
            "warehouse_id": w["store"], "item_code": ITEM, "reorder_level": 10, "lead_time_weeks": 3}), REFERENCE),
        Call("receive_stock", lambda rpc: rpc.receive_stock(receipt(w["central"], ITEM, 5)), REFERENCE),
        Call("adjust_stock", lambda rpc: rpc.adjust_stock({
            "warehouse_id": w["store"], "item_code": ITEM, "reason": "lost", "quantity": 1,
            "line_id": w["line"]}), REFERENCE),
        Call("record_count", lambda rpc: rpc.record_count({
            "warehouse_id": w["store"], "counted_on": TODAY, "lines": [{"line_id": w["line"], "counted": 45}]}),
             REFERENCE),
        Call("create_waybill", lambda rpc: rpc.create_waybill({
            "from_warehouse_id": w["central"], "to_warehouse_id": w["store"], "lines": _line()}), REFERENCE),
        Call("create_round", lambda rpc: rpc.create_round({
            "site_id": w["site"], "warehouse_id": w["store"], "item_code": ITEM, "starts_on": TODAY,
            "ends_on": TODAY}), REFERENCE),
        # IOM's waybills and round
        Call("get_waybill", lambda rpc: rpc.get_waybill(w["draft"]), READ,
             lambda r: (r["waybill_id"], r["state"]) == (w["draft"], "draft")),
        Call("get_round", lambda rpc: rpc.get_round(w["round"]), READ, lambda r: r["round_id"] == w["round"]),
        Call("dispatch_waybill", lambda rpc: rpc.dispatch_waybill(w["draft"]), CHANGE,
             lambda r: r["state"] == "dispatched"),
        Call("receive_waybill", lambda rpc: rpc.receive_waybill(w["sent"], {"lines": _line()}), CHANGE,
             lambda r: r["state"] == "received"),
        Call("cancel_waybill", lambda rpc: rpc.cancel_waybill(w["to_cancel"]), CHANGE,
             lambda r: r["state"] == "cancelled"),
        Call("return_waybill", lambda rpc: rpc.return_waybill(w["to_return"]), CHANGE,
             lambda r: r["state"] == "returned"),
        Call("record_distribution", lambda rpc: rpc.record_distribution({
            "round_id": w["round"], "household_id": first, "distributed_on": TODAY}), CHANGE),
        Call("record_distributions", lambda rpc: single_result(rpc.record_distributions([{
            "round_id": w["round"], "household_id": second, "distributed_on": TODAY}])), CHANGE,
             lambda r: "distribution_id" in r),
        Call("sync_distributions", lambda rpc: single_result(rpc.sync_distributions([{"key": "phone-1/0001", "record": {
            "round_id": w["round"], "household_id": third, "distributed_on": TODAY}}])), CHANGE,
             lambda r: r["outcome"] == "created"),
    ]


@pytest.mark.parametrize("name", RELATIONS)
def test_every_method_by_relation(logistics, name):
    case = relation("logistics", name)
    w = _setup(logistics, name)
    with logistics.client(token=IOM) as iom:
        w["request"] = iom.logistics.create_request({"site_id": w["site"], "warehouse_id": w["store"],
                                                     "needed_by": TODAY, "lines": _line()})["request_id"]
    ledger = logistics.count(Ledger)
    problems = matrix_problems(logistics, case, _calls(w))
    assert not problems, "\n".join(problems)
    with logistics.database.session_factory() as session:
        states = {row.id: row.state for row in session.execute(select(Waybill)).scalars()}
        audit = {(a.method, a.record_kind, a.owner_org) for a in session.execute(select(AccessAudit)).scalars()}
    mine = [states[w[key]] for key in ("draft", "sent", "to_cancel", "to_return")]
    if case.writes:
        assert mine == ["dispatched", "received", "cancelled", "returned"]
        assert logistics.count(Distribution) == 3 and logistics.count(Ledger) > ledger
    else:
        assert mine == ["draft", "dispatched", "draft", "dispatched"], "a refused change changed nothing"
        assert logistics.count(Distribution) == 0 and logistics.count(Ledger) == ledger
    if case.audited:
        assert {(method, kind) for method, kind, owner in audit if owner == "IOM"} == {
            ("set_stock_level", "warehouse"), ("receive_stock", "warehouse"), ("adjust_stock", "warehouse"),
            ("record_count", "warehouse"), ("create_waybill", "warehouse"), ("create_round", "warehouse"),
            ("get_waybill", "waybill"), ("get_round", "round"), ("dispatch_waybill", "waybill"),
            ("receive_waybill", "waybill"), ("cancel_waybill", "waybill"), ("return_waybill", "waybill"),
            ("record_distribution", "round"), ("record_distributions", "round"), ("sync_distributions", "round")}
    else:
        assert audit == set()


def test_an_agreement_read_then_write_then_revoked_on_the_same_records(logistics):
    w = _setup(logistics, "own")
    with logistics.client(token=NRC) as nrc:
        with pytest.raises(NotFound):
            nrc.logistics.get_waybill(w["draft"])
        with pytest.raises(NotFound):
            nrc.logistics.get_round(w["round"])
        with pytest.raises(Forbidden):
            nrc.logistics.receive_stock(receipt(w["central"], ITEM, 5))
    with logistics.client(token=IOM) as iom:
        assert iom.logistics.grant_sharing("NRC", access="read")["access"] == "read"
    with logistics.client(token=NRC) as nrc:
        assert nrc.logistics.get_waybill(w["draft"])["state"] == "draft"  # reads
        assert nrc.logistics.get_round(w["round"])["households_reached"] == 0
        with pytest.raises(Forbidden, match="for reading only"):
            nrc.logistics.dispatch_waybill(w["draft"])  # but does not change
        with pytest.raises(Forbidden):
            nrc.logistics.record_distribution({"round_id": w["round"], "household_id": w["households"][0],
                                               "distributed_on": TODAY})
        with pytest.raises(Forbidden):
            nrc.logistics.receive_stock(receipt(w["central"], ITEM, 5))
    assert logistics.count(Distribution) == 0
    with logistics.client(token=IOM) as iom:
        assert iom.logistics.grant_sharing("NRC", access="write")["access"] == "write"
    with logistics.client(token=NRC) as nrc:
        assert nrc.logistics.dispatch_waybill(w["draft"])["state"] == "dispatched"
        distributed = nrc.logistics.record_distribution({"round_id": w["round"], "household_id": w["households"][0],
                                                         "distributed_on": TODAY})
        nrc.logistics.receive_stock(receipt(w["central"], ITEM, 5))
    with logistics.client(token=IOM) as iom:
        assert iom.logistics.get_round(w["round"])["households_reached"] == 1
        assert distributed["org"] == "NRC"  # who handed it out
        iom.logistics.revoke_sharing("NRC")
    with logistics.client(token=NRC) as nrc:
        with pytest.raises(NotFound):
            nrc.logistics.get_waybill(w["draft"])
        with pytest.raises(NotFound):
            nrc.logistics.cancel_waybill(w["to_cancel"])
        with pytest.raises(Forbidden):
            nrc.logistics.receive_stock(receipt(w["central"], ITEM, 5))
    with logistics.client(token=make_token("logistics:read", "logistics:lead", org="UNHCR", sub="unhcr-lead")) as lead:
        assert lead.logistics.get_waybill(w["to_cancel"])["state"] == "draft"
    with logistics.database.session_factory() as session:
        audit = [(a.sub, a.method, a.record_id, a.owner_org) for a in session.execute(select(AccessAudit)).scalars()]
    assert audit == [("unhcr-lead", "get_waybill", w["to_cancel"], "IOM")]


def test_the_receiving_warehouses_organisation_reads_and_receives_the_waybill(logistics):
    with logistics.client(token=IOM) as iom:
        _, central, _ = logistics.world(iom, stock=0)
        iom.logistics.receive_stock(receipt(central, ITEM, 10))
    with logistics.client(token=NRC) as nrc:
        nrc_store = nrc.logistics.create_warehouse({"code": "NRC-ST", "name": "NRC store", "adm1": "Sofala",
                                                    "adm2": "Buzi"})["warehouse_id"]
    with logistics.client(token=IOM) as iom:
        waybill = iom.logistics.create_waybill({"from_warehouse_id": central, "to_warehouse_id": nrc_store,
                                                "lines": _line(4)})["waybill_id"]
        iom.logistics.dispatch_waybill(waybill)
    unhcr = make_token("logistics:read", "logistics:write", org="UNHCR")
    with logistics.client(token=unhcr) as other:
        with pytest.raises(NotFound):
            other.logistics.get_waybill(waybill)
        with pytest.raises(NotFound):
            other.logistics.receive_waybill(waybill, {"lines": _line(4)})
    with logistics.client(token=NRC) as nrc:
        assert nrc.logistics.get_waybill(waybill)["state"] == "dispatched"
        with pytest.raises(NotFound):
            nrc.logistics.cancel_waybill(waybill)  # the sender's to cancel or return, not the receiver's
        assert nrc.logistics.receive_waybill(waybill, {"lines": _line(4)})["state"] == "received"
        assert nrc.logistics.stock_on_hand(nrc_store, ITEM)["items"][0]["on_hand"] == 4
