"""Fixtures for the protection service's tests (the kernel's pytest plugin gives the rest:
amqp_uri, database_url, start_service, sqlite_unit, ...)."""
import pytest

from haven_contracts.testing import site_event
from haven_kernel.replica import Replica
from haven_kernel.testing import ServiceHarness

from haven_protection.cases import Desk
from haven_protection.models import Site
from haven_protection.service import ProtectionService
from haven_protection.testing import ACTORS, KEYS, OTHER_SITE, SITE


class ProtectionHarness(ServiceHarness):
    service = ProtectionService
    tokens = {"reader": (("protection:read",), "IOM", None), **ACTORS}

    def table_counts(self):
        """Rows of every table a protection write changes, and the outbox: what a write done twice would double."""
        from haven_kernel.db import OutboxEvent
        from haven_protection import models
        return {m.__tablename__: self.count(m) for m in (
            models.Case, models.CaseAction, models.Referral, models.Transfer, models.FollowUp, models.AccessLog,
            OutboxEvent)}


@pytest.fixture
def protection_config():
    """Config added to the service tier's (a test module overrides this fixture to change it)."""
    return {"PROTECTION_FOCAL_ORGS": f"{SITE}=IOM"}


@pytest.fixture
def protection(amqp_uri, database_url, start_service, protection_config):
    """The service tier: the service in-process on a RabbitMQ vhost and a PostgreSQL database of its own."""
    return ProtectionHarness.start(amqp_uri, database_url, start_service, **protection_config)


def add_sites(unit, *sites):
    with unit.transaction():
        for site_id, adm1 in sites:
            Replica(Site, unit).apply_data(site_event(site_id, adm1=adm1))


@pytest.fixture
def unit(sqlite_unit):
    """The usecases tier: the service's unit of work on SQLite, acting for ana, an IOM caseworker; two sites."""
    scopes, org, sub = ACTORS["ana"]
    made = sqlite_unit(ProtectionService, *scopes, org=org, sub=sub)
    add_sites(made, (SITE, "Sofala"), (OTHER_SITE, "Manica"))
    return made


@pytest.fixture
def desk(unit):
    return Desk(unit, KEYS)
