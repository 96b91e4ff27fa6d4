"""The servers and processes a bench run stands on: a fresh RabbitMQ vhost, fresh PostgreSQL databases, and the
services as real ``nameko run`` processes (or the ones ``make run`` already has up)."""
import ast
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from haven_kernel.logs import QUIET_WARNINGS
from haven_kernel.testing import (admin_sql, create_vhost, delete_vhost, drop_database, free_port, stop_process,
                                  with_database, with_vhost)

ROOT = Path(__file__).resolve().parent.parent
HAVEN_SERVICES = ("registration", "shelter", "health", "reporting", "protection")
DEFAULT_PORTS = {"reporting": 8000, "registration": 8001, "shelter": 8002, "health": 8004, "protection": 8005}


def infrastructure():
    amqp = os.environ.get("AMQP_URI") or "amqp://guest:guest@127.0.0.1:5672/"
    database = os.environ.get("DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"
    host = urllib.parse.urlsplit(amqp).hostname or "127.0.0.1"
    return {"amqp_uri": amqp, "database_url": database,
            "management_url": os.environ.get("RABBITMQ_MANAGEMENT_URL", f"http://guest:guest@{host}:15672")}


def engine(url, pooled=True):
    """An engine on one of the run's databases: a small pool (the bench's polls), or none (one-off reads)."""
    import sqlalchemy as sa
    if pooled:
        return sa.create_engine(url, pool_size=2, max_overflow=2)
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


class Databases:
    """Fresh databases for one run, dropped at the end."""

    def __init__(self, admin_url, tag):
        self.admin_url = admin_url
        self.tag = tag
        self.created = []

    def create(self, name, migrate_package=None):
        full = f"haven_bench_{self.tag}_{name}"
        admin_sql(self.admin_url, f'CREATE DATABASE "{full}"')
        self.created.append(full)
        url = with_database(self.admin_url, full)
        if migrate_package:
            from haven_kernel.migrations import upgrade
            upgrade(migrate_package, url)
        return url

    def drop_all(self):
        for name in self.created:
            try:
                drop_database(self.admin_url, name)
            except Exception as exc:  # pragma: no cover - best effort clean-up
                print(f"  could not drop database {name}: {type(exc).__name__}", file=sys.stderr)


class Vhost:
    def __init__(self, infra, tag):
        self.infra = infra
        self.name = f"haven-bench-{tag}"
        create_vhost(infra, self.name)
        self.amqp_uri = with_vhost(infra["amqp_uri"], self.name)

    def delete(self):
        delete_vhost(self.infra, self.name)


def service_class(service):
    """``haven_<service>.service:<Class>``: the class whose ``name`` is the service's (as deploy/run.py does)."""
    import importlib
    module = importlib.import_module(f"haven_{service}.service")
    source = Path(module.__file__).read_text()
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                if (isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant)
                        and statement.value.value == service
                        and any(isinstance(t, ast.Name) and t.id == "name" for t in statement.targets)):
                    return f"haven_{service}.service:{node.name}"
    return f"haven_{service}.service"


class Process:
    """One ``nameko run`` process (or one already running, when reused)."""

    def __init__(self, name, command, env, log_path, port=None, pid=None):
        self.name, self.command, self.env, self.log_path, self.port = name, command, env, log_path, port
        self.popen = None
        self.pid = pid

    def start(self):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
                                      stdout=self.log, stderr=subprocess.STDOUT)
        self.pid = self.popen.pid
        return self

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def check_alive(self):
        if self.popen is not None and self.popen.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.popen.returncode}; see {self.log_path}")

    def wait_healthy(self, timeout=90):
        deadline = time.monotonic() + timeout
        while True:
            self.check_alive()
            if health(self.base_url) == 200:
                return self
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not answer /health within {timeout}s; see {self.log_path}")
            time.sleep(0.25)

    def peak_rss_mb(self):
        return peak_rss_mb(self.pid)

    def stop(self, timeout=20):
        if self.popen is None:
            return
        stop_process(self.popen, timeout)
        self.log.close()

    def kill(self):
        """SIGKILL now (a bench guard: the process grew past its limit)."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()


def health(base_url, service=None):
    try:
        with urllib.request.urlopen(base_url + "/health", timeout=2) as response:
            if service is not None and json.loads(response.read()).get("service") != service:
                return None
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except Exception:
        return None


def _status_mb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith(key):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def peak_rss_mb(pid):
    """VmHWM (peak resident set) of a process, in MB; None if it cannot be read."""
    return _status_mb(pid, "VmHWM:")


def current_rss_mb(pid):
    """VmRSS (resident set now) of a process, in MB; None if it cannot be read."""
    return _status_mb(pid, "VmRSS:")


def listening_pid(port):
    """The pid of the process listening on TCP ``port`` (to read a reused service's memory), or None."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as handle:
                next(handle)
                for line in handle:
                    fields = line.split()
                    if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                        inodes.add(fields[9])
        except OSError:
            continue
    if not inodes:
        return None
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return int(pid)
        except OSError:
            continue
    return None


def running_haven():
    """{service: base_url} when ``make run`` has all the services up on their default ports, else None."""
    found = {}
    for service in HAVEN_SERVICES:
        port = int(os.environ.get(f"{service.upper()}_HTTP", f":{DEFAULT_PORTS[service]}").rpartition(":")[2])
        url = f"http://127.0.0.1:{port}"
        if health(url, service) != 200:
            return None
        found[service] = port
    return found


def haven_env(service, amqp_uri, database_url, port, extra=None):
    env = dict(os.environ)
    env.update({
        "AMQP_URI": amqp_uri,
        f"{service.upper()}_DATABASE_URL": database_url,
        f"{service.upper()}_HTTP": f"127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
        "PYTHONWARNINGS": QUIET_WARNINGS,  # no eventlet banner in the service's log
    })
    env.update(extra or {})
    return env


def start_haven(amqp_uri, urls, log_dir, extra_env=None):
    processes = {service: _start(service, amqp_uri, urls[service], log_dir / f"{service}.log", extra_env)
                 for service in HAVEN_SERVICES}
    for process in processes.values():
        process.wait_healthy()
    return processes


def _start(service, amqp_uri, database_url, log_path, extra_env=None):
    port = free_port()
    command = [sys.executable, "-m", "nameko", "run", "--config", str(ROOT / "services" / service / "config.yml"),
               service_class(service)]
    env = haven_env(service, amqp_uri, database_url, port, extra_env)
    return Process(service, command, env, log_path, port=port).start()


def start_one(service, amqp_uri, database_url, log_path, extra_env=None):
    """One Haven service as a ``nameko run`` process, answering /health."""
    return _start(service, amqp_uri, database_url, log_path, extra_env).wait_healthy()


def reused_haven(ports):
    return {service: Process(service, None, None, None, port=port, pid=listening_pid(port))
            for service, port in ports.items()}


def start_module_service(name, target, amqp_uri, log_dir, env_extra):
    """A bench-only nameko service (the naive hop) from bench/naive.py."""
    env = dict(os.environ)
    env.update({"AMQP_URI": amqp_uri, "PYTHONUNBUFFERED": "1", "PYTHONWARNINGS": QUIET_WARNINGS,
                "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))})
    env.update(env_extra)
    command = [sys.executable, "-m", "nameko", "run", "--config", str(ROOT / "bench" / "naive.yml"), target]
    return Process(name, command, env, log_dir / f"{name}.log").start()


def amqp_for(amqp_uri, vhost):
    return with_vhost(amqp_uri, vhost)
