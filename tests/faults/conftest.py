"""The fault suite's fixtures: servers of its own (a RabbitMQ node, PostgreSQL clusters, a TCP proxy), started once
for the suite and always stopped, and one Haven deployment per scenario on them.

Nothing here touches the machine's shared RabbitMQ or PostgreSQL: the suite needs their binaries, not their
servers. Service logs and the table are kept under ``test-artifacts/faults/``.
"""
import os
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the suite's own package, faultkit

from psycogreen.eventlet import patch_psycopg  # noqa: E402

patch_psycopg()  # the checker reads the databases from the same eventlet hub the partner clients run on

from faultkit import report  # noqa: E402
from faultkit.haven import Deployment, Platform  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "faults"


def pytest_configure(config):
    config.addinivalue_line("markers", "faults: the fault-injection suite (servers of its own; make faults)")


@pytest.fixture(scope="session")
def platform():
    folder = tempfile.mkdtemp(prefix="haven-faults-")
    servers = Platform(folder)
    try:
        servers.start()
        print(f"\nfault suite servers up in {servers.started_in:.1f}s (RabbitMQ node {servers.node.node} on "
              f"{servers.node.port}, PostgreSQL on {[c.port for c in servers.clusters.values()]})")
        yield servers
    finally:
        servers.stop(keep_logs=str(ARTIFACTS / "servers"))  # and the reaper removes the folder


@pytest.fixture
def deploy(platform, request):
    """``deploy(**env)`` → a started Deployment for this scenario (stopped afterwards)."""
    made = []
    logs = ARTIFACTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)

    def make(sites=2, units_per_site=60, **env):
        platform.healthy()
        name = request.node.name.removeprefix("test_")[:40]
        deployment = Deployment(platform, name, str(logs), env=env)
        made.append(deployment)
        return deployment.start(sites=sites, units_per_site=units_per_site)

    yield make
    for deployment in made:
        deployment.stop()


@pytest.fixture
def scenario(deploy):
    """``scenario(name, fault, ...)`` → the Result of a burst with ``fault`` injected, recorded in the table."""
    from faultkit.scenario import run
    from faultkit.workload import Burst

    def play(name, fault=None, count=200, clients=20, rate=40.0, sites=2, units_per_site=40, bound=60.0,
             before_check=None, **env):
        haven = deploy(sites=sites, units_per_site=units_per_site, **env)
        burst = Burst(haven.amqp_uri, haven.site_ids, count=count, clients=clients, rate=rate, tag=haven.tag)
        result = run(haven, burst, name, (fault.__doc__ if fault else "none"), fault=fault, bound=bound,
                     before_check=before_check)
        result.deployment = haven
        result.ops = burst.ops  # each partner operation, with its outcome and last error
        report.record(result)
        return result

    return play


def pytest_terminal_summary(terminalreporter):
    if not report.RESULTS:
        return
    terminalreporter.section("fault suite")
    terminalreporter.write_line(report.table())
    terminalreporter.write_line("")
    terminalreporter.write_line(report.details())
    report.write(str(ARTIFACTS))
    terminalreporter.write_line(f"\n(written to {ARTIFACTS}/results.md and results.json)")
