"""Reporting's projection of logistics' events (tables in ``logistics_models``): each event is archived with the
others (``handlers.record_logistics``: an event archived before is not applied again), gathered in the transaction's
:class:`Pending` state and written once, before the commit, a few statements for a whole batch. Order does not
matter: a warehouse x item keeps the balance of the highest ledger id seen and the pipeline figures of the newest
event (both compared in SQL too, so concurrent transactions cannot step back); rounds, their days (the day each
distribution was made) and activities only add up, once per event. ``rebuild`` replays logistics' archived events
through the same state."""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, func, or_, select

from haven_contracts.logistics import SOURCE
from haven_kernel import dialect
from haven_kernel.clock import aware
from haven_kernel.db import TransactionState

from .logistics_models import (LogisticsActivity, LogisticsDistributionDay, LogisticsRound, LogisticsStock,
                               LogisticsWarehouse)
from .models import ArchivedEvent

EVENTS = ("warehouse_opened", "stock_received", "waybill_dispatched", "waybill_received", "stock_adjusted",
          "distribution_recorded", "pipeline_status_changed")  # what ``apply`` projects (each has a handler)
ACTIVITIES = {"stock_received": "Stock received", "waybill_dispatched": "Transport (waybills)",
              "stock_adjusted": "Stock adjustments"}
FIGURES = ("status", "in_transit", "weekly_consumption", "weeks_of_cover", "lead_time_weeks")


@dataclass
class Pending(TransactionState):
    """What this transaction's logistics events add up to, written by :meth:`write` before the commit."""

    warehouses: dict = field(default_factory=dict)
    balances: dict = field(default_factory=dict)   # key -> (ledger_id, on_hand)
    figures: dict = field(default_factory=dict)    # key -> (as_of, {figure: value}, on_hand)
    rounds: dict = field(default_factory=dict)     # round_id -> row with households, persons, quantity to add
    days: dict = field(default_factory=dict)       # (round_id, distributed_on) -> row with households, quantity
    activities: dict = field(default_factory=dict)  # (org, warehouse_id, activity) -> [movements, quantity]

    def before_commit(self, unit):
        self.write(unit.session)

    def write(self, session):
        if self.warehouses:
            rows = list(self.warehouses.values())
            session.execute(dialect.upsert_columns(session, LogisticsWarehouse, ["warehouse_id"], list(rows[0])),
                            rows)
        keys = sorted(set(self.balances) | set(self.figures))
        if keys:
            rows = [_stock_row(key, self.balances.get(key), self.figures.get(key)) for key in keys]
            statement = dialect.insert(session, LogisticsStock)
            session.execute(statement.on_conflict_do_update(
                index_elements=["warehouse_id", "item_code"],
                where=LogisticsStock.ledger_id < statement.excluded.ledger_id,
                set_={"on_hand": statement.excluded.on_hand, "ledger_id": statement.excluded.ledger_id}), rows)
            with_figures = [row for row in rows if row["status_as_of"] is not None]
            if with_figures:
                statement = dialect.insert(session, LogisticsStock)
                session.execute(statement.on_conflict_do_update(
                    index_elements=["warehouse_id", "item_code"],
                    where=or_(LogisticsStock.status_as_of.is_(None),
                              LogisticsStock.status_as_of <= statement.excluded.status_as_of),
                    set_={**{name: statement.excluded[name] for name in FIGURES + ("status_as_of",)},
                          "lead_time_weeks": func.coalesce(statement.excluded.lead_time_weeks,
                                                           LogisticsStock.lead_time_weeks)}), with_figures)
        if self.rounds:
            statement = dialect.upsert(session, LogisticsRound, ["round_id"], lambda excluded: {
                "households": LogisticsRound.households + excluded.households,
                "persons": LogisticsRound.persons + excluded.persons,
                "quantity": LogisticsRound.quantity + excluded.quantity})
            session.execute(statement, [self.rounds[key] for key in sorted(self.rounds)])
        if self.days:
            statement = dialect.upsert(session, LogisticsDistributionDay, ["round_id", "day"], lambda excluded: {
                "households": LogisticsDistributionDay.households + excluded.households,
                "quantity": LogisticsDistributionDay.quantity + excluded.quantity})
            session.execute(statement, [self.days[key] for key in sorted(self.days)])
        if self.activities:
            statement = dialect.upsert(session, LogisticsActivity, ["org", "warehouse_id", "activity"],
                                       lambda excluded: {"movements": LogisticsActivity.movements + excluded.movements,
                                                         "quantity": LogisticsActivity.quantity + excluded.quantity})
            session.execute(statement, [{"org": k[0], "warehouse_id": k[1], "activity": k[2], "movements": v[0],
                                         "quantity": v[1]} for k, v in sorted(self.activities.items())])
        self.__init__()


def _stock_row(key, balance, figures):
    ledger_id, on_hand = balance if balance else (0, figures[2])
    row = {"warehouse_id": key[0], "item_code": key[1], "on_hand": on_hand, "ledger_id": ledger_id,
           "status_as_of": None, **dict.fromkeys(FIGURES)}
    if figures:
        row.update(figures[1], status_as_of=figures[0])
    return row


def apply(pending, event):
    """Add one logistics event to this transaction's :class:`Pending`."""
    data, kind = event.data, event.event_type
    occurred_at = aware(event.occurred_at)
    if kind == "warehouse_opened":
        pending.warehouses[str(data["warehouse_id"])] = {
            "warehouse_id": str(data["warehouse_id"]), "code": data["code"], "name": data["name"],
            "adm1": data["adm1"], "adm2": data["adm2"], "org": data["org"],
            "site_id": str(data["site_id"]) if data["site_id"] else None}
        return
    if kind == "pipeline_status_changed":
        _figures(pending, (str(data["warehouse_id"]), data["item_code"]), data, occurred_at, data["on_hand"])
        return
    for balance in data["balances"]:
        key = (str(balance["warehouse_id"]), balance["item_code"])
        if balance["ledger_id"] > pending.balances.get(key, (0, 0))[0]:
            pending.balances[key] = (balance["ledger_id"], balance["on_hand"])
        _figures(pending, key, balance, occurred_at, balance["on_hand"])
    if kind in ACTIVITIES:
        moved = abs(data["delta"]) if kind == "stock_adjusted" else sum(line["quantity"] for line in data["lines"])
        activity = "Loss in transit" if data.get("reason") == "lost_in_transit" else ACTIVITIES[kind]
        key = (data["org"], str(data.get("warehouse_id") or data.get("from_warehouse_id")), activity)
        counts = pending.activities.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += moved
    elif kind == "distribution_recorded":
        row = pending.rounds.setdefault(str(data["round_id"]), {
            "round_id": str(data["round_id"]), "site_id": str(data["site_id"]), "item_code": data["item_code"],
            "category": data["category"], "org": data["org"], "households": 0, "persons": 0, "quantity": 0})
        row["households"] += 1
        row["persons"] += data["persons"]
        row["quantity"] += data["quantity"]
        # Counted on the day it was made (for one recorded offline, the day it was collected), not when it synced.
        made = data["distributed_on"]
        made = date.fromisoformat(made) if isinstance(made, str) else made
        day = pending.days.setdefault((str(data["round_id"]), made), {
            "round_id": str(data["round_id"]), "day": made, "households": 0, "quantity": 0})
        day["households"] += 1
        day["quantity"] += data["quantity"]


def _figures(pending, key, data, occurred_at, on_hand):
    known = pending.figures.get(key)
    if known is None or known[0] <= occurred_at:
        pending.figures[key] = (occurred_at, {name: data.get(name) for name in FIGURES if name in data}, on_hand)


def rebuild(session, catalogue):
    """Empty the logistics tables and replay logistics' archived events into them, in archive order."""
    for model in (LogisticsActivity, LogisticsDistributionDay, LogisticsRound, LogisticsStock, LogisticsWarehouse):
        session.execute(delete(model))
    pending, replayed = Pending(), 0
    query = select(ArchivedEvent.envelope, ArchivedEvent.origin_org).where(ArchivedEvent.source == SOURCE).order_by(
        ArchivedEvent.id)
    for envelope, origin_org in session.execute(query.execution_options(yield_per=2000)).all():
        apply(pending, catalogue.parse(envelope, origin_org=origin_org))
        replayed += 1
    pending.write(session)
    return {"logistics_events_replayed": replayed}
