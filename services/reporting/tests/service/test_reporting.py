"""The reporting service in-process on a real RabbitMQ vhost and PostgreSQL database, fed the events registration and
shelter publish (through the kernel's publish_event, as their outbox relays would)."""
import uuid

import pytest
import requests

from haven_contracts import catalogue
from haven_kernel.errors import Forbidden, NotFound, Unauthenticated, ValidationError
from haven_kernel.events import dead_letter_queue_name
from haven_kernel.testing import get_messages, make_token, rpc_client, wait_until

pytestmark = pytest.mark.service

UNSTABLE = ("generated_at", "lag_seconds")


def stable(report):
    return {key: value for key, value in report.items() if key not in UNSTABLE}


def allocation(household, site_id, unit_id=None, persons=None, area=17.5):
    return {"household_id": household["household_id"], "site_id": site_id, "unit_id": unit_id or str(uuid.uuid4()),
            "unit_type": "family_tent", "persons": persons or household["size"], "covered_area_m2": area}


def play_small_response(reporting, events):
    """Two sites; three households, one relocated, one departed; an allocation published before its registration."""
    beira = events.site(name="Escola 25 de Setembro", site_type="collective_centre", adm1="Sofala", adm2="Beira",
                        managing_agency="INGD")
    guara = events.site(name="Guara Guara", adm1="Sofala", adm2="Buzi")
    first = events.household(beira["site_id"], org="IOM")
    second = events.household(beira["site_id"], org="UNHCR")
    third = events.household(guara["site_id"], org="IOM", by_sex_age=events.sex_age(female_18_59=1, female_0_4=1))
    # Registration's counts of people with specific needs: first has a disability, third's head is a single parent
    # and pregnant; first moves from Beira to Guara Guara.
    beira_needs = [events.site_needs(beira["site_id"], needs, version) for version, needs in ((1, {"DS": 1}), (2, {}))]
    guara_needs = [events.site_needs(guara["site_id"], needs, version)
                   for version, needs in ((1, {"SP": 1, "PG": 1}), (2, {"DS": 1, "SP": 1, "PG": 1}))]
    unit = str(uuid.uuid4())
    published = [
        ("shelter", "site_opened", beira),
        ("shelter", "site_opened", guara),
        ("shelter", "site_capacity_changed", {"site_id": guara["site_id"], "units_total": 4, "units_available": 4,
                                              "capacity_persons": 20, "covered_area_m2": 70.0}),
        ("shelter", "shelter_allocated", allocation(third, guara["site_id"])),  # before its registration
        ("registration", "household_registered", first),
        ("registration", "site_needs_counted", beira_needs[0]),
        ("registration", "household_registered", second),
        ("registration", "site_needs_counted", guara_needs[1]),  # the newer count before the older one
        ("registration", "household_registered", third),
        ("registration", "site_needs_counted", guara_needs[0]),
        ("shelter", "shelter_allocated", allocation(first, beira["site_id"], unit)),
        ("registration", "household_relocated", {**first, "version": 2, "site_id": guara["site_id"],
                                                 "from_site_id": beira["site_id"], "to_site_id": guara["site_id"]}),
        ("registration", "site_needs_counted", beira_needs[1]),
        ("shelter", "shelter_released", {**allocation(first, beira["site_id"], unit), "reason": "relocated"}),
        ("shelter", "allocation_waitlisted", {"household_id": first["household_id"], "site_id": guara["site_id"],
                                              "persons": 4, "position": 1}),
        ("registration", "household_departed", {**second, "version": 2, "status": "departed",
                                                "reason": "returned_home", "departure_date": "2026-11-25"}),
        ("shelter", "site_services_updated", {"site_id": guara["site_id"], "latrines": 1, "latrines_female": 1,
                                              "water_taps": 1, "hand_pumps": 0, "water_litres_per_day": 40.0,
                                              "phase": "emergency", "as_of": "2026-11-24"}),
    ]
    for source, event_type, data in published:
        reporting.publish(source, event_type, data, envelope=events.envelope(source, event_type, data))
    reporting.wait_archived(len(published))
    return beira["site_id"], guara["site_id"], published


def test_events_become_a_sitrep_whatever_their_order(reporting, events):
    beira, guara, published = play_small_response(reporting, events)
    report = reporting.sitrep()
    totals = report["totals"]
    assert (totals["sites"], totals["sites_open"], totals["households"], totals["individuals"]) == (2, 2, 2, 6)
    assert (totals["occupants"], totals["waitlisted_households"], totals["capacity_persons"]) == (2, 1, 20)
    assert totals["specific_needs"] == {"DS": 1, "SP": 1, "PG": 1}
    sites = {s["site_id"]: s for s in report["sites"]}
    assert sites[beira]["households"] == 0 and sites[beira]["occupants"] == 0
    guara_site = sites[guara]
    assert (guara_site["households"], guara_site["individuals"], guara_site["occupants"]) == (2, 6, 2)
    assert guara_site["specific_needs"] == {"DS": "<5", "SP": "<5", "PG": "<5"}
    # 17.5 m² tent for the two people sheltered (not the 70 m² of all the site's units)
    assert guara_site["standards"]["covered_area_per_person_m2"] == {"value": 8.75, "target": 3.5, "met": True}
    assert guara_site["occupied_covered_area_m2"] == 17.5 and guara_site["covered_area_m2"] == 70.0
    assert guara_site["standards"]["water_litres_per_person_per_day"] == {"value": 20.0, "target": 15, "met": True}
    assert report["as_of_event"]["event_type"] == "site_services_updated" and report["lag_seconds"] >= 0

    with reporting.client() as client:
        profile = client.reporting.get_site_profile(guara)
        assert profile["name"] == "Guara Guara" and profile["waitlisted_households"] == 1
        assert {(r["org"], r["activity"]) for r in profile["presence"]} == {
            ("IOM", "Registration"), ("IOM", "Site management"), ("IOM", "Shelter allocation")}
        three_w = client.reporting.get_3w()["rows"]
        assert {(r["org"], r["adm2"], r["activity"], r["households"]) for r in three_w} == {
            ("IOM", "Buzi", "Registration", 2), ("IOM", "Buzi", "Site management", 2),
            ("IOM", "Buzi", "Shelter allocation", 1), ("INGD", "Beira", "Site management", 0)}
        assert client.reporting.get_sitrep(adm2="Beira")["totals"]["households"] == 0


def test_a_redelivered_event_is_applied_once_and_rebuild_gives_the_same_figures(reporting, events):
    beira, guara, published = play_small_response(reporting, events)
    before = reporting.sitrep()
    household = events.household(guara, org="CVM")
    envelope = events.envelope("registration", "household_registered", household)
    for _ in range(3):
        reporting.publish("registration", "household_registered", household, envelope=envelope)
    reporting.wait_archived(len(published) + 1)
    wait_until(lambda: reporting.sitrep()["totals"]["households"] == before["totals"]["households"] + 1)
    after = reporting.sitrep()
    assert after["totals"]["individuals"] == before["totals"]["individuals"] + household["size"]

    with reporting.client() as client:
        with pytest.raises(Forbidden):
            client.reporting.rebuild()
    with reporting.client("admin") as admin:
        result = admin.reporting.rebuild()
        assert result["events_replayed"] == len(published) + 1 and result["sites"] == 2
        rebuilt = admin.reporting.get_sitrep()
    assert stable(rebuilt) == stable(after)
    for table in ("sites", "admin_areas", "3w"):
        with reporting.client() as client:
            assert client.reporting.export_hxl(table).splitlines()[1].startswith("#")


def test_events_arriving_during_a_rebuild_are_not_lost(reporting, events):
    import eventlet
    site = events.site()
    reporting.publish("shelter", "site_opened", site)
    reporting.wait_archived(1)

    def publish_many():
        for _ in range(60):
            household = events.household(site["site_id"])
            reporting.publish("registration", "household_registered", household)
            reporting.publish("shelter", "shelter_allocated", allocation(household, site["site_id"]))

    publisher = eventlet.spawn(publish_many)
    rebuilds = 0
    with reporting.client("admin") as admin:
        while not publisher.dead or rebuilds == 0:
            admin.reporting.rebuild()
            rebuilds += 1
        publisher.wait()
        reporting.wait_archived(121)
        live = admin.reporting.get_sitrep()
        admin.reporting.rebuild()
        rebuilt = admin.reporting.get_sitrep()
    assert live["totals"]["households"] == 60 and live["totals"]["occupants"] == 240
    assert stable(rebuilt) == stable(live), f"after {rebuilds} rebuilds while events arrived"


def test_malformed_and_unknown_version_events_are_dead_lettered_and_the_consumer_goes_on(reporting, events):
    site = events.site()
    reporting.publish("shelter", "site_opened", site)
    reporting.wait_archived(1)
    good = events.household(site["site_id"])
    bad_data = events.envelope("registration", "household_registered", good)
    bad_data["data"] = {**good, "size": "four", "given_name": "Amélia"}
    unknown_version = {**events.envelope("registration", "household_registered", good), "schema_version": 9}
    for envelope in (bad_data, unknown_version):
        reporting.publish("registration", "household_registered", None, envelope=envelope)
    reporting.publish("registration", "household_registered", events.household(site["site_id"]))
    reporting.wait_archived(2)
    dead = []
    wait_until(lambda: dead.extend(get_messages(reporting.amqp_uri, dead_letter_queue_name("reporting"))) or
               len(dead) >= 2, message="two dead letters")
    assert sorted(h["x-haven-error-type"] for _, h in dead) == ["EventContractError", "EventContractError"]
    assert any("v9" in h["x-haven-error"] for _, h in dead)
    assert reporting.sitrep()["totals"]["households"] == 1, "nothing of the bad events was applied"


def test_rpc_errors_are_typed(reporting, events):
    with rpc_client(reporting.amqp_uri) as anonymous:
        with pytest.raises(Unauthenticated):
            anonymous.reporting.get_sitrep()
    with rpc_client(reporting.amqp_uri, make_token("registration:read")) as other:
        with pytest.raises(Forbidden):
            other.reporting.get_sitrep()
    with reporting.client() as client:
        with pytest.raises(NotFound):
            client.reporting.get_site_profile(str(uuid.uuid4()))
        bad_calls = [
            (client.reporting.get_site_profile, ("not-a-uuid",), {}, "site_id"),
            (client.reporting.get_sitrep, (), {"adm1": 12}, "adm1"),
            (client.reporting.get_sitrep, (), {"adm2": "x" * 101}, "adm2"),
            (client.reporting.export_hxl, ("households",), {}, "table"),
            (client.reporting.export_hxl, (["sites"],), {}, "table"),
            (client.reporting.get_sitrep, (), {"province": "Sofala"}, "_arguments"),
        ]
        for method, args, kwargs, field in bad_calls:
            with pytest.raises(ValidationError) as error:
                method(*args, **kwargs)
            assert field in error.value.errors, (args, kwargs, error.value.errors)


def test_http_needs_a_token_and_the_dashboard_shows_the_figures(reporting, events):
    beira, guara, published = play_small_response(reporting, events)
    base = reporting.base_url
    anonymous = requests.get(base + "/", timeout=10)
    assert anonymous.status_code == 401 and 'action="/login"' in anonymous.text and "Guara" not in anonymous.text
    for path in ("/sitrep.json", "/sitrep.csv", "/3w.csv", "/admin_areas.csv"):
        assert requests.get(base + path, timeout=10).status_code == 401
        wrong = requests.get(base + path, headers={"Authorization": "Bearer " + make_token("shelter:read")},
                             timeout=10)
        assert wrong.status_code == 403 and wrong.json()["error"] == "Forbidden"
    bearer = {"Authorization": "Bearer " + reporting.reader}
    sitrep = requests.get(base + "/sitrep.json", headers=bearer, timeout=10).json()
    assert sitrep["totals"]["households"] == 2
    assert requests.get(base + "/sitrep.json?adm2=Beira", headers=bearer, timeout=10).json()["totals"]["sites"] == 1
    csv_text = requests.get(base + "/sitrep.csv", headers=bearer, timeout=10)
    assert csv_text.headers["Content-Type"].startswith("text/csv") and "#loc+camp+name" in csv_text.text
    assert "#org+impl" in requests.get(base + "/3w.csv", headers=bearer, timeout=10).text

    refused = reporting.sign_in(make_token("shelter:read"))[1]
    assert refused.status_code == 403 and "Not signed in" in refused.text
    assert reporting.session_cookie not in refused.cookies
    assert reporting.sign_in("not a token")[1].status_code == 401
    browser, _ = reporting.sign_in(reporting.reader)
    page = browser.get(base + "/", timeout=10)
    assert page.status_code == 200
    assert "Guara Guara" in page.text and 'id="total-households">2<' in page.text
    assert 'id="total-individuals">6<' in page.text and f'data-site-id="{guara}"' in page.text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["X-Content-Type-Options"] == "nosniff"
    assert browser.get(base + "/sitrep.json", timeout=10).json()["totals"]["sites"] == 2, "the session works"
    assert reporting.sign_out(browser).status_code == 303
    assert browser.get(base + "/", timeout=10).status_code == 401

    expired = requests.get(base + "/", cookies={reporting.session_cookie: "no-such-session"}, timeout=10)
    assert expired.status_code == 401 and "session ended" in expired.text

    metrics = requests.get(base + "/metrics", timeout=10).text
    assert "haven_reporting_projection_lag_seconds" in metrics
    assert 'haven_reporting_population{figure="households"} 2.0' in metrics
    assert 'haven_http_requests_total{outcome="ok",route="GET /sitrep.json"}' in metrics
    assert 'haven_http_requests_total{outcome="Forbidden",route="GET /sitrep.csv"} 1.0' in metrics


def test_every_event_reporting_consumes_has_a_handler_under_the_inbox_key_databases_already_hold(reporting, events):
    from nameko.events import EventHandler
    from sqlalchemy import insert
    from haven_kernel.clock import utcnow
    from haven_kernel.db import ProcessedEvent
    handlers = [e for e in reporting.container.entrypoints if isinstance(e, EventHandler)]
    assert {(e.source_service, e.event_type) for e in handlers} == {
        (e.source, e.name) for e in catalogue.consumed_by("reporting")}
    # The handlers were generated once; written out, each keeps the name (and so the inbox key) it had.
    assert {e.inbox_name for e in handlers} == {
        f"ReportingService.on_{e.source}_{e.name}" for e in catalogue.consumed_by("reporting")}
    applied, fresh = events.site(name="Applied before"), events.site(name="Fresh")
    envelope = events.envelope("shelter", "site_opened", applied)
    with reporting.database.session_factory() as session:  # the inbox row of an event applied before the change
        session.execute(insert(ProcessedEvent), [{"event_id": envelope["event_id"], "processed_at": utcnow(),
                                                  "handler": "ReportingService.on_shelter_site_opened"}])
        session.commit()
    reporting.publish("shelter", "site_opened", applied, envelope=envelope)
    reporting.publish("shelter", "site_opened", fresh)
    reporting.wait_archived(1)
    assert [s["name"] for s in reporting.sitrep()["sites"]] == ["Fresh"], "the inbox skipped the old event"
