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
