"""Reporting's use cases and event handlers' bodies on a SQLite unit of work: events applied in batches become the
reports partners read; bad questions get typed errors naming the field; a repeated event counts once."""
import pytest

from haven_kernel.errors import NotFound, ValidationError
from haven_reporting import handlers, reports
from haven_reporting.reports import ReportSettings


SETTINGS = ReportSettings()


def apply(unit, batch):
    """One transaction, as the kernel applies a batch: prepare, each event's handler under its context, commit."""
    return unit.apply_events(batch, handlers.record, prepare=handlers.prepare)


def small_response(events):
    guara = events.site(name="Guara Guara", adm2="Buzi")
    beira = events.site(name="Escola 25 de Setembro", adm2="Beira", managing_agency="INGD")
    first = events.household(guara["site_id"], specific_needs={"PG": 1}, org="UNHCR")
    second = events.household(beira["site_id"], org="IOM")
    return guara["site_id"], beira["site_id"], [
        events.event("shelter", "site_opened", guara),
        events.event("shelter", "site_opened", beira),
        events.event("registration", "household_registered", first),
        events.event("registration", "household_registered", second),
        events.event("shelter", "shelter_allocated", {
            "household_id": first["household_id"], "site_id": guara["site_id"], "unit_id": events.site()["site_id"],
            "unit_type": "family_tent", "persons": 4, "covered_area_m2": 17.5}),
    ]


def test_a_batch_of_events_becomes_the_sitrep_and_a_repeat_counts_once(unit, events):
    guara, beira, batch = small_response(events)
    assert apply(unit, batch) == [True] * len(batch)
    assert apply(unit, batch[2:3]) == [False], "archived before: not applied again"
    report = reports.sitrep(unit, SETTINGS)
    assert (report["totals"]["households"], report["totals"]["individuals"], report["totals"]["occupants"]) == (2, 8, 4)
    sites = {site["site_id"]: site for site in report["sites"]}
    assert sites[guara]["specific_needs"] == {"PG": "<5"} and sites[beira]["households"] == 1
    assert report["as_of_event"]["event_type"] == "shelter_allocated"
    assert reports.sitrep(unit, SETTINGS, adm2="Beira")["totals"]["households"] == 1
    profile = reports.site_profile(unit, SETTINGS, guara)
    assert profile["name"] == "Guara Guara" and profile["occupants"] == 4
    assert {(r["org"], r["activity"]) for r in profile["presence"]} >= {("UNHCR", "Registration")}
    assert {r["activity"] for r in reports.three_w(unit, SETTINGS)["rows"]} == {
        "Registration", "Site management", "Shelter allocation"}
    assert reports.export_hxl(unit, SETTINGS, "sites").splitlines()[1].startswith("#")


def test_rebuild_gives_back_the_same_figures(unit, events):
    _, _, batch = small_response(events)
    apply(unit, batch)
    before = reports.sitrep(unit, SETTINGS)
    assert handlers.rebuild(unit)["events_replayed"] == len(batch)
    unit.commit()
    after = reports.sitrep(unit, SETTINGS)
    assert after["totals"] == before["totals"] and after["sites"] == before["sites"]


def test_bad_questions_are_typed_errors_naming_the_field(unit, events):
    for call, field in ((lambda: reports.sitrep(unit, SETTINGS, adm1=12), "adm1"),
                        (lambda: reports.site_profile(unit, SETTINGS, "not-a-uuid"), "site_id"),
                        (lambda: reports.export_hxl(unit, SETTINGS, "households"), "table"),
                        (lambda: reports.export_hxl(unit, SETTINGS, ["sites"]), "table")):
        with pytest.raises(ValidationError) as error:
            call()
        assert field in error.value.errors
    with pytest.raises(NotFound):
        reports.site_profile(unit, SETTINGS, events.site()["site_id"])
