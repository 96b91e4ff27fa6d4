"""The servers integration tests run against, and what each test gets of them: a RabbitMQ virtual host and a
PostgreSQL database of its own.

Where the servers are (:func:`find_servers`), in this order:

1. ``AMQP_URI`` / ``DATABASE_URL`` when set (CI, or servers elsewhere);
2. otherwise RabbitMQ and PostgreSQL on their default local ports, if they answer (as ``make run`` expects them):
   ``amqp://guest:guest@127.0.0.1:5672/`` and ``postgresql://postgres@127.0.0.1:5432/postgres``;
3. otherwise, with a Docker engine running, pytest-docker starts both from the repository's
   ``deploy/compose/infrastructure.yml``;
4. otherwise the tests fail with one sentence saying what to start. Nothing is skipped for lack of servers.
"""
import base64
import json
import os
import shutil
import subprocess
import urllib.parse
import urllib.request
import uuid

LOCAL_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"
LOCAL_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# The servers alone, startable without secrets (the whole stack, docker-compose.yml, requires them).
INFRASTRUCTURE_COMPOSE = ("deploy", "compose", "infrastructure.yml")
START_HINT = ("Integration tests need RabbitMQ (with its management plugin) and PostgreSQL: start them on their "
              "default local ports ('rabbitmq-server -detached && rabbitmq-plugins enable rabbitmq_management' and "
              "'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start', or 'docker compose -p "
              "haven-infrastructure -f deploy/compose/infrastructure.yml up -d --wait'), or set AMQP_URI and DATABASE_URL to servers that run.")


# -- where the servers are -------------------------------------------------------------------------------------------
def broker_answers(amqp_uri, timeout=2):
    from kombu import Connection
    try:
        with Connection(amqp_uri, connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
        return True
    except Exception:
        return False


def database_answers(url, timeout=2):
    import sqlalchemy as sa
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": timeout})
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


def servers(amqp_uri, database_url, management_url=None):
    """``{'amqp_uri', 'management_url', 'database_url'}``; the management API defaults to port 15672 of the
    broker's host, with the broker's credentials."""
    if management_url is None:
        parts = urllib.parse.urlsplit(amqp_uri)
        user, password = parts.username or "guest", parts.password or "guest"
        management_url = f"http://{user}:{password}@{parts.hostname or '127.0.0.1'}:15672"
    return {"amqp_uri": amqp_uri, "database_url": database_url, "management_url": management_url}


def find_servers(environ=None, local=(LOCAL_AMQP_URI, LOCAL_DATABASE_URL)):
    """The servers of steps 1 and 2 above, or None (then Docker, or the start hint)."""
    environ = os.environ if environ is None else environ
    local_amqp, local_database = local
    amqp_uri = environ.get("AMQP_URI") or (local_amqp if broker_answers(local_amqp) else None)
    database_url = environ.get("DATABASE_URL") or (local_database if database_answers(local_database) else None)
    if amqp_uri and database_url:
        return servers(amqp_uri, database_url, environ.get("RABBITMQ_MANAGEMENT_URL"))
    return None


def docker_available():
    if not shutil.which("docker"):
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except Exception:
        return False


def repo_root(start):
    """The folder above ``start`` that holds ``deploy/compose/infrastructure.yml``, or None."""
    path = os.path.abspath(start)
    while path != os.path.dirname(path):
        if os.path.exists(os.path.join(path, *INFRASTRUCTURE_COMPOSE)):
            return path
        path = os.path.dirname(path)
    return None


# -- RabbitMQ virtual hosts ------------------------------------------------------------------------------------------
def _management_request(base, method, path, body=None):
    parts = urllib.parse.urlsplit(base)
    url = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}{path}"
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    request.add_header("content-type", "application/json")
    credentials = f"{parts.username or 'guest'}:{parts.password or 'guest'}".encode()
    request.add_header("authorization", "Basic " + base64.b64encode(credentials).decode())
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def management_ok(base):
    try:
        _management_request(base, "GET", "/api/overview")
        return True
    except Exception:
        return False


def create_vhost(infrastructure, name):
    import pytest
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
        _management_request(infrastructure["management_url"], "DELETE",
                            f"/api/vhosts/{urllib.parse.quote(name, safe='')}")
    except Exception:
        if shutil.which("rabbitmqctl"):
            subprocess.run(["rabbitmqctl", "delete_vhost", name], capture_output=True)


def with_vhost(amqp_uri, vhost):
    parts = urllib.parse.urlsplit(amqp_uri)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + urllib.parse.quote(vhost, safe=""), "", ""))


# -- PostgreSQL databases --------------------------------------------------------------------------------------------
def with_database(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


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
            from ..migrations import upgrade
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


# -- broker accounts of a test's own ---------------------------------------------------------------------------------
class temporary_broker_user:
    """``with temporary_broker_user(infrastructure, amqp_uri) as uri:`` an AMQP URI on the same vhost as another
    user, with every permission on that vhost (as a careless operator might give a partner), deleted afterwards.
    For showing that consumers refuse events this account publishes (it is not the producer's)."""

    def __init__(self, infrastructure, amqp_uri, name=None):
        self.base = infrastructure["management_url"]
        parts = urllib.parse.urlsplit(amqp_uri)
        self.vhost = urllib.parse.unquote(parts.path[1:]) or "/"
        self.user = name or f"forger-{uuid.uuid4().hex[:10]}"
        password = uuid.uuid4().hex
        netloc = f"{self.user}:{password}@{parts.hostname}:{parts.port or 5672}"
        self.uri = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))
        self.password = password

    def __enter__(self):
        user = urllib.parse.quote(self.user, safe="")
        _management_request(self.base, "PUT", f"/api/users/{user}", {"password": self.password, "tags": ""})
        _management_request(self.base, "PUT", f"/api/permissions/{urllib.parse.quote(self.vhost, safe='')}/{user}",
                            {"configure": ".*", "write": ".*", "read": ".*"})
        return self.uri

    def __exit__(self, *exc):
        _management_request(self.base, "DELETE", f"/api/users/{urllib.parse.quote(self.user, safe='')}")
