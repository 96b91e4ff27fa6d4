"""Sites through shelter's RPC over a real broker and database: their details and events, the figures and
minimum-standards indicators in site views, and the business gauges on /metrics."""
import urllib.request
from datetime import date, timedelta

import pytest

from haven_contracts import catalogue
from haven_contracts.shelter import SiteEvent
from haven_kernel.errors import Conflict, NotFound

pytestmark = pytest.mark.service

FAMILY_TENT = {"unit_type": "family_tent", "covered_area_m2": 16.0}  # 4 persons
SITE_VIEW_KEYS = {"site_id", "code", "name", "site_type", "adm1", "adm2", "lat", "lon", "managing_agency",
                  "opened_on", "area_m2", "status", "closed_reason", "closed_at", "capacity_persons", "units_total",
                  "units_available", "units_free", "households", "occupants", "waitlisted_households",
                  "occupancy_rate", "covered_area_per_person_m2", "services", "standards", "standards_met",
                  "standards_assessed"}


def test_sites_are_created_updated_listed_and_announced(shelter, record_events, make_site):
    events = record_events(shelter.amqp_uri, "shelter")
    with shelter.client() as client:
        camp = client.shelter.create_site(make_site(code="SOF-001", opened_on="2026-11-20", area_m2=45000.0,
                                                    name="  Camp Esperanza "))
        assert set(camp) == SITE_VIEW_KEYS
        assert camp["name"] == "Camp Esperanza" and camp["code"] == "SOF-001" and camp["status"] == "open"
        assert camp["opened_on"] == "2026-11-20" and camp["managing_agency"] == "IOM"
        assert (camp["capacity_persons"], camp["units_total"], camp["occupants"], camp["occupancy_rate"]) == \
            (0, 0, 0, None)
        assert camp["standards"]["people_per_latrine"] is None and camp["services"] is None
        assert (camp["standards_met"], camp["standards_assessed"]) == (0, 0)
        centre = client.shelter.create_site(make_site(name="Escola 25 de Setembro", site_type="collective_centre",
                                                      adm1="Manica", adm2="Chimoio"))
        with pytest.raises(Conflict):
            client.shelter.create_site(make_site(code="SOF-001", name="Another"))
        with pytest.raises(Conflict):
            client.shelter.update_site(centre["site_id"], {"code": "SOF-001"})

        updated = client.shelter.update_site(camp["site_id"], {"name": "Camp Esperança", "area_m2": None,
                                                               "lat": -19.9})
        assert updated["name"] == "Camp Esperança" and updated["area_m2"] is None and updated["lat"] == -19.9
        assert client.shelter.get_site(camp["site_id"]) == updated
        with pytest.raises(NotFound):
            client.shelter.get_site("6f1c1f0e-1111-4222-8333-444455556666")
        with pytest.raises(NotFound):
            client.shelter.update_site("6f1c1f0e-1111-4222-8333-444455556666", {"name": "x"})

        assert [s["name"] for s in client.shelter.list_sites()] == ["Camp Esperança", "Escola 25 de Setembro"]
        assert [s["site_id"] for s in client.shelter.list_sites(adm1="Manica")] == [centre["site_id"]]
        assert [s["site_id"] for s in client.shelter.list_sites(site_type="planned_camp", status="open")] == \
            [camp["site_id"]]
        assert client.shelter.list_sites(status="closed") == []

    events.wait_for("site_updated")
    events.wait_for("site_opened", count=2)
    opened = events.events("site_opened")[0]
    catalogue.parse(opened)
    assert set(opened["data"]) == set(SiteEvent().fields)
    assert opened["data"]["code"] == "SOF-001" and opened["data"]["status"] == "open"
    assert events.events("site_updated")[0]["data"]["name"] == "Camp Esperança"


def test_site_view_compares_live_figures_to_sphere(shelter, record_events):
    events = record_events(shelter.amqp_uri, "shelter")
    with shelter.client() as client:
        site_id = shelter.create_site(client, units=[{**FAMILY_TENT, "count": 3},
                                                     {"unit_type": "collective_room", "covered_area_m2": 12.0,
                                                      "capacity_persons": 6}])["site_id"]
        for size in (4, 4, 6):  # the six-person family takes the room: 12 m² for six
            shelter.wait_status(shelter.register(site_id, size=size)["household_id"], "allocated")
        site = client.shelter.get_site(site_id)
        assert (site["capacity_persons"], site["occupants"], site["households"], site["units_free"]) == (18, 14, 3, 1)
        assert site["occupancy_rate"] == round(14 / 18, 3)
        assert site["covered_area_per_person_m2"] == round(44 / 14, 2)
        assert site["standards"]["covered_area_per_person_m2"] == {"value": 3.14, "target": 3.5, "met": False}

        yesterday = (date.today() - timedelta(days=1)).isoformat()
        site = client.shelter.record_site_services(site_id, {
            "latrines": 1, "latrines_female": 1, "water_taps": 1, "hand_pumps": 0, "water_litres_per_day": 140.0,
            "phase": "stabilised", "as_of": yesterday})
        standards = site["standards"]
        assert standards["people_per_latrine"] == {"value": 14.0, "target": 20, "met": True}
        assert standards["female_latrine_share"] == {"value": 1.0, "target": 0.75, "met": True}
        assert standards["people_per_tap"] == {"value": 14.0, "target": 250, "met": True}
        assert standards["people_per_hand_pump"] is None  # the site has taps: not measured on pumps
        assert standards["water_litres_per_person_per_day"] == {"value": 10.0, "target": 15, "met": False}
        assert (site["standards_met"], site["standards_assessed"]) == (3, 5)
        assert site["services"]["as_of"] == yesterday and site["services"]["showers"] is None

        # An older report is kept but does not replace the latest.
        client.shelter.record_site_services(site_id, {"latrines": 0, "phase": "emergency", "as_of": "2026-01-01"})
        assert client.shelter.get_site(site_id)["services"]["as_of"] == yesterday
        listed = client.shelter.list_sites()[0]
        assert listed["standards"] == client.shelter.get_site(site_id)["standards"]

    events.wait_for("site_services_updated", count=2)
    data = events.events("site_services_updated")[0]["data"]
    assert data == {"site_id": site_id, "latrines": 1, "latrines_female": 1, "water_taps": 1, "hand_pumps": 0,
                    "water_litres_per_day": 140.0, "showers": None, "phase": "stabilised", "as_of": yesterday}
    assert events.events("site_capacity_changed")[0]["data"] == {
        "site_id": site_id, "units_total": 4, "units_available": 4, "capacity_persons": 18, "covered_area_m2": 60.0}


def test_metrics_show_sites_capacity_occupants_and_waiting_without_households(shelter):
    with shelter.client() as client:
        site_id = shelter.create_site(client, units=[FAMILY_TENT])["site_id"]
        shelter.create_site(client, name="Transit", site_type="transit_centre")
        housed = shelter.register(site_id, size=3)["household_id"]
        waiting = shelter.register(site_id, size=2)["household_id"]
        shelter.wait_status(housed, "allocated")
        shelter.wait_status(waiting, "waitlisted")
    base = "http://" + shelter.container.config["WEB_SERVER_ADDRESS"]
    with urllib.request.urlopen(base + "/metrics", timeout=5) as response:
        text = response.read().decode()
    assert 'haven_shelter_sites{site_type="planned_camp",status="open"} 1.0' in text
    assert 'haven_shelter_sites{site_type="transit_centre",status="open"} 1.0' in text
    assert 'haven_shelter_sites{site_type="planned_camp",status="closed"} 0.0' in text
    assert 'haven_shelter_capacity_persons{site_type="planned_camp"} 4.0' in text
    assert 'haven_shelter_occupants{site_type="planned_camp"} 3.0' in text
    assert 'haven_shelter_households_allocated{site_type="planned_camp"} 1.0' in text
    assert 'haven_shelter_waitlisted_households{site_type="planned_camp"} 1.0' in text
    assert 'haven_shelter_units_free{site_type="planned_camp"} 0.0' in text
    assert "haven_outbox_backlog" in text and "haven_rpc_requests_total" in text
    assert housed not in text and waiting not in text and site_id not in text
    with urllib.request.urlopen(base + "/health", timeout=5) as response:
        assert response.status == 200
