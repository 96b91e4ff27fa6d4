"""Reply shapes (what partners receive, built from rows, never a row itself), event data built from rows, and the
service's own gauges."""
from prometheus_client.core import GaugeMetricFamily

from haven_kernel.clock import iso
from haven_kernel.errors import ServiceUnavailable, item_error


def error(exc):
    """A refused item in a bulk reply: the type, message and field map (a dict, the single call's field names) the
    single call raises (haven_kernel.errors.item_error), and ``retry`` when the same call may succeed later."""
    refused = item_error(exc)
    if isinstance(exc, ServiceUnavailable):
        refused["error"]["retry"] = True
    return refused


def json_line(line):
    return {key: (value.isoformat() if hasattr(value, "isoformat") else value) for key, value in line.items()}


def summed(lines):
    """Receipt lines as events carry them: item and total quantity."""
    out = {}
    for line in lines:
        out[line["item_code"]] = out.get(line["item_code"], 0) + line["quantity"]
    return [{"item_code": code, "quantity": quantity} for code, quantity in out.items()]


def item(row):
    return {"code": row.code, "name": row.name, "unit": row.unit, "category": row.category,
            "weight_kg": row.weight_kg, "volume_m3": row.volume_m3, "rule": row.rule,
            "rule_quantity": row.rule_quantity, "rule_persons": row.rule_persons,
            "components": list(row.components or []), "updated_at": iso(row.updated_at), "version": row.version}


def warehouse(row):
    return {"warehouse_id": row.id, "code": row.code, "name": row.name, "adm1": row.adm1, "adm2": row.adm2,
            "lat": row.lat, "lon": row.lon, "site_id": row.site_id, "capacity_m3": row.capacity_m3, "org": row.org,
            "created_at": iso(row.created_at)}


def warehouse_event(row):
    return {"warehouse_id": row.id, "code": row.code, "name": row.name, "adm1": row.adm1, "adm2": row.adm2,
            "site_id": row.site_id, "org": row.org}


def line(row):
    return {"line_id": row.id, "lot": row.lot, "expires_on": iso(row.expires_on), "owner_org": row.owner_org,
            "condition": row.condition, "quantity": row.quantity}


def pipeline(position, figures):
    return {"warehouse_id": position.warehouse_id, "item_code": position.item_code, "on_hand": position.on_hand,
            "in_transit": figures.in_transit, "weekly_consumption": figures.weekly_consumption,
            "weeks_of_cover": figures.weeks_of_cover, "lead_time_weeks": position.lead_time_weeks,
            "reorder_level": position.reorder_level, "status": figures.status,
            "below_reorder_level": position.on_hand < position.reorder_level, "version": position.version}


def position(row, figures, lines):
    return {**pipeline(row, figures), "lots": [line(one) for one in lines if one.quantity]}


def pipeline_event(position, warehouse, figures, previous):
    return {"warehouse_id": position.warehouse_id, "site_id": warehouse.site_id if warehouse else None,
            "item_code": position.item_code, "status": figures.status, "previous": previous,
            "on_hand": figures.on_hand, "in_transit": figures.in_transit,
            "weekly_consumption": figures.weekly_consumption, "weeks_of_cover": figures.weeks_of_cover,
            "lead_time_weeks": position.lead_time_weeks}


def ledger_row(row):
    return {"ledger_id": row.id, "line_id": row.line_id, "movement": row.movement, "movement_id": row.movement_id,
            "quantity_in": row.quantity_in, "quantity_out": row.quantity_out,
            "lot_balance_after": row.lot_balance_after, "balance_after": row.balance_after, "org": row.org,
            "at": iso(row.at)}


def receipt(row):
    return {"receipt_id": row.id, "warehouse_id": row.warehouse_id, "kind": row.kind, "from_org": row.from_org,
            "reference": row.reference, "received_on": iso(row.received_on), "lines": row.lines, "org": row.org}


def waybill(row):
    return {"waybill_id": row.id, "from_warehouse_id": row.from_warehouse_id,
            "to_warehouse_id": row.to_warehouse_id, "request_id": row.request_id, "state": row.state,
            "transporter": row.transporter, "vehicle": row.vehicle, "lines": row.lines, "picks": row.picks,
            "received": row.received, "org": row.org, "created_at": iso(row.created_at),
            "dispatched_at": iso(row.dispatched_at), "closed_at": iso(row.closed_at), "version": row.version}


def adjustment(row):
    return {"adjustment_id": row.id, "warehouse_id": row.warehouse_id, "item_code": row.item_code,
            "line_id": row.line_id, "reason": row.reason, "delta": row.delta, "waybill_id": row.waybill_id,
            "count_id": row.count_id, "org": row.org, "at": iso(row.at)}


def request(row, state, delivered):
    return {"request_id": row.id, "site_id": row.site_id, "warehouse_id": row.warehouse_id,
            "priority": row.priority, "needed_by": iso(row.needed_by), "lines": row.lines, "org": row.org,
            "delivered": delivered, "fulfilment": state}


def round(row, households, quantity):
    return {"round_id": row.id, "site_id": row.site_id, "warehouse_id": row.warehouse_id,
            "item_code": row.item_code, "rule": row.rule, "rule_quantity": row.rule_quantity,
            "rule_persons": row.rule_persons, "starts_on": iso(row.starts_on), "ends_on": iso(row.ends_on),
            "org": row.org, "households_reached": households, "quantity_distributed": quantity}


def distribution(row):
    return {"distribution_id": row.id, "round_id": row.round_id, "household_id": row.household_id,
            "item_code": row.item_code, "quantity": row.quantity, "distributed_on": iso(row.distributed_on),
            "org": row.org, "recorded_at": iso(row.at), "provenance": provenance(row)}


def provenance(row):
    """Where a distribution recorded offline came from (None when recorded on the spot)."""
    if row.collected_at is None:
        return None
    return {"collected_at": iso(row.collected_at), "place": row.place, "enumerator_id": row.enumerator_id,
            "device_id": row.device_id}


def distribution_event(row, one, category, balances):
    return {"distribution_id": row.id, "round_id": one.id, "site_id": one.site_id, "warehouse_id": one.warehouse_id,
            "household_id": row.household_id, "item_code": one.item_code, "category": category,
            "quantity": row.quantity, "persons": row.persons, "distributed_on": iso(row.distributed_on),
            "balances": balances,
            "org": row.org}


def metric_families(stock_rows):
    """``stock_rows``: [(item_code, status, on_hand)] summed over warehouses."""
    on_hand = GaugeMetricFamily("haven_logistics_stock_on_hand", "Units on hand, all warehouses, by item",
                                labels=["item"])
    positions = GaugeMetricFamily("haven_logistics_positions", "Warehouse x item positions by pipeline status",
                                  labels=["status"])
    by_item, by_status = {}, {}
    for item_code, status, quantity in stock_rows:
        by_item[item_code] = by_item.get(item_code, 0) + quantity
        by_status[status or "ok"] = by_status.get(status or "ok", 0) + 1
    for code, quantity in sorted(by_item.items()):
        on_hand.add_metric([code], quantity)
    for status in ("ok", "at_risk", "broken"):
        positions.add_metric([status], by_status.get(status, 0))
    return [on_hand, positions]
