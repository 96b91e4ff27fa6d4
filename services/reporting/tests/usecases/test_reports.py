"""Reporting's use cases and event handlers' bodies on a SQLite unit of work: events applied in batches become the
reports partners read; bad questions get typed errors naming the field; a repeated event counts once; no household's
specific needs are kept (events of v1 are stored without them, and migration needs_0001 scrubs the archive)."""
import json

import pytest
import sqlalchemy as sa

from haven_contracts import catalogue
from haven_kernel import migrations

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
    first = events.household(guara["site_id"], org="UNHCR")
    second = events.household(beira["site_id"], org="IOM")
    return guara["site_id"], beira["site_id"], [
        events.event("shelter", "site_opened", guara),
        events.event("shelter", "site_opened", beira),
        events.event("registration", "household_registered", first),
        events.event("registration", "household_registered", second),
        events.event("registration", "site_needs_counted", events.site_needs(guara["site_id"], {"PG": 1})),
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


def household_v1(events, site_id, needs):
    """A household event as a registration not yet upgraded sends it: v1, with the household's needs codes."""
    envelope = events.envelope("registration", "household_registered", events.household(site_id))
    envelope["schema_version"], envelope["data"]["specific_needs"] = 1, dict(needs)
    return catalogue.parse(envelope)


def test_a_v1_household_event_is_kept_without_its_needs(unit, events):
    guara, _, batch = small_response(events)
    old = household_v1(events, guara, {"SV": 1, "SC-UC": 1})
    assert apply(unit, batch + [old]) == [True] * (len(batch) + 1)
    stored = unit.session.execute(sa.text("SELECT schema_version, envelope FROM archived_events")).all()
    assert all("specific_needs" not in str(envelope) and '"SV"' not in str(envelope) for _, envelope in stored)
    kept = unit.session.execute(sa.text("SELECT schema_version FROM archived_events WHERE event_id = :id"),
                                {"id": old.event_id}).scalar_one()
    assert kept == 2, "a v1 household event is kept as the v2 it then matches"
    report = reports.sitrep(unit, SETTINGS)
    sites = {site["site_id"]: site for site in report["sites"]}
    assert sites[guara]["households"] == 2 and sites[guara]["specific_needs"] == {"PG": "<5"}, \
        "needs come from the site count, not the household"
    assert handlers.rebuild(unit)["events_replayed"] == len(batch) + 1, "the archive replays"
    unit.commit()
    assert reports.sitrep(unit, SETTINGS)["sites"] == report["sites"]


def test_migration_needs_0001_scrubs_the_archive_and_the_projections(tmp_path, events):
    url = f"sqlite:///{tmp_path / 'reporting.db'}"
    migrations.upgrade("haven_reporting", url, "0003")
    site = events.site()["site_id"]
    old = household_v1(events, site, {"SV": 1, "DS-PM": 2})
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO archived_events (event_id, source, event_type, schema_version, occurred_at, received_at, "
            "envelope) VALUES (:id, 'registration', 'household_registered', 1, :at, :at, :envelope)"),
            {"id": old.event_id, "at": old.occurred_at, "envelope": json.dumps(old.as_envelope())})
        connection.execute(sa.text("INSERT INTO household_facts (household_id, version, size, shelter, "
                                   "specific_needs) VALUES (:id, 1, 4, '{}', :needs)"),
                           {"id": old.data["household_id"], "needs": json.dumps({"SV": 1})})
        connection.execute(sa.text("INSERT INTO site_counters VALUES (:site, 'needs', 'SV', 1), "
                                   "(:site, 'population', 'households', 1)"), {"site": site})
    migrations.upgrade("haven_reporting", url)
    with engine.begin() as connection:
        version, envelope = connection.execute(sa.text("SELECT schema_version, envelope FROM archived_events")).one()
        assert version == 2 and "specific_needs" not in envelope and '"SV"' not in envelope
        assert catalogue.parse(json.loads(envelope)).data["household_id"] == old.data["household_id"]
        assert connection.execute(sa.text("SELECT dimension FROM site_counters")).scalars().all() == ["population"]
        columns = {c["name"] for c in sa.inspect(connection).get_columns("household_facts")}
        assert "specific_needs" not in columns
        assert connection.execute(sa.text("SELECT count(*) FROM site_profiles WHERE needs_version <> 0")).scalar() == 0
    engine.dispose()


def test_migration_fieldsync_0001_counts_the_households_projected_before_by_their_arrival_day(tmp_path, events):
    url = f"sqlite:///{tmp_path / 'reporting.db'}"
    migrations.upgrade("haven_reporting", url, "logistics_0002")
    site = events.site()["site_id"]
    first = events.household(site)
    moved = {key: value for key, value in events.household(site, size=2, version=2, registered_at=
             "2026-11-25T23:30:00+00:00").items() if key != "collected_at"}
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for number, data in enumerate((first, {**moved, "version": 1}, moved)):
            envelope = {**catalogue.envelope("registration", "household_registered", data), "schema_version": 2}
            connection.execute(sa.text(
                "INSERT INTO archived_events (event_id, source, event_type, schema_version, occurred_at, "
                "received_at, envelope) VALUES (:id, 'registration', 'household_registered', 2, :at, :at, :env)"),
                {"id": envelope["event_id"], "at": envelope["occurred_at"], "env": json.dumps(envelope)})
        for data in (first, moved):
            connection.execute(sa.text("INSERT INTO household_facts (household_id, version, site_id, size, shelter) "
                                       "VALUES (:id, :version, :site, :size, '{}')"),
                               {"id": data["household_id"], "version": data["version"], "site": site,
                                "size": data["size"]})
    migrations.upgrade("haven_reporting", url)
    with engine.begin() as connection:
        counters = connection.execute(sa.text(
            "SELECT dimension, key, value FROM site_counters ORDER BY dimension, key")).all()
        assert {tuple(row) for row in counters} == {
            ("arrival_individuals", "2026-11-25", 2), ("arrival_individuals", first["registered_at"][:10], 4),
            ("arrivals", "2026-11-25", 1), ("arrivals", first["registered_at"][:10], 1)}
        assert first["registered_at"][:10] != "2026-11-25"
        assert connection.execute(sa.text(
            "SELECT count(*) FROM household_facts WHERE arrived_at IS NOT NULL")).scalar() == 2
    migrations.command.downgrade(migrations.alembic_config("haven_reporting", url), "logistics_0002")
    with engine.begin() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM site_counters")).scalar() == 0
    engine.dispose()
