"""Fixtures of the deployment tests; the helpers are in deploytools.py."""
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from deploytools import PrometheusServer  # noqa: E402


@pytest.fixture(scope="session")
def prometheus_server(tmp_path_factory):
    server = PrometheusServer(tmp_path_factory.mktemp("prometheus"))
    yield server
    server.stop()


@pytest.fixture
def compose_env():
    """The environment docker-compose interpolates from: this process's, less every Haven secret."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HAVEN_", "RABBITMQ_", "POSTGRES_", "GRAFANA_"))}
    env["COMPOSE_PROJECT_NAME"] = "haven-test"
    return env
