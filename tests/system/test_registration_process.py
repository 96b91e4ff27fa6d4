"""Registration as a real `nameko run` process: the outbox survives a hard kill between commit and publish."""
import json
import os
import signal
import urllib.request

import pytest

from haven_contracts import catalogue
from haven_kernel.testing import (ServiceProcess, free_port, make_token, publish_event, rpc_client,
                                  service_process_env, wait_until)

pytestmark = pytest.mark.system

SITE = {"site_id": "44444444-4444-4444-8444-444444444444", "name": "Buzi Evacuation Centre",
        "site_type": "evacuation_centre", "adm1": "Sofala", "adm2": "Buzi", "lat": -19.87, "lon": 34.6,
        "status": "open", "managing_agency": "IOM"}
HOUSEHOLD = {"site_id": SITE["site_id"], "consent": True, "members": [
    {"given_name": "Ana", "family_name": "Mabote", "sex": "female", "age_years": 41, "relationship": "head"}]}


def metrics(process):
    with urllib.request.urlopen(process.base_url + "/metrics", timeout=5) as response:
        return response.read().decode()


def test_event_committed_before_a_hard_kill_is_published_after_restart(amqp_uri, database_url, record_events,
                                                                         tmp_path):
    url = database_url("haven_registration")
    port = free_port()
    publish_event(amqp_uri, catalogue, "shelter", "site_opened", SITE)
    recorder = record_events(amqp_uri, "registration")

    # The relay cannot reach its broker: registrations commit, their events wait in the outbox.
    env = service_process_env("registration", amqp_uri, url, port, OUTBOX_AMQP_URI="amqp://guest:guest@127.0.0.1:1/")
    first = ServiceProcess("registration", env, port, str(tmp_path / "registration-1.log")).start()
    try:
        first.wait_healthy()
        with rpc_client(amqp_uri, make_token("registration:write")) as client:
            result = client.registration.register_household(HOUSEHOLD)
        wait_until(lambda: "haven_outbox_backlog 1.0" in metrics(first), message="event waiting in the outbox")
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait()
    finally:
        first.stop()
    recorder.drain(0.5)
    assert recorder.events() == []

    second = ServiceProcess("registration", service_process_env("registration", amqp_uri, url, port), port,
                            str(tmp_path / "registration-2.log")).start()
    try:
        second.wait_healthy()
        events = recorder.wait_for("household_registered", timeout=30)
        recorder.drain(1.5)
        assert len(recorder.events()) == 1 and events[0]["data"]["household_id"] == result["household_id"]
        wait_until(lambda: "haven_outbox_backlog 0.0" in metrics(second), message="outbox drained")
        with urllib.request.urlopen(second.base_url + "/health", timeout=5) as response:
            assert json.loads(response.read())["checks"] == {"database": "up", "broker": "up", "dead_letters": "none",
                                                             "outbox": "empty", "consumer": "running"}
    finally:
        second.stop()
    log = (tmp_path / "registration-2.log").read_text()
    assert "Ana" not in log and "Mabote" not in log, "no names in the service's logs"
    if not os.environ.get("HAVEN_AUTH_SECRET"):  # the suite runs on the development secret: the service says so
        assert log.count("PUBLIC development secret") == 1, "a service on the development secret warns once at start"
