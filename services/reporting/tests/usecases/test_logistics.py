"""Logistics in reporting (haven_reporting.logistics, logistics_report): events from logistics become the sitrep's
logistics section, the 3W's logistics rows, the ``stock`` HXL table (read back with libhxl) and the dashboard's
panel; a repeated or out-of-order event changes nothing twice; the rebuild gives back the same figures."""
import io
import uuid

import hxl

from haven_reporting import dashboard, handlers, reports
from haven_reporting.reports import ReportSettings

SETTINGS = ReportSettings()
CENTRAL, STORE = str(uuid.uuid4()), str(uuid.uuid4())


def apply(unit, batch):
    return unit.apply_events(batch, lambda u, e: handlers.record_logistics(u, e) if e.source == "logistics"
                             else handlers.record(u, e), prepare=handlers.prepare)


def balance(warehouse_id, item_code, on_hand, ledger_id, status="ok"):
    return {"warehouse_id": warehouse_id, "item_code": item_code, "on_hand": on_hand, "ledger_id": ledger_id,
            "in_transit": 0, "weekly_consumption": 0.0, "weeks_of_cover": None, "status": status}


def response(events, households=6):
    """A camp, a central warehouse and the camp's store; 100 kits donated, 60 sent, 2 lost on the way, a round to
    ``households`` households; the store goes at risk."""
    site = events.site(name="Guara Guara", adm1="Sofala", adm2="Buzi")
    site_id = site["site_id"]
    warehouse = {"code": "BEIRA-CW", "name": "Beira central", "adm1": "Sofala", "adm2": "Beira", "org": "WFP"}
    batch = [
        events.event("shelter", "site_opened", site),
        events.event("logistics", "warehouse_opened", {"warehouse_id": CENTRAL, "site_id": None, **warehouse}),
        events.event("logistics", "warehouse_opened", {**warehouse, "warehouse_id": STORE, "code": "GG-STORE",
                                                       "name": "Guara Guara store", "adm2": "Buzi",
                                                       "site_id": site_id, "org": "IOM"}),
        events.event("logistics", "stock_received", {
            "receipt_id": str(uuid.uuid4()), "warehouse_id": CENTRAL, "kind": "donation", "from_org": "ECHO",
            "lines": [{"item_code": "KIT-SHELTER", "quantity": 100}], "org": "WFP",
            "balances": [balance(CENTRAL, "KIT-SHELTER", 100, 1)]}),
    ]
    waybill = {"waybill_id": str(uuid.uuid4()), "from_warehouse_id": CENTRAL, "to_warehouse_id": STORE,
               "request_id": None, "lines": [{"item_code": "KIT-SHELTER", "quantity": 60}], "org": "WFP"}
    batch += [
        events.event("logistics", "waybill_dispatched", {**waybill, "balances": [balance(CENTRAL, "KIT-SHELTER",
                                                                                         40, 2)]}),
        events.event("logistics", "waybill_received", {
            **waybill, "lines": [{"item_code": "KIT-SHELTER", "quantity": 58}],
            "discrepancies": [{"item_code": "KIT-SHELTER", "dispatched": 60, "received": 58, "lost": 2}],
            "balances": [balance(STORE, "KIT-SHELTER", 58, 4)]}),
        events.event("logistics", "stock_adjusted", {
            "adjustment_id": str(uuid.uuid4()), "warehouse_id": STORE, "item_code": "KIT-SHELTER",
            "reason": "lost_in_transit", "delta": -2, "org": "WFP", "balances": [balance(STORE, "KIT-SHELTER",
                                                                                          58, 4)]}),
    ]
    round_id = str(uuid.uuid4())
    for n in range(households):
        batch.append(events.event("logistics", "distribution_recorded", {
            "distribution_id": str(uuid.uuid4()), "round_id": round_id, "site_id": site_id, "warehouse_id": STORE,
            "household_id": str(uuid.uuid4()), "item_code": "KIT-SHELTER", "category": "shelter", "quantity": 1,
            "persons": 4, "distributed_on": "2026-11-25", "org": "IOM",
            "balances": [balance(STORE, "KIT-SHELTER", 57 - n, 5 + n)]}))
    batch.append(events.event("logistics", "pipeline_status_changed", {
        "warehouse_id": STORE, "site_id": site_id, "item_code": "KIT-SHELTER", "status": "at_risk",
        "previous": "ok", "on_hand": 58 - households, "in_transit": 0, "weekly_consumption": 40.0,
        "weeks_of_cover": round((58 - households) / 40, 2), "lead_time_weeks": 2.0}))
    return site_id, round_id, batch


def test_logistics_events_become_the_sitreps_logistics_section(unit, events):
    site_id, round_id, batch = response(events)
    apply(unit, batch)
    apply(unit, batch[5:7])  # delivered again: archived already, nothing counted twice
    apply(unit, [batch[4]])  # the dispatch again, late: its older balance does not overwrite the newer one
    section = reports.sitrep(unit, SETTINGS)["logistics"]
    assert section["rounds"] == [{"site_id": site_id, "site_name": "Guara Guara", "round_id": round_id,
                                  "item_code": "KIT-SHELTER", "org": "IOM", "households_reached": 6,
                                  "items_distributed": 6, "by_day": [{"day": "2026-11-25", "households_reached": 6,
                                                                      "items_distributed": 6}]}]
    assert section["sites"] == [{"site_id": site_id, "site_name": "Guara Guara", "rounds": 1,
                                 "items_distributed": {"KIT-SHELTER": 6}}]
    stock = {(r["warehouse_code"], r["item_code"]): r for r in section["stock"]}
    assert stock[("BEIRA-CW", "KIT-SHELTER")]["on_hand"] == 40
    store = stock[("GG-STORE", "KIT-SHELTER")]
    assert (store["on_hand"], store["status"], store["weeks_of_cover"]) == (52, "at_risk", 1.3)
    assert section["sites_at_risk"] == [site_id]
    assert reports.sitrep(unit, SETTINGS, adm2="Beira")["logistics"]["rounds"] == []


def test_distributions_count_on_the_day_they_were_made_not_when_they_synced(unit, events):
    """A field team's phone synced three days of distributions at once (the events all arrive now): the round
    counts each on the day it was made (``distributed_on``), small days suppressed; delivered again, nothing twice;
    the rebuild gives back the same days."""
    site_id, round_id, batch = response(events, households=0)
    made = {"2026-11-22": 5, "2026-11-23": 2, "2026-11-24": 6}
    synced = [events.event("logistics", "distribution_recorded", {
        "distribution_id": str(uuid.uuid4()), "round_id": round_id, "site_id": site_id, "warehouse_id": STORE,
        "household_id": str(uuid.uuid4()), "item_code": "KIT-SHELTER", "category": "shelter", "quantity": 2,
        "persons": 4, "distributed_on": day, "org": "IOM",
        "balances": [balance(STORE, "KIT-SHELTER", 50, 100 + index)]})
        for index, day in enumerate(day for day, count in made.items() for _ in range(count))]
    apply(unit, batch + synced)
    apply(unit, synced[:4])  # the relay sent some again
    (one,) = reports.sitrep(unit, SETTINGS)["logistics"]["rounds"]
    assert one["by_day"] == [{"day": "2026-11-22", "households_reached": 5, "items_distributed": 10},
                             {"day": "2026-11-23", "households_reached": "<5", "items_distributed": 4},
                             {"day": "2026-11-24", "households_reached": 6, "items_distributed": 12}]
    assert (one["households_reached"], one["items_distributed"]) == (13, 26)
    handlers.rebuild(unit)
    unit.commit()
    assert reports.sitrep(unit, SETTINGS)["logistics"]["rounds"] == [one]


def test_small_rounds_are_suppressed(unit, events):
    _, _, batch = response(events, households=3)
    apply(unit, batch)
    assert reports.sitrep(unit, SETTINGS)["logistics"]["rounds"][0]["households_reached"] == "<5"


def test_the_3w_has_logistics_rows(unit, events):
    _, _, batch = response(events)
    apply(unit, batch)
    rows = {(r["org"], r["sector"], r["adm2"], r["activity"]): r for r in reports.three_w(unit, SETTINGS)["rows"]}
    distribution = rows[("IOM", "Shelter/NFI", "Buzi", "Distribution (KIT-SHELTER)")]
    assert (distribution["sites"], distribution["households"], distribution["individuals"]) == (1, 6, 24)
    assert ("WFP", "Logistics", "Beira", "Stock received") in rows
    assert ("WFP", "Logistics", "Beira", "Transport (waybills)") in rows
    assert ("WFP", "Logistics", "Buzi", "Loss in transit") in rows


def test_the_stock_table_is_hxl_that_libhxl_reads(unit, events):
    _, _, batch = response(events)
    apply(unit, batch)
    text = reports.export_hxl(unit, SETTINGS, "stock")
    data = hxl.data(hxl.make_input(io.BytesIO(text.encode("utf-8")), hxl.InputOptions(allow_local=True)))
    rows = {(row.get("#loc+warehouse+code"), row.get("#item+code")): row for row in data}
    assert rows[("GG-STORE", "KIT-SHELTER")].get("#inventory+num") == "52"
    assert rows[("GG-STORE", "KIT-SHELTER")].get("#status+pipeline") == "at_risk"
    assert "#indicator+cover+weeks+num" in data.display_tags


def test_the_dashboard_shows_stock_and_cover_with_sites_at_risk(unit, events):
    _, _, batch = response(events)
    apply(unit, batch)

    class Caller:
        org = "OCHA"
    page = dashboard.render(reports.dashboard(unit, SETTINGS), Caller(), "nonce")
    assert 'id="logistics-panel"' in page and 'id="stock-table"' in page
    assert '<tr data-status="at_risk" class=at-risk><td>GG-STORE</td>' in page
    assert "1 site store at risk or broken" in page


def test_rebuild_gives_back_the_same_logistics_figures(unit, events):
    _, _, batch = response(events)
    apply(unit, batch)
    before = (reports.sitrep(unit, SETTINGS)["logistics"], reports.three_w(unit, SETTINGS)["rows"])
    assert handlers.rebuild(unit)["logistics_events_replayed"] == len(batch) - 1
    unit.commit()
    after = (reports.sitrep(unit, SETTINGS)["logistics"], reports.three_w(unit, SETTINGS)["rows"])
    assert after == before


def test_cover_follows_the_newest_event_whichever_carries_it(unit, events):
    """A status change (at risk, 1.38 weeks) then distributions that leave the status as it is but the cover
    lower: the section shows the later figures; an older event delivered late does not take them back."""
    at_risk = events.event("logistics", "pipeline_status_changed", {
        "warehouse_id": STORE, "site_id": None, "item_code": "BLANKET", "status": "at_risk", "previous": "ok",
        "on_hand": 80, "in_transit": 0, "weekly_consumption": 58.0, "weeks_of_cover": 1.38, "lead_time_weeks": 2.0})
    later = events.event("logistics", "stock_adjusted", {
        "adjustment_id": str(uuid.uuid4()), "warehouse_id": STORE, "item_code": "BLANKET", "reason": "lost",
        "delta": -58, "org": "IOM", "balances": [{**balance(STORE, "BLANKET", 22, 9, status="at_risk"),
                                                  "weekly_consumption": 58.0, "weeks_of_cover": 0.38}]})
    apply(unit, [later])
    apply(unit, [at_risk])  # older, delivered late
    (row,) = [r for r in reports.sitrep(unit, SETTINGS)["logistics"]["stock"] if r["item_code"] == "BLANKET"]
    assert (row["on_hand"], row["status"], row["weeks_of_cover"]) == (22, "at_risk", 0.38)
