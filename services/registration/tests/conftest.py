"""Fixtures for registration's service tests: a real RabbitMQ vhost and PostgreSQL database per test."""
import uuid

import pytest

from haven_kernel.testing import ServiceHarness, publish_event, service_config, wait_until


def site_event(site_id=None, status="open", **overrides):
    data = {
        "site_id": site_id or str(uuid.uuid4()),
        "name": "Camp Esperanza",
        "site_type": "planned_camp",
        "adm1": "Sofala",
        "adm2": "Beira",
        "lat": -19.83,
        "lon": 34.84,
        "status": status,
        "managing_agency": "IOM",
    }
    data.update(overrides)
    return data


def household(site_id, **overrides):
    data = {
        "site_id": site_id,
        "consent": True,
        "phone": "+258 84 123 4567",
        "origin": {"adm1": "Sofala", "adm2": "Buzi"},
        "displacement_date": "2026-11-20",
        "members": [
            {"given_name": "Amélia", "family_name": "Nhantumbo", "sex": "female", "date_of_birth": "1990-04-02",
             "relationship": "head", "specific_needs": ["SP"]},
            {"given_name": "João", "family_name": "Nhantumbo", "sex": "male", "age_years": 7,
             "relationship": "child"},
            {"given_name": "Rosa", "family_name": "Nhantumbo", "sex": "female", "date_of_birth": "2024-01-15",
             "relationship": "child", "specific_needs": ["SM-MI"]},
            {"given_name": "Alberto", "family_name": "Macuácua", "sex": "male", "age_years": 67,
             "relationship": "parent", "specific_needs": ["ER", "DS-PM"]},
        ],
    }
    data.update(overrides)
    return data


class RegistrationHarness(ServiceHarness):
    tokens = {"writer": (("registration:write", "registration:read"), "IOM", None),
              "reader": (("registration:read",), "UNHCR", None)}

    def open_site(self, **overrides):
        data = site_event(**overrides)
        publish_event(self.amqp_uri, "shelter", "site_opened", data)
        wait_until(lambda: self.site_known(data["site_id"]), message="site in replica")
        return data["site_id"]

    def site_known(self, site_id, status="open"):
        from haven_registration.models import SiteReplica
        with self.database.session_factory() as session:
            site = session.get(SiteReplica, site_id)
            return site is not None and site.status == status


@pytest.fixture
def registration(amqp_uri, database_url, start_service):
    from haven_registration.service import RegistrationService
    url = database_url("haven_registration")
    container = start_service(RegistrationService, service_config(amqp_uri, url))
    return RegistrationHarness(amqp_uri, url, container)


@pytest.fixture
def make_household():
    return household


@pytest.fixture
def make_site_event():
    return site_event
