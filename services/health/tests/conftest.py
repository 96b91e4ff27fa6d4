"""Fixtures for the health service's tests (the kernel's pytest plugin gives the rest:
amqp_uri, database_url, start_service, sqlite_unit, ...)."""
import pytest

from haven_kernel.testing import ServiceHarness

from haven_health.service import HealthService
from haven_health.settings import from_config


class HealthHarness(ServiceHarness):
    service = HealthService
    tokens = {"reader": (("health:read",), "IOM", None),
              "writer": (("health:write", "health:read"), "IOM", None)}

    def table_counts(self):
        """Rows of every table a health write changes, and the outbox: what a write done twice would double."""
        from haven_kernel.db import OutboxEvent
        from haven_health import models
        return {m.__tablename__: self.count(m) for m in (
            models.Facility, models.FacilityStatus, models.WeeklyReport, models.ReportVersion, models.CaseSignal,
            models.Alert, models.AlertStep, models.Referral, OutboxEvent)}


@pytest.fixture
def health(amqp_uri, database_url, start_service):
    """The service tier: the service in-process on a RabbitMQ vhost and a PostgreSQL database of its own."""
    return HealthHarness.start(amqp_uri, database_url, start_service)


@pytest.fixture
def unit(sqlite_unit):
    """The usecases tier: the service's unit of work on SQLite, acting for an IOM partner that reads and writes."""
    return sqlite_unit(HealthService, "health:read", "health:write", org="IOM", sub="iom-health-officer")


@pytest.fixture
def settings():
    """The settings the service derives from an empty config: the shipped rules, default syndromes, Tuesday."""
    return from_config({})
