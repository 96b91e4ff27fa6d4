"""Reports from projections: totals, admin areas, suppression, standards, 3W, HXL, the dashboard page."""
import csv
import io

import hxl
import pytest

from haven_contracts.standards import DEFAULT_TARGETS, site_standards, standards_summary, targets_from_config
from haven_reporting import dashboard, hxl as hxl_export, pages
from haven_reporting.domain import MemoryStore, Projector
from haven_reporting.reports import settings_from_config
from haven_reporting.sitrep import SitrepBuilder, suppress

pytestmark = pytest.mark.unit


def build(events, threshold=5):
    """Two provinces, three sites: Guara Guara (Buzi) with shelter and services, Mandruzi (Dondo), Chimoio (Manica)."""
    store = MemoryStore()
    projector = Projector(store)
    guara = events.site(name="Guara Guara", adm1="Sofala", adm2="Buzi", managing_agency="IOM")
    mandruzi = events.site(name="Mandruzi", adm1="Sofala", adm2="Dondo", managing_agency="CVM",
                           site_type="self_settled_camp")
    chimoio = events.site(name="Centro de Trânsito <Chimoio>", adm1="Manica", adm2="Chimoio",
                          site_type="transit_centre", managing_agency="INGD")
    for site in (guara, mandruzi, chimoio):
        projector.apply(events.event("shelter", "site_opened", site))
    projector.apply(events.event("shelter", "site_capacity_changed", {
        "site_id": guara["site_id"], "units_total": 10, "units_available": 10, "capacity_persons": 50,
        "covered_area_m2": 175.0}))
    projector.apply(events.event("shelter", "site_services_updated", {
        "site_id": guara["site_id"], "latrines": 1, "latrines_female": 1, "water_taps": 1, "hand_pumps": 0,
        "water_litres_per_day": 300.0, "phase": "emergency", "as_of": "2026-11-22"}))
    households = []
    for index in range(6):  # Guara Guara: 6 households of 4, two with a disability, one pregnant woman
        household = events.household(guara["site_id"], org="IOM" if index % 2 else "UNHCR")
        households.append(household)
        projector.apply(events.event("registration", "household_registered", household))
        projector.apply(events.event("shelter", "shelter_allocated", {
            "household_id": household["household_id"], "site_id": guara["site_id"],
            "unit_id": events.site()["site_id"], "unit_type": "family_tent", "persons": 4, "covered_area_m2": 17.5}))
    for index in range(7):  # Mandruzi: 7 older people at risk
        household = events.household(mandruzi["site_id"], by_sex_age=events.sex_age(female_60=1), org="CVM")
        projector.apply(events.event("registration", "household_registered", household))
    # Registration's counts of people with specific needs, per site (household events carry none).
    for site_id, needs in ((guara["site_id"], {"DS": 2, "PG": 1}), (mandruzi["site_id"], {"ER": 7})):
        projector.apply(events.event("registration", "site_needs_counted", events.site_needs(site_id, needs)))
    return store, guara["site_id"], mandruzi["site_id"], chimoio["site_id"]


def test_suppression_bands_small_counts_only():
    assert [suppress(n) for n in (0, 1, 4, 5, 12)] == [0, "<5", "<5", 5, 12]
    assert [suppress(n, 3) for n in (0, 1, 2, 3)] == [0, "<3", "<3", 3]
    assert suppress(1, 0) == 1 and suppress(1, 1) == 1  # switched off


def test_sitrep_totals_sites_and_admin_areas(events):
    store, guara, mandruzi, chimoio = build(events)
    report = SitrepBuilder(store.sites, store.cells).sitrep(now=events.clock)
    totals = report["totals"]
    assert (totals["sites"], totals["sites_open"], totals["households"], totals["individuals"]) == (3, 3, 13, 31)
    assert totals["by_sex_age"]["female"]["60+"] == 7 and totals["by_sex_age"]["male"]["0-4"] == 6
    assert totals["specific_needs"] == {"DS": 2, "ER": 7, "PG": 1}, "whole-response totals are exact"
    assert (totals["capacity_persons"], totals["occupants"], totals["waitlisted_households"]) == (50, 24, 0)
    by_id = {s["site_id"]: s for s in report["sites"]}
    assert [s["name"] for s in report["sites"]] == ["Centro de Trânsito <Chimoio>", "Guara Guara", "Mandruzi"]
    assert by_id[guara]["specific_needs"] == {"DS": "<5", "PG": "<5"}, "small cells suppressed by site"
    assert by_id[mandruzi]["specific_needs"] == {"ER": 7}
    assert by_id[guara]["occupancy_rate"] == 0.48 and by_id[guara]["covered_area_per_person_m2"] == 4.38
    assert by_id[chimoio]["households"] == 0 and by_id[chimoio]["standards_assessed"] == 0
    areas = {(a["adm1"], a["adm2"]): a for a in report["admin_areas"]}
    assert list(areas) == [("Manica", None), ("Manica", "Chimoio"), ("Sofala", None), ("Sofala", "Buzi"),
                           ("Sofala", "Dondo")]
    assert areas[("Sofala", None)]["households"] == 13 and areas[("Sofala", None)]["level"] == 1
    assert areas[("Sofala", "Buzi")]["specific_needs"] == {"DS": "<5", "PG": "<5"}


def test_sitrep_filters_by_admin_area(events):
    store, guara, mandruzi, chimoio = build(events)
    builder = SitrepBuilder(store.sites, store.cells)
    sofala = builder.sitrep(adm1="Sofala", now=events.clock)
    assert [s["name"] for s in sofala["sites"]] == ["Guara Guara", "Mandruzi"]
    assert sofala["totals"]["households"] == 13 and sofala["totals"]["specific_needs"] == {"DS": "<5", "ER": 7,
                                                                                         "PG": "<5"}
    buzi = builder.sitrep(adm2="Buzi", now=events.clock)
    assert [s["site_id"] for s in buzi["sites"]] == [guara] and buzi["totals"]["individuals"] == 24
    assert builder.sitrep(adm1="Niassa", now=events.clock)["totals"]["sites"] == 0


def test_standards_compare_live_figures_with_configured_targets(events):
    store, guara, *_ = build(events)
    site = {s["site_id"]: s for s in SitrepBuilder(store.sites, store.cells).sitrep(now=events.clock)["sites"]}[guara]
    standards = site["standards"]
    # six 17.5 m² tents for 24 people: the units people live in, not the 175 m² of all the site's units
    assert standards["covered_area_per_person_m2"] == {"value": 4.38, "target": 3.5, "met": True}
    assert standards["people_per_latrine"] == {"value": 24.0, "target": 50, "met": True}
    assert standards["female_latrine_share"] == {"value": 1.0, "target": 0.75, "met": True}
    assert standards["people_per_tap"] == {"value": 24.0, "target": 250, "met": True}
    assert standards["people_per_hand_pump"] is None, "a site served by taps does not fail for having no hand pump"
    assert standards["water_litres_per_person_per_day"] == {"value": 12.5, "target": 15, "met": False}
    assert (site["standards_met"], site["standards_assessed"]) == (4, 5)
    stricter = SitrepBuilder(store.sites, store.cells, targets={**DEFAULT_TARGETS, "covered_area_m2_per_person": 4.5})
    assert stricter.figures(guara)["standards"]["covered_area_per_person_m2"]["met"] is False


def test_standards_never_make_up_a_value():
    assert set(site_standards(0, 100.0, {"latrines": 3}).values()) == {None}, "nobody there: nothing to judge"
    assert set(site_standards(120).values()) == {None}, "no figures: no indicator"
    no_latrine = site_standards(120, services={"latrines": 0, "phase": "stabilised"})
    assert no_latrine["people_per_latrine"] == {"value": None, "target": 20, "met": False}
    no_water = site_standards(120, services={"water_taps": 0, "hand_pumps": 0})
    assert no_water["people_per_tap"]["met"] is False and no_water["people_per_hand_pump"]["met"] is False
    pumps_only = site_standards(1200, services={"water_taps": 0, "hand_pumps": 2})
    assert pumps_only["people_per_tap"] is None and pumps_only["people_per_hand_pump"] == {
        "value": 600.0, "target": 500, "met": False}
    assert standards_summary(no_latrine) == (0, 1)


def test_targets_and_threshold_come_from_config():
    targets = targets_from_config({"SPHERE_COVERED_AREA_M2_PER_PERSON": "4.5", "SPHERE_PEOPLE_PER_TAP": 200})
    assert targets["covered_area_m2_per_person"] == 4.5 and targets["people_per_tap"] == 200
    assert targets["people_per_hand_pump"] == 500
    assert settings_from_config({"SMALL_CELL_THRESHOLD": "3"}).threshold == 3
    with pytest.raises(ValueError):
        settings_from_config({"SMALL_CELL_THRESHOLD": "five"})
    for bad in ({"SPHERE_PEOPLE_PER_TAP": "-1"}, {"SPHERE_PEOPLE_PER_TAP": "many"},
                {"SPHERE_FEMALE_LATRINE_SHARE": 3}):
        with pytest.raises(ValueError):
            targets_from_config(bad)


def test_three_w_counts_registration_site_management_and_shelter(events):
    store, guara, mandruzi, chimoio = build(events)
    rows = {(r["org"], r["sector"], r["adm2"], r["activity"]): r for r in SitrepBuilder(store.sites, store.cells).three_w()}
    assert rows[("UNHCR", "CCCM", "Buzi", "Registration")]["households"] == 3
    assert rows[("IOM", "CCCM", "Buzi", "Registration")]["individuals"] == 12
    assert rows[("IOM", "CCCM", "Buzi", "Site management")]["households"] == 6
    assert rows[("IOM", "Shelter", "Buzi", "Shelter allocation")]["individuals"] == 24
    assert rows[("CVM", "CCCM", "Dondo", "Registration")]["households"] == 7
    assert rows[("INGD", "CCCM", "Chimoio", "Site management")]["sites"] == 1
    assert ("CVM", "Shelter", "Dondo", "Shelter allocation") not in rows


def _read_hxl(text):
    dataset = hxl.data(hxl.make_input(io.BytesIO(text.encode("utf-8")), hxl.InputOptions(allow_local=True)))
    return dataset


def test_hxl_exports_read_back_with_libhxl(events):
    store, guara, mandruzi, chimoio = build(events)
    builder = SitrepBuilder(store.sites, store.cells)
    report = builder.sitrep(now=events.clock)
    text = hxl_export.write("sites", report["sites"], "2026-11-28")
    header, tags = list(csv.reader(io.StringIO(text)))[:2]
    assert header[0] == "Site ID" and tags[0] == "#loc+camp+id" and tags[-1] == "#date+reported"
    dataset = _read_hxl(text)
    rows = list(dataset)
    assert len(rows) == 3
    by_id = {row.get("#loc+camp+id"): row for row in rows}
    for site in report["sites"]:
        row = by_id[site["site_id"]]
        assert row.get("#loc+camp+name") == site["name"]
        assert row.get("#adm1+name") == site["adm1"] and row.get("#adm2+name") == site["adm2"]
        assert int(row.get("#population+hh")) == site["households"]
        assert int(row.get("#population+ind")) == site["individuals"]
        assert int(row.get("#population+f+age60plus")) == site["by_sex_age"]["female"]["60+"]
        assert float(row.get("#geo+lat")) == site["lat"]
        assert row.get("#population+ind+needs+ds") == str(site["specific_needs"].get("DS", 0))
    assert by_id[guara].get("#population+ind+needs+ds") == "<5"
    assert float(by_id[guara].get("#indicator+covered_area+num")) == 4.38
    three_w = list(_read_hxl(hxl_export.write("3w", builder.three_w(), "2026-11-28")))
    assert {(r.get("#org+impl"), r.get("#activity+name")) for r in three_w} >= {("UNHCR", "Registration"),
                                                                              ("IOM", "Shelter allocation")}
    areas = list(_read_hxl(hxl_export.write("admin_areas", report["admin_areas"], "2026-11-28")))
    assert [int(r.get("#population+ind")) for r in areas] == [a["individuals"] for a in report["admin_areas"]]


def test_hxl_cells_cannot_smuggle_a_spreadsheet_formula():
    assert hxl_export.cell("=HYPERLINK(\"http://x\")").startswith("'=")
    assert hxl_export.cell(-19.83) == "-19.83" and hxl_export.cell(None) == ""


def test_dashboard_escapes_partner_text_and_shows_the_figures(events):
    from haven_kernel.auth import Caller
    store, guara, mandruzi, chimoio = build(events)
    builder = SitrepBuilder(store.sites, store.cells)
    page = dashboard.render({"sitrep": builder.sitrep(now=events.clock), "three_w": builder.three_w()},
                            Caller("ocha", "OCHA", ("reporting:read",)), nonce="abc")
    assert "<Chimoio>" not in page and "Centro de Trânsito &lt;Chimoio&gt;" in page
    assert 'id="total-households">13<' in page and 'id="total-individuals">31<' in page
    assert f'data-site-id="{guara}"' in page and '<script nonce="abc">' in page
    assert "http://" not in page and "https://" not in page, "self-contained: nothing fetched from elsewhere"
    login = pages.login_page("That token was refused <b>")
    assert 'action="/login"' in login and "&lt;b&gt;" in login and "<script" not in login


def test_an_empty_response_has_a_sitrep_and_a_dashboard():
    from haven_kernel.auth import Caller
    builder = SitrepBuilder({}, {})
    report = builder.sitrep()
    assert report["totals"]["sites"] == 0 and report["sites"] == [] and report["as_of_event"] is None
    page = dashboard.render({"sitrep": report, "three_w": builder.three_w()}, Caller("x", "OCHA", ()), "n")
    assert "no event received yet" in page and 'id="total-households">0<' in page


def test_covered_area_is_missing_not_guessed_when_an_allocation_did_not_say_its_area(events):
    store = MemoryStore()
    projector = Projector(store)
    site = events.site(name="Mafambisse")
    projector.apply(events.event("shelter", "site_opened", site))
    projector.apply(events.event("shelter", "site_capacity_changed", {
        "site_id": site["site_id"], "units_total": 2, "units_available": 2, "capacity_persons": 10,
        "covered_area_m2": 35.0}))
    household = events.household(site["site_id"])
    projector.apply(events.event("registration", "household_registered", household))
    projector.apply(events.event("shelter", "shelter_allocated", {
        "household_id": household["household_id"], "site_id": site["site_id"], "unit_id": events.site()["site_id"],
        "unit_type": "family_tent", "persons": household["size"]}))  # a producer that did not send the area
    figures = SitrepBuilder(store.sites, store.cells).figures(site["site_id"])
    assert figures["occupants"] == household["size"] and figures["standards"]["covered_area_per_person_m2"] is None
