"""What the partner-kit system tests share (tests/system/test_partner_kit.py, test_gateway.py): one Haven for the
session, started on first use: registration, shelter, reporting, protection, health, logistics and the gateway as processes, on a vhost and
databases of their own."""
import uuid

import pytest

from haven_kernel.testing import (ServiceProcess, create_vhost, delete_vhost, free_port, service_process_env,
                                  with_vhost)

PARTNER_SERVICES = ("registration", "shelter", "reporting", "protection", "health", "logistics", "gateway")


@pytest.fixture(scope="session")
def partner_haven(infrastructure, _database_factory, tmp_path_factory):
    vhost = f"haven-partner-{uuid.uuid4().hex[:10]}"
    create_vhost(infrastructure, vhost)
    amqp_uri = with_vhost(infrastructure["amqp_uri"], vhost)
    logs = tmp_path_factory.mktemp("partner-logs")
    processes = {}
    try:
        for service in PARTNER_SERVICES:
            url = _database_factory.create(f"haven_{service}")
            port = free_port()
            # The gateway at DEBUG: test_gateway checks that no case detail reaches its log, whatever the level.
            extra = {"LOG_LEVEL": "DEBUG"} if service == "gateway" else {}
            env = service_process_env(service, amqp_uri, url, port, OUTBOX_POLL_SECONDS="0.2", **extra)
            processes[service] = ServiceProcess(service, env, port, logs / f"{service}.log").start()
        for process in processes.values():
            process.wait_healthy(timeout=90)
        yield {"amqp_uri": amqp_uri, "vhost": vhost, "management_url": infrastructure["management_url"],
               "processes": processes, "gateway_url": processes["gateway"].base_url}
    finally:
        for process in processes.values():
            process.stop()
        delete_vhost(infrastructure, vhost)
