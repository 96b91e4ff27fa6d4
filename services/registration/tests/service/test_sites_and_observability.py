"""The site lookup fallback, /health and /metrics."""
import json
import urllib.error
import urllib.request

import pytest
from nameko.rpc import rpc

from haven_kernel.errors import NotFound
from haven_kernel.testing import service_config

KNOWN_SITE = "22222222-2222-4222-8222-222222222222"
LOOKUPS = []


class FakeShelter:
    """Stands in for the shelter service on the same broker (a plain nameko service answering get_site)."""

    name = "shelter"

    @rpc(expected_exceptions=NotFound)
    def get_site(self, site_id):
        LOOKUPS.append(site_id)
        if site_id != KNOWN_SITE:
            raise NotFound(f"site {site_id} does not exist")
        return {"site_id": KNOWN_SITE, "name": "Dondo Transit Centre", "site_type": "transit_centre",
                "adm1": "Sofala", "adm2": "Dondo", "lat": -19.6, "lon": 34.7, "status": "open",
                "managing_agency": "IOM", "capacity_persons": 500}


def test_unknown_site_is_asked_of_shelter_once_then_kept(registration, start_service, make_household):
    LOOKUPS.clear()
    start_service(FakeShelter, service_config(registration.amqp_uri, None))
    with registration.client() as client:
        first = client.registration.register_household(make_household(KNOWN_SITE))
        second = client.registration.register_household(make_household(KNOWN_SITE))
        assert first["site_id"] == second["site_id"] == KNOWN_SITE
        assert LOOKUPS == [KNOWN_SITE], "looked up once, then served from the replica"
        with pytest.raises(NotFound):
            client.registration.register_household(make_household("33333333-3333-4333-8333-333333333333"))
    assert registration.site_known(KNOWN_SITE)


def test_unknown_site_when_shelter_does_not_answer_is_not_found(registration, make_household):
    with registration.client() as client:
        with pytest.raises(NotFound, match="not known"):
            client.registration.register_household(make_household(KNOWN_SITE))


def http_get(container, path):
    address = container.config["WEB_SERVER_ADDRESS"]
    try:
        with urllib.request.urlopen(f"http://{address}{path}", timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_health_and_metrics(registration, make_household):
    status, body = http_get(registration.container, "/health")
    assert status == 200
    assert json.loads(body) == {"service": "registration", "status": "ok",
                                "checks": {"database": "up", "broker": "up", "dead_letters": "none",
                                           "outbox": "empty", "consumer": "running"}}
    site_id = registration.open_site()
    with registration.client() as client:
        client.registration.register_household(make_household(site_id))
        with pytest.raises(Exception):
            client.registration.get_household("nope")
    from haven_kernel.testing import wait_until
    wait_until(lambda: 'haven_events_published_total{event_type="household_registered"} 1.0'
               in http_get(registration.container, "/metrics")[1], message="published counter")
    status, text = http_get(registration.container, "/metrics")
    assert status == 200
    assert 'haven_rpc_requests_total{method="register_household",outcome="ok"} 1.0' in text
    assert 'haven_rpc_requests_total{method="get_household",outcome="ValidationError"} 1.0' in text
    assert 'haven_rpc_duration_seconds_bucket{le="0.5",method="register_household"}' in text
    assert 'haven_events_consumed_total{event_type="site_opened",outcome="processed",source="shelter"} 1.0' in text
    assert "haven_outbox_backlog 0.0" in text and "haven_outbox_oldest_unsent_age_seconds 0.0" in text
    assert 'haven_registration_households{status="active"} 1.0' in text
    assert 'haven_registration_individuals{status="active"} 4.0' in text
    for personal in ("Nhantumbo", "Amélia", "household_id="):
        assert personal not in text


def test_health_reports_a_database_that_is_down(amqp_uri, start_service):
    from haven_registration.service import RegistrationService
    container = start_service(RegistrationService, service_config(
        amqp_uri, "postgresql://postgres@127.0.0.1:1/nowhere"))
    status, body = http_get(container, "/health")
    assert status == 503
    checks = json.loads(body)["checks"]
    assert checks["broker"] == "up" and checks["database"].startswith("down")
