"""docker-compose.yml and deploy/compose/infrastructure.yml, as `docker-compose config` (Debian's docker-compose)
reads them: the stack refuses to start without its secrets, is safe with them (own users, pinned images, loopback
ports, healthchecks, data volumes), and the infrastructure file starts RabbitMQ and PostgreSQL without any secret."""
import re
import subprocess

import pytest
import yaml

from deploytools import DEPLOY, ROOT, run, tool

pytestmark = pytest.mark.unit

STACK = ROOT / "docker-compose.yml"
INFRASTRUCTURE = DEPLOY / "compose" / "infrastructure.yml"
HAVEN_SERVICES = sorted(p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml"))


def secrets():
    """A fresh .env as an operator makes it (deploy/compose/new-env.sh), as a dict."""
    text = subprocess.run(["sh", str(DEPLOY / "compose" / "new-env.sh")], capture_output=True, text=True,
                          check=True).stdout
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def config(compose_env, *files, extra=None):
    args = [tool("docker-compose")]
    for file in files:
        args += ["-f", str(file)]
    return run(*args, "config", env={**compose_env, **(extra or {})})


def rendered(compose_env, extra):
    result = config(compose_env, STACK, extra=extra)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def test_the_stack_does_not_start_without_the_token_secret(compose_env):
    without = {k: v for k, v in secrets().items() if k != "HAVEN_AUTH_SECRET"}
    result = config(compose_env, STACK, extra=without)
    assert result.returncode != 0
    assert "set HAVEN_AUTH_SECRET" in result.stderr


@pytest.mark.parametrize("missing", ["RABBITMQ_ADMIN_PASSWORD", "POSTGRES_ADMIN_PASSWORD", "GRAFANA_ADMIN_PASSWORD",
                                     "HAVEN_DB_PASSWORD_SHELTER", "HAVEN_BROKER_PASSWORD_REPORTING"])
def test_the_stack_does_not_start_without_any_of_its_other_secrets(compose_env, missing):
    result = config(compose_env, STACK, extra={k: v for k, v in secrets().items() if k != missing})
    assert result.returncode != 0
    assert f"set {missing}" in result.stderr


def up_without_an_engine(compose_env, file):
    """`up --no-start rabbitmq postgres` against a Docker socket that does not exist: Compose loads the project as
    it would for real, then fails to connect (so nothing can ever be created by this test)."""
    return run(tool("docker-compose"), "-H", "unix:///nonexistent/docker.sock", "-f", str(file),
               "up", "--no-start", "rabbitmq", "postgres", env=compose_env)


def test_the_stack_file_cannot_start_even_the_infrastructure_without_secrets(compose_env):
    """Why infrastructure.yml exists: Compose interpolates every service before it starts any."""
    result = up_without_an_engine(compose_env, STACK)
    assert result.returncode != 0 and "Missing mandatory value" in result.stderr


def test_the_infrastructure_file_gets_as_far_as_the_engine_without_secrets(compose_env):
    result = up_without_an_engine(compose_env, INFRASTRUCTURE)
    assert "Missing mandatory value" not in result.stderr
    assert "Error while fetching server API version" in result.stderr  # it got as far as calling Docker


def test_the_infrastructure_file_needs_no_secret_and_serves_the_tests_ports(compose_env):
    result = config(compose_env, INFRASTRUCTURE)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert set(services) == {"rabbitmq", "postgres"}
    ports = {name: {p["target"] if isinstance(p, dict) else int(str(p).split(":")[-1].split("/")[0])
                    for p in s["ports"]} for name, s in services.items()}
    assert ports == {"rabbitmq": {5672, 15672}, "postgres": {5432}}
    for service in services.values():
        assert "healthcheck" in service
        for port in service["ports"]:
            assert str(port).startswith("127.0.0.1:"), port
    assert services["postgres"]["volumes"][0].startswith(str(DEPLOY / "postgres") + ":")


def test_with_its_secrets_every_haven_service_has_its_own_database_role_and_broker_user(compose_env):
    env = secrets()
    services = rendered(compose_env, env)["services"]
    assert set(HAVEN_SERVICES) <= set(services)
    for name in HAVEN_SERVICES:
        environment = services[name]["environment"]
        assert environment["HAVEN_ENV"] == "production"
        assert environment["HAVEN_AUTH_SECRET"] == env["HAVEN_AUTH_SECRET"]
        assert len(environment["HAVEN_AUTH_SECRET"]) >= 32
        secret = env[f"HAVEN_BROKER_PASSWORD_{name.upper()}"]
        assert environment["AMQP_URI"] == f"amqp://haven-{name}:{secret}@rabbitmq:5672/"
        database = env[f"HAVEN_DB_PASSWORD_{name.upper()}"]
        assert environment[f"{name.upper()}_DATABASE_URL"] == \
            f"postgresql://haven_{name}:{database}@postgres:5432/{name}"
        assert "guest" not in environment["AMQP_URI"] and "postgres:postgres@" not in str(environment)
        assert services[name]["depends_on"]["broker-setup"]["condition"] == "service_completed_successfully"
        assert "healthcheck" in services[name]
        assert any("/health" in part for part in services[name]["healthcheck"]["test"])
    setup = services["broker-setup"]
    assert setup["entrypoint"] == ["haven", "broker", "setup"]
    for name in HAVEN_SERVICES:
        assert setup["environment"][f"HAVEN_BROKER_PASSWORD_{name.upper()}"] == \
            env[f"HAVEN_BROKER_PASSWORD_{name.upper()}"]
        assert services["postgres"]["environment"][f"HAVEN_DB_PASSWORD_{name.upper()}"] == \
            env[f"HAVEN_DB_PASSWORD_{name.upper()}"]
    assert services["rabbitmq"]["environment"]["RABBITMQ_DEFAULT_PASS"] == env["RABBITMQ_ADMIN_PASSWORD"]


def test_images_are_pinned_ports_are_on_loopback_and_data_lives_in_volumes(compose_env):
    stack = rendered(compose_env, secrets())
    for name, service in stack["services"].items():
        image = service["image"]
        # An exact release (major.minor[.patch], optionally a variant such as -management), or a digest.
        assert re.search(r":v?\d+\.\d+(\.\d+)?(-[a-z0-9.-]+)?$", image) or "@sha256:" in image, \
            f"{name}: {image} is not pinned"
        assert not image.endswith(":latest")
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port}"
        if service.get("restart") != "no":
            assert "healthcheck" in service, f"{name} has no healthcheck"
    volumes = {name: service.get("volumes", []) for name, service in stack["services"].items()}
    assert "postgres-data:/var/lib/postgresql/data:rw" in volumes["postgres"]
    assert "rabbitmq-data:/var/lib/rabbitmq:rw" in volumes["rabbitmq"]
    assert "prometheus-data:/prometheus:rw" in volumes["prometheus"]
    assert {"postgres-data", "rabbitmq-data", "prometheus-data", "grafana-data"} <= set(stack["volumes"])


def test_ports_move_to_another_address_only_when_asked(compose_env):
    stack = rendered(compose_env, {**secrets(), "HAVEN_BIND_ADDRESS": "0.0.0.0", "REPORTING_PORT": "18000"})
    assert "0.0.0.0:18000:8000/tcp" in stack["services"]["reporting"]["ports"]


def test_prometheus_and_grafana_are_given_the_repository_configuration(compose_env):
    stack = rendered(compose_env, secrets())
    prometheus = stack["services"]["prometheus"]
    assert f"{DEPLOY / 'prometheus'}:/etc/prometheus:ro" in prometheus["volumes"]
    assert "--config.file=/etc/prometheus/prometheus.yml" in prometheus["command"]
    grafana = stack["services"]["grafana"]
    assert f"{DEPLOY / 'grafana' / 'provisioning'}:/etc/grafana/provisioning:ro" in grafana["volumes"]
    assert grafana["environment"]["HAVEN_PROMETHEUS_URL"] == "http://prometheus:9090"
    assert grafana["environment"]["GF_AUTH_ANONYMOUS_ENABLED"] == "false"
    policies = stack["services"]["broker-policies"]
    assert f"{DEPLOY / 'rabbitmq'}:/haven/rabbitmq:ro" in policies["volumes"]
    assert policies["command"] == ["python", "/haven/rabbitmq/apply_policies.py"]


def test_every_service_image_is_built_from_the_one_dockerfile_with_its_version_and_revision(compose_env):
    stack = rendered(compose_env, {**secrets(), "HAVEN_VERSION": "1.2.3", "HAVEN_REVISION": "0123456789ab"})
    services = stack["services"]
    for name in HAVEN_SERVICES + ["broker-setup"]:
        build = services[name]["build"]
        assert build["context"] == str(ROOT) and build["dockerfile"] == "deploy/Dockerfile"
        assert build["args"]["SERVICE"] == (name if name in HAVEN_SERVICES else "registration")
        assert (build["args"]["HAVEN_VERSION"], build["args"]["HAVEN_REVISION"]) == ("1.2.3", "0123456789ab")
        assert services[name]["image"].endswith(":1.2.3")


def test_broker_setup_declares_queues_of_the_type_the_services_declare(compose_env):
    """A queue's type is fixed by its first declaration; any other declaration with another type is refused."""
    for extra, wanted in (({}, "quorum"), ({"HAVEN_QUEUE_TYPE": "classic"}, "classic")):
        services = rendered(compose_env, {**secrets(), **extra})["services"]
        assert services["broker-setup"]["environment"]["HAVEN_QUEUE_TYPE"] == wanted
        for name in HAVEN_SERVICES:
            assert services[name]["environment"]["HAVEN_QUEUE_TYPE"] == wanted
