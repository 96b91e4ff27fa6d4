"""Fixtures for shelter's service tests: a real RabbitMQ vhost and PostgreSQL database per test."""
import pytest

from haven_contracts import catalogue
from haven_contracts.testing import household_event as household_data, site_event
from haven_kernel.testing import ServiceHarness, publish_event, service_config, wait_until


def site_payload(**overrides):
    """What a partner sends to create_site: a site's description as its events carry it, without id and status."""
    return {key: value for key, value in site_event(**overrides).items() if key not in ("site_id", "status")}


class ShelterHarness(ServiceHarness):
    tokens = {"writer": (("shelter:write", "shelter:read"), "IOM", "camp-manager"),
              "reader": (("shelter:read",), "UNHCR", None)}

    def create_site(self, client=None, units=(), **overrides):
        """A site (and optionally its units: a list of unit specs) through shelter's own RPC."""
        def make(c):
            site = c.shelter.create_site(site_payload(**overrides))
            if units:
                site = c.shelter.add_shelter_units(site["site_id"], list(units))["site"]
            return site
        if client is not None:
            return make(client)
        with self.client() as c:
            return make(c)

    def household_event(self, event_type, data, event_id=None):
        return publish_event(self.amqp_uri, catalogue, "registration", event_type, data, event_id=event_id)

    def register(self, site_id, size=4, **kwargs):
        """Publish household_registered as registration would; returns the event data."""
        data = household_data(site_id, size=size, **kwargs)
        self.household_event("household_registered", data)
        return data

    def allocation(self, household_id):
        from haven_shelter.models import Household
        with self.database.session_factory() as session:
            household = session.get(Household, household_id)
            return None if household is None else (household.status, household.unit_id, household.site_id)

    def wait_status(self, household_id, status, version=None, timeout=15):
        def reached():
            from haven_shelter.models import Household
            with self.database.session_factory() as session:
                household = session.get(Household, household_id)
                return (household is not None and household.status == status
                        and (version is None or household.version == version))
        wait_until(reached, timeout=timeout, message=f"household {household_id} {status}")

    def table_counts(self):
        from haven_kernel.db import OutboxEvent, ProcessedEvent
        from haven_shelter.models import AllocationHistory, Household, ShelterUnit, Site, SiteServices
        return {m.__tablename__: self.count(m) for m in (Site, ShelterUnit, Household, AllocationHistory,
                                                         SiteServices, OutboxEvent, ProcessedEvent)}


def start_shelter(amqp_uri, database_url, start_service, **config):
    from haven_shelter.service import ShelterService
    url = database_url("haven_shelter")
    container = start_service(ShelterService, service_config(amqp_uri, url, **config))
    return ShelterHarness(amqp_uri, url, container)


@pytest.fixture
def shelter(amqp_uri, database_url, start_service):
    return start_shelter(amqp_uri, database_url, start_service)


@pytest.fixture
def make_site():
    return site_payload


@pytest.fixture
def make_household_data():
    return household_data


def registration_household(site_id, size=4):
    """What a registration partner sends: members without names or phone (no consent needed)."""
    members = [{"sex": "female", "age_years": 34, "relationship": "head"}]
    members += [{"sex": "male" if i % 2 else "female", "age_years": 3 + i, "relationship": "child"}
                for i in range(size - 1)]
    return {"site_id": site_id, "consent": False, "members": members}


@pytest.fixture
def registration(amqp_uri, database_url, start_service):
    """The real registration service on the same vhost, with a database of its own."""
    from haven_registration.testing import start_registration
    return start_registration(amqp_uri, database_url, start_service)


@pytest.fixture
def make_registration_household():
    return registration_household
