"""Pytest plugin shared by every Haven test suite (registered through the ``pytest11`` entry point).

Integration tests run against a real RabbitMQ and a real PostgreSQL:

* ``AMQP_URI`` and ``DATABASE_URL`` set → those servers (CI and this machine);
* otherwise, a Docker engine present → pytest-docker starts them from the repository's ``docker-compose.yml``;
* otherwise the test fails and says what to start. Nothing is skipped for lack of infrastructure.

Each test gets its own RabbitMQ virtual host and its own PostgreSQL database (cloned from a migrated template), so
tests cannot see each other's queues or rows.
"""
import eventlet

eventlet.monkey_patch()  # noqa: E402  nameko and its tests run under eventlet; patch before anything else runs

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager

import pytest
from kombu import Connection, Consumer, Exchange, Queue
from kombu.common import maybe_declare

from .auth import issue_token

START_HINT = ("Integration tests need RabbitMQ and PostgreSQL. Start them and set the URLs, e.g.\n"
              "  rabbitmq-server -detached && rabbitmq-plugins enable rabbitmq_management\n"
              "  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
              "  export AMQP_URI=amqp://guest:guest@127.0.0.1:5672/ "
              "DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres\n"
              "or install a Docker engine so pytest-docker can start them from docker-compose.yml; "
              "'.ci/run' does all of this.")


def wait_until(predicate, timeout=15.0, interval=0.05, message="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        eventlet.sleep(interval)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _repo_root(start):
    path = os.path.abspath(start)
    while path != os.path.dirname(path):
        if os.path.exists(os.path.join(path, "docker-compose.yml")):
            return path
        path = os.path.dirname(path)
    return None


def _docker_available():
    if not shutil.which("docker"):
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except Exception:
        return False


# ------------------------------------------------------------------------------------------------------------------
# Infrastructure
# ------------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def docker_setup():
    """Only the broker and the database: the services under test run in-process or as local processes."""
    return ["up --wait rabbitmq postgres"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true nothing may skip: a skipped test there is a test that proved nothing."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped under CI=true, which is not allowed: {reason}"


@pytest.fixture(scope="session")
def docker_compose_file(pytestconfig):
    root = _repo_root(str(pytestconfig.rootpath)) or str(pytestconfig.rootpath)
    return os.path.join(root, "docker-compose.yml")


@pytest.fixture(scope="session")
def infrastructure(request):
    """{'amqp_uri', 'management_url', 'database_url'} of the servers the integration tests use."""
    amqp, database = os.environ.get("AMQP_URI"), os.environ.get("DATABASE_URL")
    if amqp and database:
        host = urllib.parse.urlsplit(amqp).hostname or "127.0.0.1"
        return {"amqp_uri": amqp, "database_url": database,
                "management_url": os.environ.get("RABBITMQ_MANAGEMENT_URL", f"http://guest:guest@{host}:15672")}
    if _docker_available():
        services = request.getfixturevalue("docker_services")
        ip = request.getfixturevalue("docker_ip")
        amqp_port = services.port_for("rabbitmq", 5672)
        mgmt_port = services.port_for("rabbitmq", 15672)
        pg_port = services.port_for("postgres", 5432)
        result = {"amqp_uri": f"amqp://guest:guest@{ip}:{amqp_port}/",
                  "management_url": f"http://guest:guest@{ip}:{mgmt_port}",
                  "database_url": f"postgresql://postgres:postgres@{ip}:{pg_port}/postgres"}
        services.wait_until_responsive(lambda: _management_ok(result["management_url"]), timeout=90, pause=1)
        return result
    pytest.fail(START_HINT, pytrace=False)


def _management_request(base, method, path, body=None):
    parts = urllib.parse.urlsplit(base)
    url = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}{path}"
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    request.add_header("content-type", "application/json")
    import base64
    credentials = f"{parts.username or 'guest'}:{parts.password or 'guest'}".encode()
    request.add_header("authorization", "Basic " + base64.b64encode(credentials).decode())
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def _management_ok(base):
    try:
        _management_request(base, "GET", "/api/overview")
        return True
    except Exception:
        return False


def create_vhost(infrastructure, name):
    base = infrastructure["management_url"]
    quoted = urllib.parse.quote(name, safe="")
    try:
        _management_request(base, "PUT", f"/api/vhosts/{quoted}", {})
        user = urllib.parse.urlsplit(infrastructure["amqp_uri"]).username or "guest"
        _management_request(base, "PUT", f"/api/permissions/{quoted}/{user}",
                            {"configure": ".*", "write": ".*", "read": ".*"})
        return
    except Exception as exc:
        if not shutil.which("rabbitmqctl"):
            pytest.fail(f"cannot create a RabbitMQ vhost ({exc}); enable the management plugin: "
                        "rabbitmq-plugins enable rabbitmq_management", pytrace=False)
    subprocess.run(["rabbitmqctl", "add_vhost", name], check=True, capture_output=True)
    subprocess.run(["rabbitmqctl", "set_permissions", "-p", name, "guest", ".*", ".*", ".*"], check=True,
                   capture_output=True)


def delete_vhost(infrastructure, name):
    try:
        _management_request(infrastructure["management_url"], "DELETE", f"/api/vhosts/{urllib.parse.quote(name, safe='')}")
    except Exception:
        if shutil.which("rabbitmqctl"):
            subprocess.run(["rabbitmqctl", "delete_vhost", name], capture_output=True)


def with_vhost(amqp_uri, vhost):
    parts = urllib.parse.urlsplit(amqp_uri)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + urllib.parse.quote(vhost, safe=""), "", ""))


@pytest.fixture
def amqp_uri(infrastructure):
    """An AMQP URI on a virtual host of this test's own, deleted afterwards."""
    vhost = f"haven-test-{uuid.uuid4().hex[:12]}"
    create_vhost(infrastructure, vhost)
    yield with_vhost(infrastructure["amqp_uri"], vhost)
    delete_vhost(infrastructure, vhost)


def with_database(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def stop_process(process, timeout=20):
    """Ask a child process to stop (SIGTERM); kill it if it has not exited after ``timeout`` seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def admin_sql(admin_url, sql):
    """Run one statement outside a transaction (CREATE / DROP DATABASE) on the server of ``admin_url``."""
    import sqlalchemy as sa
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(sql))
    finally:
        engine.dispose()


def drop_database(admin_url, name):
    """Drop a database, first ending the sessions still connected to it."""
    admin_sql(admin_url, f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' "
                         "AND pid <> pg_backend_pid()")
    admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{name}"')


class DatabaseFactory:
    """Fresh PostgreSQL databases, each a copy of a template migrated once per service package per session."""

    def __init__(self, admin_url):
        self.admin_url = admin_url
        self.templates = {}
        self.created = []

    def _admin(self, sql):
        admin_sql(self.admin_url, sql)

    def template(self, package):
        if package not in self.templates:
            from .migrations import upgrade
            name = f"haven_tpl_{package}_{uuid.uuid4().hex[:8]}"
            self._admin(f'CREATE DATABASE "{name}"')
            upgrade(package, with_database(self.admin_url, name))
            self.templates[package] = name
        return self.templates[package]

    def create(self, package, migrate=True):
        name = f"haven_test_{uuid.uuid4().hex[:12]}"
        if migrate:
            self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template(package)}"')
        else:
            self._admin(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return with_database(self.admin_url, name)

    def drop(self, url):
        drop_database(self.admin_url, urllib.parse.urlsplit(url).path.lstrip("/"))

    def drop_all(self):
        for name in self.created + list(self.templates.values()):
            try:
                self.drop(with_database(self.admin_url, name))
            except Exception:
                pass


@pytest.fixture(scope="session")
def _database_factory(infrastructure):
    factory = DatabaseFactory(infrastructure["database_url"])
    yield factory
    factory.drop_all()


@pytest.fixture
def database_url(_database_factory):
    """``database_url(package)`` → URL of a fresh, migrated PostgreSQL database for that service package."""
    made = []

    def make(package, migrate=True):
        url = _database_factory.create(package, migrate=migrate)
        made.append(url)
        return url

    yield make
    for url in made:
        try:
            _database_factory.drop(url)
        except Exception:
            pass


# ------------------------------------------------------------------------------------------------------------------
# Services, tokens, RPC and events
# ------------------------------------------------------------------------------------------------------------------
def service_config(amqp_uri, database_url, **extra):
    config = {
        "AMQP_URI": amqp_uri,
        "DATABASE_URL": database_url,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
        "HAVEN_RETRY_DELAYS": "0.2,0.4",
        "OUTBOX_POLL_SECONDS": 0.2,
        "OUTBOX_MAX_BACKOFF_SECONDS": 1.0,
        "max_workers": 10,
    }
    config.update(extra)
    return config


@pytest.fixture
def start_service():
    """``start_service(ServiceClass, config)`` → a started nameko container, stopped after the test."""
    from nameko.containers import ServiceContainer
    containers = []

    def start(cls, config):
        container = ServiceContainer(cls, config)
        container.start()
        containers.append(container)
        return container

    yield start
    for container in reversed(containers):
        try:
            container.stop()
        except Exception:
            container.kill()


def make_token(*scopes, org="IOM", ttl_seconds=3600, **kwargs):
    return issue_token(org=org, scopes=scopes, ttl_seconds=ttl_seconds, **kwargs)


@contextmanager
def rpc_client(amqp_uri, token=None, timeout=15, **context):
    from nameko.standalone.rpc import ClusterRpcProxy
    context_data = dict(context)
    if token is not None:
        context_data["authorization"] = f"Bearer {token}"
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, context_data=context_data, timeout=timeout) as proxy:
        yield proxy


class EventRecorder:
    """Records every event a service publishes (its own exclusive queue bound with ``#``)."""

    def __init__(self, amqp_uri, source):
        self.connection = Connection(amqp_uri)
        exchange = Exchange(f"{source}.events", type="topic", durable=True)
        self.queue = Queue(f"recorder-{source}-{uuid.uuid4().hex[:8]}", exchange=exchange, routing_key="#",
                           exclusive=True, auto_delete=True)
        channel = self.connection.channel()
        maybe_declare(exchange, channel)
        self.consumer = Consumer(channel, [self.queue], callbacks=[self._on_message], accept=["json"])
        self.consumer.consume()
        self.messages = []

    def _on_message(self, body, message):
        self.messages.append((body, dict(message.headers or {})))
        message.ack()

    def drain(self, seconds=0.1):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.connection.drain_events(timeout=0.05)
            except socket.timeout:
                pass
            except TimeoutError:
                pass

    def events(self, event_type=None):
        return [body for body, _ in self.messages if event_type is None or body.get("event_type") == event_type]

    def wait_for(self, event_type, count=1, timeout=15):
        deadline = time.monotonic() + timeout
        while len(self.events(event_type)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} {event_type} event(s), got {len(self.events(event_type))}")
            self.drain(0.1)
        return self.events(event_type)

    def close(self):
        try:
            self.connection.release()
        except Exception:
            pass


@pytest.fixture
def record_events():
    recorders = []

    def make(amqp_uri, source):
        recorder = EventRecorder(amqp_uri, source)
        recorders.append(recorder)
        return recorder

    yield make
    for recorder in recorders:
        recorder.close()


def publish_event(amqp_uri, catalogue, source, event_type, data, event_id=None, correlation_id=None, envelope=None,
                  headers=None):
    """Publish an event of ``catalogue`` as ``source``'s outbox relay would (declaring its consumers' queues first).
    ``envelope``, when given, is published as it is (it may break the contract on purpose)."""
    from kombu import Producer
    from .messaging import events_exchange, producer_topology
    if envelope is None:
        envelope = catalogue.envelope(source, event_type, data, correlation_id=correlation_id, event_id=event_id)
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        for entity in producer_topology(source, catalogue):
            maybe_declare(entity, channel)
        Producer(channel).publish(envelope, exchange=events_exchange(source), routing_key=event_type,
                                  serializer="json", delivery_mode=2, headers=headers or {})
    return envelope


def queue_depth(amqp_uri, queue_name):
    """Messages ready in a queue; None when the queue does not exist."""
    from amqp.exceptions import NotFound as QueueNotFound
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        try:
            _, count, _ = channel.queue_declare(queue=queue_name, passive=True)
        except QueueNotFound:
            return None
        return count


def get_messages(amqp_uri, queue_name, limit=100):
    """Take up to ``limit`` messages from a queue (acknowledged): for inspecting dead letters."""
    taken = []
    with Connection(amqp_uri) as connection:
        bound = Queue(queue_name, durable=True)(connection.channel())
        bound.declare()
        while len(taken) < limit:
            message = bound.get(no_ack=True)
            if message is None:
                break
            taken.append((message.payload, dict(message.headers or {})))
    return taken


# ------------------------------------------------------------------------------------------------------------------
# Services as real processes (system tier)
# ------------------------------------------------------------------------------------------------------------------
class ServiceProcess:
    def __init__(self, service, env, port, log_path):
        self.service, self.env, self.port, self.log_path = service, env, port, log_path
        self.process = None

    def start(self):
        import importlib
        package = importlib.import_module(f"haven_{self.service}")
        config = os.path.join(os.path.dirname(os.path.dirname(package.__file__)), "config.yml")
        if not os.path.exists(config):
            config = os.path.join(os.path.dirname(package.__file__), "config.yml")
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nameko", "run", "--config", config, f"haven_{self.service}.service"],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        return self

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def wait_healthy(self, timeout=60):
        def healthy():
            if self.process.poll() is not None:
                raise AssertionError(f"{self.service} exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base_url + "/health", timeout=2) as response:
                    return response.status == 200
            except Exception:
                return False
        wait_until(healthy, timeout=timeout, interval=0.25, message=f"{self.service} /health")
        return self

    def stop(self, timeout=20):
        stop_process(self.process, timeout)
        if getattr(self, "log", None):
            self.log.close()

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def service_process_env(service, amqp_uri, database_url, port, **extra):
    env = dict(os.environ)
    env.update({
        "AMQP_URI": amqp_uri,
        f"{service.upper()}_DATABASE_URL": database_url,
        f"{service.upper()}_HTTP": f"127.0.0.1:{port}",
        "HAVEN_RETRY_DELAYS": "0.2,0.4",
        "PYTHONUNBUFFERED": "1",
    })
    env.update({k: str(v) for k, v in extra.items()})
    return env


class TcpGate:
    """A TCP forwarder that a test can close (connections refused, open ones cut) and open again.

    Put it between a component and RabbitMQ to show what happens while the broker is unreachable.
    """

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._server = None
        self._pipes = []
        self._pumps = []
        self._acceptor = None

    def uri_for(self, amqp_uri):
        parts = urllib.parse.urlsplit(amqp_uri)
        netloc = parts.netloc.rsplit("@", 1)
        auth = netloc[0] + "@" if len(netloc) == 2 else ""
        return urllib.parse.urlunsplit((parts.scheme, f"{auth}127.0.0.1:{self.port}", parts.path, "", ""))

    def open(self):
        if self._server is not None:
            return self
        server = eventlet.listen(("127.0.0.1", self.port))
        self._server = server
        self._acceptor = eventlet.spawn(self._accept, server)
        return self

    def close(self):
        server, self._server = self._server, None
        if self._acceptor is not None:
            self._acceptor.kill()
            self._acceptor = None
        for pump in self._pumps:
            pump.kill()
        self._pumps = []
        if server is not None:
            server.close()
        for sock in self._pipes:
            try:
                sock.close()
            except Exception:
                pass
        self._pipes = []
        return self

    def _accept(self, server):
        while True:
            client, _ = server.accept()
            try:
                upstream = eventlet.connect(self.target)
            except OSError:
                client.close()
                continue
            self._pipes += [client, upstream]
            self._pumps += [eventlet.spawn(self._pump, client, upstream), eventlet.spawn(self._pump, upstream, client)]

    @staticmethod
    def _pump(source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except (OSError, EOFError):
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.close()
                except Exception:
                    pass


_FIRST_TOKEN = object()


class ServiceHarness:
    """One service container under test, with what its tests reach for: tokens, an RPC client, its database and
    relay, and row counts. A service's conftest subclasses it and sets ``tokens``."""

    tokens = {}  # {"writer": (scopes, org, sub) ...}; "writer"/"reader" names are passed to client()

    def __init__(self, amqp_uri, database_url, container):
        self.amqp_uri = amqp_uri
        self.database_url = database_url
        self.container = container
        for name, (scopes, org, sub) in self.tokens.items():
            setattr(self, name, make_token(*scopes, org=org, sub=sub))

    def client(self, token=_FIRST_TOKEN, **context):
        """An RPC client with a named token (default: the first in ``tokens``), a raw token, or none (None)."""
        if token is _FIRST_TOKEN:
            token = next(iter(self.tokens))
        if isinstance(token, str) and token in self.tokens:
            token = getattr(self, token)
        return rpc_client(self.amqp_uri, token, **context)

    @property
    def base_url(self):
        return "http://" + self.container.config["WEB_SERVER_ADDRESS"]

    @property
    def database(self):
        from .db import Database
        return next(d for d in self.container.dependencies if isinstance(d, Database))

    @property
    def relay(self):
        from .messaging import OutboxRelay
        return next(d for d in self.container.dependencies if isinstance(d, OutboxRelay))

    def count(self, model, *where):
        from sqlalchemy import func, select
        with self.database.session_factory() as session:
            return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()

    def http_get(self, path, headers=None):
        """(status, body text) of ``GET path`` on the service's web server."""
        request = urllib.request.Request(self.base_url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
