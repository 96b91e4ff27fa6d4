"""The fixtures every Haven test suite gets (registered by the plugin in ``pytest_configure``, once eventlet has
patched the process): the servers, a vhost and databases per test, services started in-process, event recorders,
and a service's unit of work on SQLite for its use cases (``sqlite_unit``)."""
import os
import uuid

import pytest

from . import infra
from .harness import EventRecorder


@pytest.fixture(scope="session")
def docker_setup():
    """Only the broker and the database: the services under test run in-process or as local processes."""
    return ["up --wait rabbitmq postgres"]


@pytest.fixture(scope="session")
def docker_compose_file(pytestconfig):
    """RabbitMQ and PostgreSQL only (no secret needed): the repository's ``deploy/compose/infrastructure.yml``, not
    the whole stack of ``docker-compose.yml``, which refuses to start without its secrets."""
    root = infra.repo_root(str(pytestconfig.rootpath)) or str(pytestconfig.rootpath)
    return os.path.join(root, *infra.INFRASTRUCTURE_COMPOSE)


@pytest.fixture(scope="session")
def infrastructure(request):
    """{'amqp_uri', 'management_url', 'database_url'} of the servers the integration tests use (see
    :mod:`haven_kernel.testing.infra` for where they are looked for)."""
    found = infra.find_servers()
    if found is not None:
        return found
    if infra.docker_available():
        services = request.getfixturevalue("docker_services")
        ip = request.getfixturevalue("docker_ip")
        found = infra.servers(f"amqp://guest:guest@{ip}:{services.port_for('rabbitmq', 5672)}/",
                              f"postgresql://postgres:postgres@{ip}:{services.port_for('postgres', 5432)}/postgres",
                              f"http://guest:guest@{ip}:{services.port_for('rabbitmq', 15672)}")
        services.wait_until_responsive(lambda: infra.management_ok(found["management_url"]), timeout=90, pause=1)
        return found
    pytest.fail(infra.START_HINT, pytrace=False)


@pytest.fixture
def amqp_uri(infrastructure):
    """An AMQP URI on a virtual host of this test's own, deleted afterwards."""
    vhost = f"haven-test-{uuid.uuid4().hex[:12]}"
    infra.create_vhost(infrastructure, vhost)
    yield infra.with_vhost(infrastructure["amqp_uri"], vhost)
    infra.delete_vhost(infrastructure, vhost)


@pytest.fixture(scope="session")
def _database_factory(infrastructure):
    factory = infra.DatabaseFactory(infrastructure["database_url"])
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


@pytest.fixture(scope="session")
def _sqlite_templates(tmp_path_factory):
    from .usecases import SqliteTemplates
    return SqliteTemplates(str(tmp_path_factory.mktemp("haven-sqlite-templates")))


@pytest.fixture
def sqlite_unit(_sqlite_templates, tmp_path):
    """``sqlite_unit(ServiceClass, *scopes, org="IOM", sub=None)`` → a :class:`~.usecases.UseCaseUnit`: the
    service's unit of work on a SQLite copy of its migrated database, acting for that caller (the middle tier: no
    broker, no container; see :mod:`haven_kernel.testing.usecases`)."""
    from .usecases import sqlite_unit_factory
    make, made = sqlite_unit_factory(_sqlite_templates, str(tmp_path))
    yield make
    for unit in made:
        unit.close()


@pytest.fixture
def record_events():
    """``record_events(amqp_uri, source)`` → an :class:`EventRecorder` of what ``source`` publishes."""
    recorders = []

    def make(amqp_uri, source):
        recorder = EventRecorder(amqp_uri, source)
        recorders.append(recorder)
        return recorder

    yield make
    for recorder in recorders:
        recorder.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true nothing may skip: a skipped test there is a test that proved nothing."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped under CI=true, which is not allowed: {reason}"
