"""Helpers of the deployment tests (imported by name: conftest.py puts this folder on sys.path): the repository's
paths, the external tools (promtool, prometheus, docker-compose, kubectl; .ci/run installs the Debian ones when
missing) and a real Prometheus to parse queries."""
import json
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"

INSTALL_HINTS = {
    "promtool": "apt-get install prometheus (Debian's package has promtool)",
    "prometheus": "apt-get install prometheus",
    "docker-compose": "apt-get install docker-compose",
    "kubectl": "install kubectl (its built-in kustomize renders deploy/k8s offline)",
}


def tool(name):
    """The path of an external tool; a missing one fails the test (never skips) and says how to install it."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: {INSTALL_HINTS[name]}", pytrace=False)
    return path


def run(*args, env=None, cwd=ROOT, timeout=60):
    """Run a command; returns CompletedProcess with text output (stdout and stderr), never raises on failure."""
    return subprocess.run(list(args), capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrometheusServer:
    """A real Prometheus: by default with nothing to scrape, a query parser and evaluator (``query``); given a
    ``config`` (text of prometheus.yml), a scraper and rule evaluator too (``alerts``, ``values``)."""

    def __init__(self, tmp_path, config=None):
        self.port = _free_port()
        path = tmp_path / "prometheus.yml"
        path.write_text(config or "global:\n  scrape_interval: 1h\nscrape_configs: []\n")
        config = path
        self.log = open(tmp_path / "prometheus.log", "w")
        self.process = subprocess.Popen(
            [tool("prometheus"), f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"Prometheus did not start; its log: {(tmp_path / 'prometheus.log').read_text()}")
            time.sleep(0.2)

    def query(self, expr):
        """(ok, error message) of an instant query of ``expr``."""
        data = urllib.parse.urlencode({"query": expr}).encode()
        try:
            with urllib.request.urlopen(self.url + "/api/v1/query", data=data, timeout=10) as response:
                body = json.load(response)
        except urllib.error.HTTPError as exc:
            body = json.load(exc)
        return body.get("status") == "success", body.get("error")

    def _get(self, path, **params):
        url = self.url + path + ("?" + urllib.parse.urlencode(params) if params else "")
        with urllib.request.urlopen(url, timeout=10) as response:
            body = json.load(response)
        assert body["status"] == "success", body
        return body["data"]

    def alerts(self):
        """Active alerts (pending or firing), as ``/api/v1/alerts`` lists them."""
        return self._get("/api/v1/alerts")["alerts"]

    def values(self, expr):
        """``{frozenset(labels): value}`` of an instant query."""
        return {frozenset(r["metric"].items()): float(r["value"][1])
                for r in self._get("/api/v1/query", query=expr)["result"]}

    def targets(self):
        return self._get("/api/v1/targets")["activeTargets"]

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


DURATION = re.compile(r"^(\d+)(ms|s|m|h)$")
UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}


def rules_with_short_waits(directory, divide_by, minimum_seconds=1.0):
    """Write the repository's alert rules (deploy/prometheus/rules/*.yml) into ``directory`` with every ``for:``
    divided by ``divide_by`` (at least ``minimum_seconds``), expressions untouched: what a system test runs, derived
    from the real rules so they cannot drift. Returns the paths written."""
    import yaml
    written = []
    for path in sorted((DEPLOY / "prometheus" / "rules").glob("*.yml")):
        document = yaml.safe_load(path.read_text())
        for group in document["groups"]:
            for rule in group["rules"]:
                if "for" in rule:
                    amount, unit = DURATION.match(rule["for"]).groups()
                    seconds = max(minimum_seconds, int(amount) * UNIT_SECONDS[unit] / divide_by)
                    rule["for"] = f"{int(seconds * 1000)}ms"
        target = Path(directory) / path.name
        target.write_text(yaml.safe_dump(document, sort_keys=False))
        written.append(target)
    return written


PROMQL_WORDS = {"sum", "max", "min", "count", "rate", "increase", "changes", "absent", "histogram_quantile", "by",
                "and", "or", "unless", "on", "without", "vector", "ALERTS"}


def alert_rules():
    import yaml
    return [rule for path in sorted((DEPLOY / "prometheus" / "rules").glob("*.yml"))
            for group in yaml.safe_load(path.read_text())["groups"] for rule in group["rules"] if "alert" in rule]


def metrics_read_by(expr):
    """The metric names a PromQL expression reads: without label matchers, strings, ranges and grouping clauses,
    what is left are functions, keywords and metrics."""
    expr = re.sub(r'\{[^}]*\}|"[^"]*"|\[[^\]]*\]|\b(by|on|without|ignoring)\s*\([^)]*\)', "", expr)
    return set(re.findall(r"[a-zA-Z_][a-zA-Z0-9_]*", expr)) - PROMQL_WORDS
