"""make run with a broker account per service (issue 15 point 1, issue 10 point 3): deploy/run.py starts every
service as its own least-privilege account (``haven broker setup``'s permissions, a prefix of this test's own on a
vhost of its own), and the cyclone scenario plays through them as on guest: RPC between services (their reply
queues), every event accepted by its consumers as coming from its producer's account, nothing refused or
dead-lettered, the sitrep as the scenario computes it."""
import json
import os
import urllib.parse
import uuid
from pathlib import Path

import pytest

from haven_contracts import catalogue
from haven_kernel import broker
from haven_kernel.auth import issue_token
from haven_kernel.testing import create_vhost, delete_vhost, free_port, make_run, wait_until, with_vhost
from haven_kernel.testing import infra
from tools.scenario import CycloneScenario, differences, rpc_connector, scenario_tokens, wait_for_sitrep

pytestmark = pytest.mark.system

ROOT = Path(__file__).resolve().parents[2]
# every service make run starts (deploy/run.py runs every folder of services/ with a pyproject.toml): each needs its
# account, or make run falls back to guest for all
SERVICES = tuple(sorted(p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml")))


@pytest.fixture(scope="module")
def on_own_accounts(infrastructure, _database_factory, tmp_path_factory):
    vhost = f"haven-accounts-{uuid.uuid4().hex[:10]}"
    create_vhost(infrastructure, vhost)
    amqp_uri = with_vhost(infrastructure["amqp_uri"], vhost)
    management = broker.Management(infrastructure["management_url"])
    prefix = f"t{uuid.uuid4().hex[:8]}-"
    passwords = {service: broker.new_password() for service in broker.services_of(catalogue, SERVICES)}
    broker.setup(management, vhost, catalogue, SERVICES, passwords, prefix=prefix)
    broker.declare_topology(amqp_uri, catalogue)
    var = tmp_path_factory.mktemp("var")
    env = {**os.environ, "AMQP_URI": amqp_uri, "HAVEN_VAR_DIR": str(var), "OUTBOX_POLL_SECONDS": "0.2",
           "HAVEN_BROKER_USER_PREFIX": prefix}
    env.update({broker.password_variable(service): password for service, password in passwords.items()})
    urls = {}
    for service in SERVICES:
        env[f"{service.upper()}_DATABASE_URL"] = _database_factory.create(f"haven_{service}")
        port = free_port()
        env[f"{service.upper()}_HTTP"] = f"127.0.0.1:{port}"
        urls[service] = f"http://127.0.0.1:{port}"
    output = var / "make-run.out"
    try:
        with make_run(ROOT, env, output):
            yield {"amqp_uri": amqp_uri, "urls": urls, "output": output, "prefix": prefix, "vhost": vhost,
                   "management_url": infrastructure["management_url"]}
    finally:
        for service in passwords:
            management.delete_user(prefix + service)
        delete_vhost(infrastructure, vhost)


def connected_users(management_url, vhost):
    connections = json.loads(infra._management_request(management_url, "GET",
                                                       f"/api/vhosts/{urllib.parse.quote(vhost, safe='')}/connections"))
    return {connection["user"] for connection in connections}


@pytest.mark.timeout(600)
def test_the_scenario_plays_through_services_on_their_own_broker_accounts(on_own_accounts):
    assert "WARNING" not in on_own_accounts["output"].read_text(), "no guest warning: every account was found"
    prefix = on_own_accounts["prefix"]
    own = {prefix + service for service in SERVICES}
    users = wait_until(lambda: (lambda found: found if own <= found else None)(
        connected_users(on_own_accounts["management_url"], on_own_accounts["vhost"])),
        timeout=60, message="the management API lists every service's connections (its figures lag a few seconds)")
    assert "guest" not in users, users

    connect = rpc_connector(on_own_accounts["amqp_uri"])  # the test drives the scenario as the administrator
    scenario = CycloneScenario(seed=2019)
    scenario.play(connect, scenario_tokens())
    reader = issue_token(org="OCHA", scopes=["reporting:read"], ttl_seconds=3600)
    sitrep, _ = wait_for_sitrep(connect, reader, scenario.expected(), timeout=120)
    assert differences(sitrep, scenario.expected()) == []

    from prometheus_client.parser import text_string_to_metric_families
    import urllib.request
    for service, url in on_own_accounts["urls"].items():
        with urllib.request.urlopen(url + "/metrics", timeout=10) as response:
            families = {f.name: f for f in text_string_to_metric_families(response.read().decode())}
        refused = sum(s.value for s in families["haven_messages_rejected"].samples if s.name.endswith("_total")) \
            if "haven_messages_rejected" in families else 0
        dead = sum(s.value for s in families["haven_events_dead_lettered"].samples if s.name.endswith("_total")) \
            if "haven_events_dead_lettered" in families else 0
        assert (refused, dead) == (0, 0), service
