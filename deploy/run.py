"""``make run``: every Haven service on this machine, each as its own ``nameko run`` process.

    .venv/bin/python deploy/run.py [--timeout 60]
    HAVEN_REPLICAS=shelter=2,reporting=2 .venv/bin/python deploy/run.py

1. checks that RabbitMQ answers at ``AMQP_URI`` (default ``amqp://guest:guest@localhost:5672/``);
2. migrates each service's database (``haven migrate <service>``: SQLite under ``var/`` unless
   ``<SERVICE>_DATABASE_URL`` is set);
   Each service connects as its own broker account (``haven-<service>``) when every service has a password in
   ``HAVEN_BROKER_PASSWORD_<SERVICE>`` or ``var/broker.env`` (``haven broker setup --env-file var/broker.env``
   writes it); otherwise all connect as ``AMQP_URI``'s account (guest), with a loud warning;
3. starts ``nameko run --config services/<service>/config.yml haven_<service>.service`` for every service found
   under ``services/`` (a folder with ``pyproject.toml``, ``config.yml`` and ``haven_<service>/service.py``),
   logging to ``var/log/<service>.log``; with ``HAVEN_REPLICAS=<service>=<n>,...``, n processes of that service
   (they share its queues and its database, which must then be PostgreSQL), replica k on the service's port plus
   100 x (k - 1) and logging to ``var/log/<service>-<k>.log``;
4. waits until each answers ``GET /health`` with 200, then prints where ``/health`` and ``/metrics`` are;
5. on Ctrl-C or SIGTERM stops them all and exits 0. If a service dies, it says which and where its log is,
   stops the others and exits 1.
"""
import argparse
import os
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

from healthcheck import expand  # deploy/healthcheck.py: nameko's ${VAR:default}, as the images' HEALTHCHECK reads it

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_AMQP_URI = "amqp://guest:guest@localhost:5672/"
REPLICA_PORT_STEP = 100
# nameko's CLI imports eventlet before any Haven code: keep eventlet's deprecation banner out of the logs (the
# value is haven_kernel.logs.QUIET_WARNINGS, spelled out so this script imports nothing of Haven's).
QUIET_WARNINGS = "ignore::Warning:nameko.cli.commands"


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


class Service:
    """One process of a service: ``replica`` k of ``replicas``."""

    def __init__(self, name, directory, replica=1, replicas=1):
        self.name = name
        self.directory = directory
        self.replica, self.replicas = replica, replicas
        self.config = directory / "config.yml"
        with open(self.config) as handle:
            raw = yaml.safe_load(handle) or {}
        address = expand(raw.get("WEB_SERVER_ADDRESS", "0.0.0.0:8000"))
        host, _, port = address.rpartition(":")
        self.bind_host = host or "0.0.0.0"
        self.port = int(port) + REPLICA_PORT_STEP * (replica - 1)
        self.host = "localhost" if self.bind_host in ("0.0.0.0", "", "::") else self.bind_host
        log_name = f"{name}-{replica}.log" if replicas > 1 else f"{name}.log"
        self.log_path = Path(os.environ.get("HAVEN_VAR_DIR") or ROOT / "var") / "log" / log_name
        self.process = None
        self.log = None

    @property
    def label(self):
        return f"{self.name}-{self.replica}" if self.replicas > 1 else self.name

    @property
    def base_url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def database(self):
        url = os.environ.get(f"{self.name.upper()}_DATABASE_URL")
        if url:
            return safe_url(url)
        return shown(Path(os.environ["HAVEN_VAR_DIR"]) / f"{self.name}.db")

    amqp_uri = None  # its own broker account's URI, when make run found one (broker_accounts)

    def environment(self, env):
        """The process's environment: a replica listens on its own port; a service connects as its own broker
        account when there is one."""
        own = {"AMQP_URI": self.amqp_uri} if self.amqp_uri else {}
        return {**env, **own, f"{self.name.upper()}_HTTP": f"{self.bind_host}:{self.port}"}

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
        self.log.write(f"----- make run: starting {self.label} at {started} -----\n".encode())
        self.log.flush()
        command = [str(BIN / "nameko"), "run", "--config", shown(self.config), f"haven_{self.name}.service"]
        # Its own session: Ctrl-C reaches this script only, which then stops the services in order.
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.environment(env), stdin=subprocess.DEVNULL,
                                        stdout=self.log,
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
        say(f"\n{self.label} exited with code {self.process.returncode} {when}; its log is {shown(self.log_path)}. "
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
    """One Service per runnable folder of services/ (its first replica)."""
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


def parse_replicas(text, names):
    """``shelter=2,reporting=2`` -> {"shelter": 2, "reporting": 2}; raises ValueError saying what is wrong."""
    counts = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        name, _, count = part.partition("=")
        name = name.strip()
        if name not in names:
            raise ValueError(f"HAVEN_REPLICAS names {name!r}, which is not a runnable service "
                             f"({', '.join(sorted(names))})")
        if not count.strip().isdigit() or int(count) < 1:
            raise ValueError(f"HAVEN_REPLICAS: {part!r} must be <service>=<number of processes, 1 or more>")
        counts[name] = int(count)
    return counts


def with_replicas(services, counts):
    """Every process to start: each service's replicas, next to each other. A service with several replicas needs a
    database several processes can share (PostgreSQL); SQLite files are refused."""
    processes = []
    for service in services:
        count = counts.get(service.name, 1)
        if count > 1 and not (os.environ.get(f"{service.name.upper()}_DATABASE_URL") or "").startswith("postgresql"):
            raise ValueError(f"{service.name}={count}: replicas share one database, and SQLite is one file for one "
                             f"process; set {service.name.upper()}_DATABASE_URL to a PostgreSQL database")
        processes += [Service(service.name, service.directory, k, count) for k in range(1, count + 1)]
    return processes


def check_broker(amqp_uri):
    """None when RabbitMQ accepts a connection at ``amqp_uri``, else one sentence saying what to do."""
    parts = urllib.parse.urlsplit(amqp_uri)
    host, port = parts.hostname or "localhost", parts.port or 5672
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError:
        return (f"No RabbitMQ answers at {host}:{port} (AMQP_URI): start one with 'rabbitmq-server -detached' "
                "(or 'docker compose -p haven-infrastructure -f deploy/compose/infrastructure.yml up -d --wait'), "
                "or point AMQP_URI at yours, then run 'make run' again.")
    from kombu import Connection
    try:
        with Connection(amqp_uri, connect_timeout=5) as connection:
            connection.connect()
    except Exception as exc:
        return (f"RabbitMQ at {host}:{port} refused the connection ({type(exc).__name__}: {exc}): check the user, "
                f"password and virtual host in AMQP_URI={safe_url(amqp_uri)}.")
    return None


BROKER_ENV = "broker.env"  # in HAVEN_VAR_DIR: what '.venv/bin/haven broker setup --env-file var/broker.env' keeps
GUEST_WARNING = """
!!! WARNING: every service connects to RabbitMQ as {user}, one account with every permission. Anyone with that
!!! account can read every RPC request (bearer tokens included) and publish events the services will believe.
!!! Give each service its own least-privilege account once (RabbitMQ's management plugin must be enabled):
!!!     .venv/bin/haven broker setup --env-file var/broker.env
!!! then 'make run' again (missing: {missing}).
"""


def broker_accounts(services, amqp_uri, env):
    """``{service: AMQP URI}`` with each service's own account (``haven-<service>``, its password from the
    environment or var/broker.env), or ``{}`` and a loud warning when any is missing: every service then shares
    ``AMQP_URI``'s account (consumers accept only events published by the producer's account, so all services
    use their own accounts or none do)."""
    kept = {}
    path = Path(env["HAVEN_VAR_DIR"]) / BROKER_ENV
    if path.exists():
        for line in path.read_text().splitlines():
            name, sep, value = line.partition("=")
            if sep and not name.startswith("#"):
                kept[name.strip()] = value.strip()
    parts = urllib.parse.urlsplit(amqp_uri)
    prefix = env.get("HAVEN_BROKER_USER_PREFIX", "haven-")
    uris, missing = {}, []
    for name in sorted({s.name for s in services}):
        variable = f"HAVEN_BROKER_PASSWORD_{name.upper()}"
        password = env.get(variable) or kept.get(variable)
        if env.get(f"{name.upper()}_AMQP_URI"):
            uris[name] = env[f"{name.upper()}_AMQP_URI"]
        elif password:
            netloc = (f"{urllib.parse.quote(prefix + name, safe='')}:{urllib.parse.quote(password, safe='')}@"
                      f"{parts.hostname or 'localhost'}:{parts.port or 5672}")
            uris[name] = urllib.parse.urlunsplit((parts.scheme or "amqp", netloc, parts.path or "/", "", ""))
        else:
            missing.append(name)
    if missing:
        say(GUEST_WARNING.format(user=parts.username or "guest", missing=", ".join(missing)))
        return {}
    return uris


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
            last[service.label] = (status, body)
            if status == 200:
                say(f"  {service.label} is healthy ({service.base_url}/health)")
                waiting.remove(service)
        if waiting and time.monotonic() > deadline:
            for service in waiting:
                status, body = last.get(service.label, (None, "no answer"))
                say(f"\n{service.label} did not become healthy within {timeout:.0f}s (last /health: "
                    f"{status or 'no answer'} {body.strip()[:300]}); its log is {shown(service.log_path)}.")
            return False
        if waiting:
            time.sleep(0.25)
    return True


def print_table(services, amqp_uri):
    rows = [("service", "pid", "health", "metrics", "database", "log")]
    for s in services:
        rows.append((s.label, str(s.process.pid), f"{s.base_url}/health", f"{s.base_url}/metrics", s.database,
                     shown(s.log_path)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    say(f"\nHaven is running on {safe_url(amqp_uri)}\n")
    for row in rows:
        say("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    names = sorted({s.name for s in services})
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
        say(f"Stopping {', '.join(s.label for s in running)} ...")
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
            say(f"  {service.label} did not stop in time: killing it")
            service.process.kill()
            service.process.wait()
        say(f"  {service.label} stopped (exit {service.process.returncode})")
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
    env["PYTHONWARNINGS"] = QUIET_WARNINGS
    os.environ["HAVEN_VAR_DIR"] = env["HAVEN_VAR_DIR"]

    services = discover()
    if not services:
        say("No runnable service under services/ (a folder with pyproject.toml, config.yml and haven_<name>/service.py).")
        return 1
    try:
        counts = parse_replicas(os.environ.get("HAVEN_REPLICAS"), {s.name for s in services})
        processes = with_replicas(services, counts)
    except ValueError as problem:
        say(str(problem))
        return 1
    problem = check_broker(amqp_uri)
    if problem:
        say(problem)
        return 1
    accounts = broker_accounts(services, amqp_uri, env)
    for process in processes:
        process.amqp_uri = accounts.get(process.name)
        if accounts and check_broker(process.amqp_uri):
            say(f"{process.name}'s broker account does not log in: {check_broker(process.amqp_uri)} Run "
                "'.venv/bin/haven broker setup --env-file var/broker.env' again.")
            return 1
    busy = [s for s in processes if s.port_in_use()]
    if busy:
        for s in busy:
            say(f"Port {s.port} ({s.label}) is already in use: is Haven already running? Stop it, or set "
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
        say("Starting " + ", ".join(f"{s.label} (:{s.port})" for s in processes) + " ...")
        for process in processes:
            process.start(env)
        if not wait_healthy(processes, args.timeout):
            return 1
        print_table(processes, amqp_uri)
        while True:
            for service in processes:
                if service.exited():
                    service.report_death("unexpectedly")
                    return 1
            time.sleep(0.5)
    except Stop as stop:
        say(f"\n{stop} received.")
        return 0
    finally:
        stop_all(processes)


if __name__ == "__main__":
    sys.exit(main())
