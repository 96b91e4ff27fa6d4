"""Helpers of the deployment tests (imported by name: conftest.py puts this folder on sys.path): the repository's
paths, the external tools (promtool, prometheus, docker-compose, kubectl; .ci/run installs the Debian ones when
missing) and a real Prometheus to parse queries."""
import json
import os
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
    """A real Prometheus with nothing to scrape: a query parser and evaluator (``query``)."""

    def __init__(self, tmp_path):
        self.port = _free_port()
        config = tmp_path / "prometheus.yml"
        config.write_text("global:\n  scrape_interval: 1h\nscrape_configs: []\n")
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

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
