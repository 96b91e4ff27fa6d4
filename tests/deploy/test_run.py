"""deploy/run.py's replicas (``make run`` with ``HAVEN_REPLICAS``): what it accepts, refuses, and where each replica
listens and logs. tests/system/test_replicas.py runs it for real."""
import importlib.util
import sys

import pytest

from deploytools import DEPLOY

pytestmark = pytest.mark.unit


@pytest.fixture
def run(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(DEPLOY))
    monkeypatch.setenv("HAVEN_VAR_DIR", str(tmp_path))
    for name in ("SHELTER", "REPORTING", "REGISTRATION"):
        monkeypatch.delenv(f"{name}_HTTP", raising=False)
        monkeypatch.delenv(f"{name}_DATABASE_URL", raising=False)
    spec = importlib.util.spec_from_file_location("haven_run", DEPLOY / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("healthcheck", None)


def test_replicas_are_counted_per_service(run):
    assert run.parse_replicas("shelter=2, reporting=3", {"shelter", "reporting"}) == {"shelter": 2, "reporting": 3}
    assert run.parse_replicas("", {"shelter"}) == {} and run.parse_replicas(None, {"shelter"}) == {}


@pytest.mark.parametrize("text, says", [("shelter=0", "1 or more"), ("shelter=two", "1 or more"),
                                        ("shelter", "1 or more"), ("kitchen=2", "not a runnable service")])
def test_a_wrong_replica_count_is_refused_saying_why(run, text, says):
    with pytest.raises(ValueError, match=says):
        run.parse_replicas(text, {"shelter", "reporting"})


def test_each_replica_has_its_own_port_and_log_and_shares_the_database(run, monkeypatch, tmp_path):
    monkeypatch.setenv("SHELTER_DATABASE_URL", "postgresql://haven@db/shelter")
    services = {s.name: s for s in run.discover()}
    processes = run.with_replicas(list(services.values()), {"shelter": 2})
    shelter = [p for p in processes if p.name == "shelter"]
    assert [(p.label, p.port, p.log_path.name) for p in shelter] == [
        ("shelter-1", 8002, "shelter-1.log"), ("shelter-2", 8102, "shelter-2.log")]
    assert shelter[1].environment({"X": "1"}) == {"X": "1", "SHELTER_HTTP": "0.0.0.0:8102"}
    assert [p.label for p in processes if p.name == "reporting"] == ["reporting"]
    assert all(p.log_path.parent == tmp_path / "log" for p in processes)


def test_replicas_of_a_service_on_sqlite_are_refused(run):
    services = run.discover()
    with pytest.raises(ValueError, match="SHELTER_DATABASE_URL to a PostgreSQL database"):
        run.with_replicas(services, {"shelter": 2})


def test_each_service_connects_as_its_own_broker_account_when_every_one_has_a_password(run, tmp_path, capsys):
    """``make run`` after ``haven broker setup --env-file var/broker.env``: haven-<service> on AMQP_URI's host."""
    services = run.with_replicas(run.discover(), {})
    names = sorted({s.name for s in services})
    (tmp_path / "broker.env").write_text("# kept by haven broker setup\n" + "".join(
        f"HAVEN_BROKER_PASSWORD_{name.upper()}=pw-{name}\n" for name in names))
    env = {"HAVEN_VAR_DIR": str(tmp_path)}
    uris = run.broker_accounts(services, "amqp://guest:guest@mq:5673/haven", env)
    assert uris == {name: f"amqp://haven-{name}:pw-{name}@mq:5673/haven" for name in names}
    shelter = next(s for s in services if s.name == "shelter")
    shelter.amqp_uri = uris["shelter"]
    assert shelter.environment({"AMQP_URI": "amqp://guest:guest@mq:5673/haven"})["AMQP_URI"] == uris["shelter"]
    assert "WARNING" not in capsys.readouterr().out


def test_without_every_services_account_all_connect_as_guest_with_a_loud_warning(run, tmp_path, capsys):
    """A fresh machine (no broker setup yet) still runs, on guest, and says so; one account missing means none is
    used, since consumers accept only events published by the producer's own account."""
    services = run.with_replicas(run.discover(), {})
    (tmp_path / "broker.env").write_text("HAVEN_BROKER_PASSWORD_SHELTER=pw\n")
    assert run.broker_accounts(services, "amqp://guest:guest@localhost:5672/", {"HAVEN_VAR_DIR": str(tmp_path)}) == {}
    out = capsys.readouterr().out
    assert "WARNING: every service connects to RabbitMQ as guest" in out and "haven broker setup" in out
    assert "registration" in out.split("missing:")[1]
