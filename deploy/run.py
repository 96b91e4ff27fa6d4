"""``make run``: every Haven service on this machine, each as its own ``nameko run`` process.

    .venv/bin/python deploy/run.py [--timeout 60]

1. checks that RabbitMQ answers at ``AMQP_URI`` (default ``amqp://guest:guest@localhost:5672/``);
2. migrates each service's database (``haven migrate <service>``: SQLite under ``var/`` unless
   ``<SERVICE>_DATABASE_URL`` is set);
3. starts ``nameko run --config services/<service>/config.yml haven_<service>.service`` for every service found
   under ``services/`` (a folder with ``pyproject.toml``, ``config.yml`` and ``haven_<service>/service.py``),
   logging to ``var/log/<service>.log``;
4. waits until each answers ``GET /health`` with 200, then prints where ``/health`` and ``/metrics`` are;
5. on Ctrl-C or SIGTERM stops them all and exits 0. If a service dies, it says which and where its log is,
   stops the others and exits 1.
"""
import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"
# nameko's ``${VAR:default}`` substitution, enough to read a service's HTTP address from its config.yml.
ENV_VAR = re.compile(r"\$\{([^}:\s]+)(?::([^}]*))?\}")


class Stop(Exception):
    """Raised by the SIGINT/SIGTERM handler: stop everything and exit 0."""


def say(message=""):
    print(message, flush=True)


def shown(path):
    """A path as the user should read it: relative to the repository when inside it."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def safe_url(url):
    """The URL without its password."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def expand(value):
    return ENV_VAR.sub(lambda m: os.environ.get(m.group(1), m.group(2) or ""), str(value))


class Service:
    def __init__(self, name, directory):
        self.name = name
        self.directory = directory
        self.config = directory / "config.yml"
        with open(self.config) as handle:
            raw = yaml.safe_load(handle) or {}
        address = expand(raw.get("WEB_SERVER_ADDRESS", "0.0.0.0:8000"))
        host, _, port = address.rpartition(":")
        self.bind_host = host or "0.0.0.0"
        self.port = int(port)
        self.host = "localhost" if self.bind_host in ("0.0.0.0", "", "::") else self.bind_host
        self.log_path = ROOT / "var" / "log" / f"{name}.log"
        self.process = None
        self.log = None

    @property
    def base_url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def database(self):
        url = os.environ.get(f"{self.name.upper()}_DATABASE_URL")
        if url:
            return safe_url(url)
        return shown(Path(os.environ["HAVEN_VAR_DIR"]) / f"{self.name}.db")

    def port_in_use(self):
        try:
            with socket.create_connection((self.host, self.port), timeout=1):
                return True
        except OSError:
            return False

    def start(self, env):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(self.log_path, "ab")
        started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.log.write(f"----- make run: starting {self.name} at {started} -----\n".encode())
        self.log.flush()
        command = [str(BIN / "nameko"), "run", "--config", shown(self.config), f"haven_{self.name}.service"]
        # Its own session: Ctrl-C reaches this script only, which then stops the services in order.
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True,
                                        preexec_fn=_die_with_parent)

    def exited(self):
        return self.process is not None and self.process.poll() is not None

    def health(self):
        """(status code or None, body text)."""
        try:
            with urllib.request.urlopen(self.base_url + "/health", timeout=2) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")
        except Exception as exc:
            return None, type(exc).__name__

    def log_tail(self, lines=15):
        try:
            with open(self.log_path, "rb") as handle:
                handle.seek(0, os.SEEK_END)
                handle.seek(max(0, handle.tell() - 16384))
                return handle.read().decode(errors="replace").splitlines()[-lines:]
        except OSError:
            return []

    def report_death(self, when):
        say(f"\n{self.name} exited with code {self.process.returncode} {when}; its log is {shown(self.log_path)}. "
            "Last lines:")
        for line in self.log_tail():
            say(f"  | {line}")


_PR_SET_PDEATHSIG = 1
try:
    import ctypes
    _libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
except Exception:  # pragma: no cover
    _libc = None


def _die_with_parent():
    """In the child: if this script is killed outright (SIGKILL), the kernel sends the service SIGTERM."""
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def discover():
    services = []
    for pyproject in sorted((ROOT / "services").glob("*/pyproject.toml")):
        directory = pyproject.parent
        name = directory.name
        missing = [p for p in (directory / "config.yml", directory / f"haven_{name}" / "service.py") if not p.exists()]
        if missing:
            say(f"note: services/{name} is not runnable yet (no {', '.join(shown(p) for p in missing)}); skipped")
            continue
        services.append(Service(name, directory))
    return sorted(services, key=lambda s: s.port)


def check_broker(amqp_uri):
    """None when RabbitMQ accepts a connection at ``amqp_uri``, else one sentence saying what to do."""
    parts = urllib.parse.urlsplit(amqp_uri)
    host, port = parts.hostname or "localhost", parts.port or 5672
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError:
        return (f"No RabbitMQ answers at {host}:{port} (AMQP_URI): start one with 'rabbitmq-server -detached' "
                "(or 'docker compose up -d rabbitmq'), or point AMQP_URI at yours, then run 'make run' again.")
    from kombu import Connection
    try:
        with Connection(amqp_uri, connect_timeout=5) as connection:
            connection.connect()
    except Exception as exc:
        return (f"RabbitMQ at {host}:{port} refused the connection ({type(exc).__name__}: {exc}): check the user, "
                f"password and virtual host in AMQP_URI={safe_url(amqp_uri)}.")
    return None


def migrate(services, env):
    for service in services:
        result = subprocess.run([str(BIN / "haven"), "migrate", service.name], cwd=ROOT, env=env,
                                stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            say(f"Migrating {service.name}'s database failed (exit {result.returncode}); see the output above.")
            return False
    return True


def wait_healthy(services, timeout):
    deadline = time.monotonic() + timeout
    waiting = list(services)
    last = {}
    while waiting:
        for service in list(waiting):
            if service.exited():
                service.report_death("while starting")
                return False
            status, body = service.health()
            last[service.name] = (status, body)
            if status == 200:
                say(f"  {service.name} is healthy ({service.base_url}/health)")
                waiting.remove(service)
        if waiting and time.monotonic() > deadline:
            for service in waiting:
                status, body = last.get(service.name, (None, "no answer"))
                say(f"\n{service.name} did not become healthy within {timeout:.0f}s (last /health: "
                    f"{status or 'no answer'} {body.strip()[:300]}); its log is {shown(service.log_path)}.")
            return False
        if waiting:
            time.sleep(0.25)
    return True


def print_table(services, amqp_uri):
    rows = [("service", "pid", "health", "metrics", "database", "log")]
    for s in services:
        rows.append((s.name, str(s.process.pid), f"{s.base_url}/health", f"{s.base_url}/metrics", s.database,
                     shown(s.log_path)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    say(f"\nHaven is running on {safe_url(amqp_uri)}\n")
    for row in rows:
        say("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    names = [s.name for s in services]
    first = "registration" if "registration" in names else names[0]
    haven = shown(BIN / "haven")
    say("\nA token for the RPC API (scopes are <service>:read and <service>:write for the services above, or admin):")
    say(f"  {haven} token --org IOM --scope {first}:write --scope {first}:read --ttl 8h")
    say("Then call it as README.md shows (ClusterRpcProxy with context_data={'authorization': 'Bearer <token>'}).")
    say("Ctrl-C stops every service.\n")


def stop_all(services, timeout=20.0):
    """SIGTERM every service (nameko stops gracefully), wait, SIGKILL what is left. A second Ctrl-C hurries."""
    hurry = []

    def again(signum, frame):
        hurry.append(signum)

    signal.signal(signal.SIGINT, again)
    signal.signal(signal.SIGTERM, again)
    running = [s for s in services if s.process is not None and s.process.poll() is None]
    if running:
        say(f"Stopping {', '.join(s.name for s in running)} ...")
    for service in running:
        try:
            service.process.terminate()
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    for service in running:
        while service.process.poll() is None and time.monotonic() < deadline and not hurry:
            time.sleep(0.1)
        if service.process.poll() is None:
            say(f"  {service.name} did not stop in time: killing it")
            service.process.kill()
            service.process.wait()
        say(f"  {service.name} stopped (exit {service.process.returncode})")
    for service in services:
        if service.log is not None:
            service.log.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run every Haven service locally (what 'make run' does).")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each /health (default 60)")
    args = parser.parse_args(argv)

    amqp_uri = os.environ.get("AMQP_URI") or DEFAULT_AMQP_URI
    env = dict(os.environ)
    env["AMQP_URI"] = amqp_uri
    env.setdefault("HAVEN_VAR_DIR", str(ROOT / "var"))
    env["PYTHONUNBUFFERED"] = "1"
    os.environ["HAVEN_VAR_DIR"] = env["HAVEN_VAR_DIR"]

    services = discover()
    if not services:
        say("No runnable service under services/ (a folder with pyproject.toml, config.yml and haven_<name>/service.py).")
        return 1
    problem = check_broker(amqp_uri)
    if problem:
        say(problem)
        return 1
    busy = [s for s in services if s.port_in_use()]
    if busy:
        for s in busy:
            say(f"Port {s.port} ({s.name}) is already in use: is Haven already running? Stop it, or set "
                f"{s.name.upper()}_HTTP=0.0.0.0:<free port>.")
        return 1

    def on_signal(signum, frame):
        raise Stop(signal.Signals(signum).name)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        say(f"Migrating {', '.join(s.name for s in services)} ...")
        if not migrate(services, env):
            return 1
        say("Starting " + ", ".join(f"{s.name} (:{s.port})" for s in services) + " ...")
        for service in services:
            service.start(env)
        if not wait_healthy(services, args.timeout):
            return 1
        print_table(services, amqp_uri)
        while True:
            for service in services:
                if service.exited():
                    service.report_death("unexpectedly")
                    return 1
            time.sleep(0.5)
    except Stop as stop:
        say(f"\n{stop} received.")
        return 0
    finally:
        stop_all(services)


if __name__ == "__main__":
    sys.exit(main())
