"""Fixtures for the gateway service's tests (the kernel's pytest plugin gives the rest:
amqp_uri, database_url, start_service, sqlite_unit, ...)."""
import pytest

from haven_kernel.testing import ServiceHarness

from haven_gateway.service import GatewayService


class GatewayHarness(ServiceHarness):
    service = GatewayService
    tokens = {"reader": (("shelter:read",), "IOM", None)}


@pytest.fixture
def gateway(amqp_uri, database_url, start_service):
    """The service tier: the service in-process on a RabbitMQ vhost and a PostgreSQL database of its own."""
    return GatewayHarness.start(amqp_uri, database_url, start_service)

