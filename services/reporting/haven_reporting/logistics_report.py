"""Logistics in reporting's products: the sitrep's ``logistics`` section (per site, households reached per round
and items distributed, in total and per day the distributions were made, ``by_day``; per warehouse x item, stock
on hand, cover and pipeline status), the 3W's logistics rows, the ``stock`` HXL table and the dashboard's logistics
panel. Households reached per round (and per day) are small-cell suppressed as the sitrep suppresses specific
needs."""
from sqlalchemy import select

from haven_contracts.disclosure import suppress
from haven_contracts.logistics import CATEGORY_SECTORS, SECTOR

from .logistics_models import (LogisticsActivity, LogisticsDistributionDay, LogisticsRound, LogisticsStock,
                               LogisticsWarehouse)
from .models import SiteProfile
from .pages import e, n


def _get(key):
    return lambda row: row.get(key)


STOCK_COLUMNS = [
    ("Warehouse code", "#loc+warehouse+code", _get("warehouse_code")),
    ("Warehouse name", "#loc+warehouse+name", _get("warehouse_name")),
    ("Province", "#adm1+name", _get("adm1")),
    ("District", "#adm2+name", _get("adm2")),
    ("Site ID", "#loc+camp+id", _get("site_id")),
    ("Managing organisation", "#org+impl", _get("org")),
    ("Item", "#item+code", _get("item_code")),
    ("Stock on hand", "#inventory+num", _get("on_hand")),
    ("In transit", "#inventory+transit+num", _get("in_transit")),
    ("Weekly consumption", "#indicator+consumption+weekly+num", _get("weekly_consumption")),
    ("Weeks of cover", "#indicator+cover+weeks+num", _get("weeks_of_cover")),
    ("Pipeline status", "#status+pipeline", _get("status")),
]


def stock_rows(session, adm1=None, adm2=None):
    """Per warehouse x item: stock on hand, in transit, consumption, cover and pipeline status."""
    rows = session.execute(select(LogisticsStock, LogisticsWarehouse).join(
        LogisticsWarehouse, LogisticsWarehouse.warehouse_id == LogisticsStock.warehouse_id, isouter=True
    ).order_by(LogisticsWarehouse.code, LogisticsStock.item_code)).all()
    out = []
    for stock, warehouse in rows:
        if (adm1 and (warehouse is None or warehouse.adm1 != adm1)) or (
                adm2 and (warehouse is None or warehouse.adm2 != adm2)):
            continue
        out.append({"warehouse_id": stock.warehouse_id, "warehouse_code": warehouse.code if warehouse else None,
                    "warehouse_name": warehouse.name if warehouse else None,
                    "adm1": warehouse.adm1 if warehouse else None, "adm2": warehouse.adm2 if warehouse else None,
                    "site_id": warehouse.site_id if warehouse else None, "org": warehouse.org if warehouse else None,
                    "item_code": stock.item_code, "on_hand": stock.on_hand, "in_transit": stock.in_transit or 0,
                    "weekly_consumption": stock.weekly_consumption or 0.0, "weeks_of_cover": stock.weeks_of_cover,
                    "status": stock.status or "ok"})
    return out


def section(session, threshold, adm1=None, adm2=None):
    sites = {row.site_id: row for row in session.execute(select(SiteProfile)).scalars()}
    days = {}
    for one in session.execute(select(LogisticsDistributionDay).order_by(LogisticsDistributionDay.round_id,
                                                                         LogisticsDistributionDay.day)).scalars():
        days.setdefault(one.round_id, []).append({"day": one.day.isoformat(),
                                                  "households_reached": suppress(one.households, threshold),
                                                  "items_distributed": one.quantity})
    rounds = []
    for one in session.execute(select(LogisticsRound).order_by(LogisticsRound.site_id, LogisticsRound.round_id)
                               ).scalars():
        site = sites.get(one.site_id)
        if (adm1 and (site is None or site.adm1 != adm1)) or (adm2 and (site is None or site.adm2 != adm2)):
            continue
        rounds.append({"site_id": one.site_id, "site_name": site.name if site else None, "round_id": one.round_id,
                       "item_code": one.item_code, "org": one.org,
                       "households_reached": suppress(one.households, threshold), "items_distributed": one.quantity,
                       "by_day": days.get(one.round_id, [])})
    by_site = {}
    for one in rounds:
        entry = by_site.setdefault(one["site_id"], {"site_id": one["site_id"], "site_name": one["site_name"],
                                                    "rounds": 0, "items_distributed": {}})
        entry["rounds"] += 1
        entry["items_distributed"][one["item_code"]] = entry["items_distributed"].get(one["item_code"], 0) + \
            one["items_distributed"]
    stock = stock_rows(session, adm1, adm2)
    at_risk = sorted({row["site_id"] for row in stock if row["site_id"] and row["status"] != "ok"})
    return {"rounds": rounds, "sites": list(by_site.values()), "stock": stock, "sites_at_risk": at_risk}


def three_w(session):
    """The 3W's logistics rows: distributions (organisation x the item's sector x the site's district) and stock
    movements (organisation x Logistics x the warehouse's district)."""
    rows = {}
    sites = {row.site_id: row for row in session.execute(select(SiteProfile)).scalars()}
    for one in session.execute(select(LogisticsRound)).scalars():
        site = sites.get(one.site_id)
        key = (one.org, CATEGORY_SECTORS.get(one.category, "Multi-sector"), site.adm1 if site else None,
               site.adm2 if site else None, f"Distribution ({one.item_code})")
        row = rows.setdefault(key, {"site_ids": set(), "households": 0, "individuals": 0})
        row["site_ids"].add(one.site_id)
        row["households"] += one.households
        row["individuals"] += one.persons
    warehouses = {w.warehouse_id: w for w in session.execute(select(LogisticsWarehouse)).scalars()}
    for activity in session.execute(select(LogisticsActivity)).scalars():
        warehouse = warehouses.get(activity.warehouse_id)
        key = (activity.org, SECTOR, warehouse.adm1 if warehouse else None, warehouse.adm2 if warehouse else None,
               activity.activity)
        row = rows.setdefault(key, {"site_ids": set(), "households": 0, "individuals": 0})
        if warehouse is not None and warehouse.site_id:
            row["site_ids"].add(warehouse.site_id)
    return [{"org": org, "sector": sector, "adm1": a1, "adm2": a2, "activity": activity,
             "sites": len(row["site_ids"]), "households": row["households"], "individuals": row["individuals"]}
            for (org, sector, a1, a2, activity), row in rows.items()]


def _cover(weeks):
    return "–" if weeks is None else f"{weeks:.1f}"


def _count(value):
    return e(value) if isinstance(value, str) else n(value)  # a suppressed count is text ("<5")


def panel(section):
    """The dashboard's logistics panel: stock and cover per warehouse x item, sites at risk highlighted."""
    if not section or not section["stock"]:
        return '<section class="panel" id="logistics-panel"><h2>Logistics</h2><p class="note">No stock reported ' \
               'yet.</p></section>'
    colours = {"ok": "var(--teal)", "at_risk": "#c98a00", "broken": "#b3261e"}
    rows = "".join(
        f'<tr data-status="{e(r["status"])}"{" class=at-risk" if r["status"] != "ok" else ""}>'
        f'<td>{e(r["warehouse_code"] or r["warehouse_id"])}</td><td>{e(r["adm2"] or "–")}</td>'
        f'<td>{e(r["item_code"])}</td><td class="num">{n(r["on_hand"])}</td><td class="num">{n(r["in_transit"])}'
        f'</td><td class="num">{_cover(r["weeks_of_cover"])}</td>'
        f'<td><strong style="color:{colours.get(r["status"], "inherit")}">{e(r["status"].replace("_", " "))}'
        f'</strong></td></tr>' for r in section["stock"])
    reached = "".join(
        f'<tr><td>{e(r["site_name"] or r["site_id"])}</td><td>{e(r["item_code"])}</td>'
        f'<td class="num">{_count(r["households_reached"])}</td>'
        f'<td class="num">{n(r["items_distributed"])}</td></tr>' for r in section["rounds"])
    at_risk = len(section["sites_at_risk"])
    return f"""<section class="panel" id="logistics-panel"><h2>Logistics: stock and cover</h2>
<p class="note" id="sites-at-risk">{at_risk} site store{"s" if at_risk != 1 else ""} at risk or broken.
<a href="/stock.csv">Stock (HXL CSV)</a></p>
<div class="scroll"><table id="stock-table"><thead><tr><th>Warehouse</th><th>District</th><th>Item</th>
<th class="num">On hand</th><th class="num">In transit</th><th class="num">Weeks of cover</th><th>Pipeline</th>
</tr></thead><tbody>{rows}</tbody></table></div>
<h2>Distributions</h2><div class="scroll"><table id="distribution-table"><thead><tr><th>Site</th><th>Item</th>
<th class="num">Households reached</th><th class="num">Items distributed</th></tr></thead><tbody>{reached}</tbody>
</table></div></section>"""
