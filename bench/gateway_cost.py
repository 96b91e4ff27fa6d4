"""What the HTTPS/JSON gateway adds to a call (issue 16): ``registration.get_household`` through the partner client
straight over AMQP, and the same call as ``POST /rpc/registration/get_household`` through the gateway (one
keep-alive HTTP connection, as a partner's script would hold), alternated call by call so both see the same
machine. The figure is the difference of the two p50s within a round."""
import json
import time
import urllib.request
from http.client import HTTPConnection
from urllib.parse import urlsplit

from haven_client import HavenClient

from . import infra


def start(amqp_uri, databases, log_dir, cleanup):
    """The gateway as a ``nameko run`` process (its own database: the kernel's tables only)."""
    url = databases.create("gateway", "haven_gateway")
    process = infra._start("gateway", amqp_uri, url, log_dir / "gateway.log")
    cleanup.append(process.stop)
    return process.wait_healthy()


def running(port=8006):
    """The base URL of a gateway `make run` has up, or None."""
    url = f"http://127.0.0.1:{port}"
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as response:
            return url if response.status == 200 else None
    except OSError:
        return None


class Pair:
    """One direct client and one HTTP connection to the gateway, with the same partner token."""

    def __init__(self, amqp_uri, gateway_url, token):
        self.client = HavenClient(amqp_uri, token=token, timeout=60, retries=0)
        parts = urlsplit(gateway_url)
        self.http = HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def direct(self, household_id):
        return self.client.registration.get_household(household_id)

    def gateway(self, household_id):
        self.http.request("POST", "/rpc/registration/get_household", json.dumps({"household_id": household_id}),
                          self.headers)
        response = self.http.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"gateway answered {response.status}: {body[:200]!r}")
        return json.loads(body)

    def close(self):
        self.client.close()
        self.http.close()


def latencies(pair, household_ids, count, rng):
    """``(direct ms, gateway ms)``: ``count`` calls each, alternated."""
    direct, through = [], []
    for _ in range(count):
        household_id = rng.choice(household_ids)
        for fn, found in ((pair.direct, direct), (pair.gateway, through)):
            started = time.perf_counter()
            fn(household_id)
            found.append((time.perf_counter() - started) * 1000)
    return direct, through
