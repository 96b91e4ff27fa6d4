"""haven-client without a broker: what it depends on, how replies become typed errors, and the generated methods."""
import inspect
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from haven_client import (Conflict, HavenClient, MethodNotFound, RemoteError, RpcTimeout, UnknownService,
                          ValidationError, item_error)
from haven_client.errors import from_reply

pytestmark = pytest.mark.unit

HERE = Path(__file__).resolve().parents[1]


def test_it_depends_on_kombu_alone_and_imports_no_server_code():
    project = tomllib.loads((HERE / "pyproject.toml").read_text())["project"]
    assert [d.split("==")[0] for d in project["dependencies"]] == ["kombu"]
    run = subprocess.run([sys.executable, "-c", "import sys, haven_client; print(sorted(m for m in sys.modules if "
                          "m.split('.')[0] in ('nameko', 'sqlalchemy', 'alembic', 'psycopg2', 'haven_kernel', "
                          "'marshmallow', 'eventlet')))"], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_a_validation_error_reply_becomes_a_field_map_dict():
    error = from_reply({"exc_type": "ValidationError", "value": '{"site.lat": ["Missing data for required field."]}'})
    assert isinstance(error, ValidationError)
    assert error.errors == {"site.lat": ["Missing data for required field."]}
    assert isinstance(from_reply({"exc_type": "Conflict", "value": "site x is closed"}), Conflict)
    assert isinstance(from_reply({"exc_type": "MethodNotFound", "value": "get_sites"}), MethodNotFound)
    other = from_reply({"exc_type": "KeyError", "value": "'x'"})
    assert isinstance(other, RemoteError) and other.exc_type == "KeyError"


def test_a_bulk_item_error_is_the_single_calls_error():
    item = {"error": {"type": "ValidationError", "message": "...", "errors": {"household.members": ["No head."]}}}
    assert item_error(item).errors == {"household.members": ["No head."]}
    assert isinstance(item_error({"error": {"type": "Conflict", "message": "closed", "errors": {}}}), Conflict)
    assert item_error({"household_id": "x"}) is None


def test_timeouts_and_unknown_services_say_what_was_called():
    assert str(RpcTimeout("registration", "register_household", 30)) == \
        "registration.register_household did not answer within 30 s"
    assert "shelterr" in str(UnknownService("shelterr"))


def test_one_typed_method_per_rpc_method_with_keywords_and_an_idempotency_key_for_writes():
    client = HavenClient("amqp://guest:guest@127.0.0.1:1/", token="t")
    create = inspect.signature(client.shelter.create_site)
    assert list(create.parameters) == ["site", "idempotency_key", "timeout"]
    assert "idempotency_key" not in inspect.signature(client.registration.get_household).parameters
    search = inspect.signature(client.registration.search_households).parameters
    assert search["limit"].default == 50 and search["site_id"].default is None


def test_a_write_is_retried_with_the_same_idempotency_key(monkeypatch):
    client = HavenClient("amqp://guest:guest@127.0.0.1:1/", token="t", retries=2, retry_delay=0)
    sent = []

    def flaky(service, method, kwargs, key, correlation_id, timeout, token=None):
        sent.append(key)
        if len(sent) < 3:
            raise RpcTimeout(service, method, 1)
        return {"ok": True}

    monkeypatch.setattr(client, "_call_once", flaky)
    assert client.shelter.create_site(site={}) == {"ok": True}
    assert len(sent) == 3 and len(set(sent)) == 1 and sent[0]
    sent.clear()
    client.shelter.create_site(site={}, idempotency_key="form-204")
    assert set(sent) == {"form-204"}
    sent.clear()
    monkeypatch.setattr(client, "_call_once", lambda *a: sent.append(a) or (_ for _ in ()).throw(
        RpcTimeout("shelter", "get_site", 1)))
    with pytest.raises(RpcTimeout):
        client.shelter.get_site(site_id="x")
    assert len(sent) == 3 and sent[0][3] is None  # reads carry no key
