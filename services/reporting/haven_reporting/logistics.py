"""Reporting's projection of logistics' events (tables in ``logistics_models``): each event is archived with the
others (``handlers.record``: an event archived before is not applied again) and applied here. Order does not
matter: a warehouse x item keeps the balance of the highest ledger id seen and the pipeline figures of the latest
event; rounds and activities only add up, once per event. ``rebuild`` replays logistics' archived events."""
from sqlalchemy import delete, select

from haven_contracts.logistics import SOURCE
from haven_kernel import dialect
from haven_kernel.clock import aware

from .logistics_models import LogisticsActivity, LogisticsRound, LogisticsStock, LogisticsWarehouse
from .models import ArchivedEvent

EVENTS = ("warehouse_opened", "stock_received", "waybill_dispatched", "waybill_received", "stock_adjusted",
          "distribution_recorded", "pipeline_status_changed")  # what ``apply`` projects (each has a handler)
ACTIVITIES = {"stock_received": "Stock received", "waybill_dispatched": "Transport (waybills)",
              "stock_adjusted": "Stock adjustments"}


def apply(session, event):
    data = event.data
    kind = event.event_type
    if kind == "warehouse_opened":
        values = {k: data[k] for k in ("warehouse_id", "code", "name", "adm1", "adm2", "site_id", "org")}
        values = {k: (str(v) if k.endswith("_id") and v is not None else v) for k, v in values.items()}
        session.execute(dialect.upsert_columns(session, LogisticsWarehouse, ["warehouse_id"], list(values)),
                        [values])
        return
    if kind == "pipeline_status_changed":
        _pipeline(session, data, aware(event.occurred_at))
        return
    _balances(session, data.get("balances", []), aware(event.occurred_at))
    if kind in ACTIVITIES:
        moved = abs(data["delta"]) if kind == "stock_adjusted" else sum(line["quantity"] for line in data["lines"])
        activity = ACTIVITIES[kind]
        if kind == "stock_adjusted" and data["reason"] == "lost_in_transit":
            activity = "Loss in transit"
        _activity(session, data["org"], str(data.get("warehouse_id") or data.get("from_warehouse_id")), activity,
                  moved)
    elif kind == "distribution_recorded":
        statement = dialect.upsert(session, LogisticsRound, ["round_id"], lambda excluded: {
            "households": LogisticsRound.households + excluded.households,
            "persons": LogisticsRound.persons + excluded.persons,
            "quantity": LogisticsRound.quantity + excluded.quantity})
        session.execute(statement, [{"round_id": str(data["round_id"]), "site_id": str(data["site_id"]),
                                     "item_code": data["item_code"], "category": data["category"],
                                     "org": data["org"], "households": 1, "persons": data["persons"],
                                     "quantity": data["quantity"]}])


def _balances(session, balances, occurred_at):
    """On hand from the newest ledger row seen; the pipeline figures from the newest event."""
    for balance in balances:
        key = (str(balance["warehouse_id"]), balance["item_code"])
        row = session.get(LogisticsStock, key)
        if row is None:
            row = LogisticsStock(warehouse_id=key[0], item_code=key[1], on_hand=0, ledger_id=0)
            session.add(row)
        if row.ledger_id < balance["ledger_id"]:
            row.on_hand, row.ledger_id = balance["on_hand"], balance["ledger_id"]
        _figures(row, balance, occurred_at)
    session.flush()


def _figures(row, data, occurred_at):
    if row.status_as_of is not None and aware(row.status_as_of) > occurred_at:
        return
    row.status, row.in_transit = data["status"], data["in_transit"]
    row.weekly_consumption, row.weeks_of_cover = data["weekly_consumption"], data["weeks_of_cover"]
    row.lead_time_weeks = data.get("lead_time_weeks", row.lead_time_weeks)
    row.status_as_of = occurred_at


def _pipeline(session, data, occurred_at):
    key = (str(data["warehouse_id"]), data["item_code"])
    row = session.get(LogisticsStock, key)
    if row is None:
        row = LogisticsStock(warehouse_id=key[0], item_code=key[1], on_hand=data["on_hand"], ledger_id=0)
        session.add(row)
    _figures(row, data, occurred_at)
    session.flush()


def _activity(session, org, warehouse_id, activity, quantity):
    statement = dialect.upsert(session, LogisticsActivity, ["org", "warehouse_id", "activity"], lambda excluded: {
        "movements": LogisticsActivity.movements + excluded.movements,
        "quantity": LogisticsActivity.quantity + excluded.quantity})
    session.execute(statement, [{"org": org, "warehouse_id": warehouse_id, "activity": activity, "movements": 1,
                                 "quantity": quantity}])


def rebuild(session, catalogue):
    """Empty the logistics tables and replay logistics' archived events into them, in archive order."""
    for model in (LogisticsActivity, LogisticsRound, LogisticsStock, LogisticsWarehouse):
        session.execute(delete(model))
    replayed = 0
    query = select(ArchivedEvent.envelope, ArchivedEvent.origin_org).where(ArchivedEvent.source == SOURCE).order_by(
        ArchivedEvent.id)
    for envelope, origin_org in session.execute(query.execution_options(yield_per=2000)).all():
        apply(session, catalogue.parse(envelope, origin_org=origin_org))
        replayed += 1
    return {"logistics_events_replayed": replayed}
