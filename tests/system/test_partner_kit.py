"""The partner kit against real services (issue 16): registration, shelter, reporting and protection as processes on
a vhost and databases of their own, driven only through ``haven_client`` (kombu alone).

* the README's five-minute tutorial (shared/client/README.md), its code blocks run as written;
* one call of every RPC method (tools/partner/examples.py): each reply has the keys of the example its contract
  documents (``HAVEN_WRITE_EXAMPLES=1`` writes the examples instead);
* typed errors: a ValidationError's field map as a dict, NotFound, Forbidden, Unauthenticated and a token refreshed,
  RpcTimeout naming the service and method, UnknownService and MethodNotFound;
* the reply queue follows TEAM decision 1: ``reply.<broker username>.<uuid4 hex>``, exclusive, auto-delete, bound to
  ``nameko-rpc`` with its own name."""
import json
import os
import re
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest

from haven_client import (Forbidden, HavenClient, MethodNotFound, NotFound, RpcTimeout, Unauthenticated,
                          UnknownService, ValidationError)
from haven_kernel.auth import issue_token
from haven_kernel.contract import load_examples, shape_differences
from haven_kernel.testing import wait_until
from haven_kernel.testing.infra import _management_request
from tools.partner import examples

pytestmark = pytest.mark.system

ROOT = Path(__file__).resolve().parents[2]
PARTNER_SCOPES = ["shelter:read", "shelter:write", "registration:read", "registration:write", "reporting:read"]


# Protection's examples: IOM's caseworker (also a manager, with the consent override) and a UNHCR manager.
PROTECTION_IOM = ["registration:write", "protection:read", "protection:write", "protection:caseworker",
                  "protection:manager", "protection:consent_override"]
PROTECTION_UNHCR = ["protection:read", "protection:write", "protection:manager"]


def token(*scopes, org="IOM", ttl=3600, sub=None):
    return issue_token(org=org, scopes=list(scopes or PARTNER_SCOPES), ttl_seconds=ttl, sub=sub)


def tutorial_blocks():
    text = (ROOT / "shared" / "client" / "README.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.timeout(300)
def test_the_readme_tutorial_runs_as_written(partner_haven, monkeypatch, capsys):
    monkeypatch.setenv("HAVEN_AMQP_URI", partner_haven["amqp_uri"])
    monkeypatch.setenv("HAVEN_TOKEN", token())
    blocks = tutorial_blocks()
    assert len(blocks) >= 6
    scope = {}
    for block in blocks:
        exec(compile(block, "shared/client/README.md", "exec"), scope)
    printed = capsys.readouterr().out
    assert scope["household"]["registration_number"].startswith("HV-")
    assert "household.members.0.date_of_birth" in printed
    assert scope["page"]["total"] == 1
    assert scope["departed"]["status"] == "departed"
    assert scope["place"]["status"] in ("allocated", "waitlisted")
    problems = [examples_item for examples_item in scope["results"] if "error" in examples_item]
    assert len(problems) == 1 and problems[0]["error"]["errors"]


@pytest.mark.timeout(300)
def test_every_method_answers_with_the_shape_its_contract_documents(partner_haven):
    with HavenClient(partner_haven["amqp_uri"], token=token(*PARTNER_SCOPES, "admin")) as client:
        calls = examples.play(client, lambda predicate, what: wait_until(predicate, timeout=60, message=what))
        [site_id] = [s["site_id"] for s in client.shelter.list_sites(adm1="Sofala") if s["code"] == "MZ-DON-001"]
        calls.update(examples.play_health(client, site_id))
        calls.update(examples.play_logistics(
            client, site_id, lambda predicate, what: wait_until(predicate, timeout=60, message=what)))
    amqp_uri = partner_haven["amqp_uri"]
    with HavenClient(amqp_uri, token=token(*PROTECTION_IOM, sub="caseworker-1")) as iom, \
            HavenClient(amqp_uri, token=token(*PROTECTION_UNHCR, org="UNHCR", sub="manager-1")) as unhcr:
        calls.update(examples.play_protection(
            iom, unhcr, site_id, lambda predicate, what: wait_until(predicate, timeout=60, message=what)))
    played = {(service, method) for service, methods in calls.items() for method in methods}
    # registration, shelter, reporting; the kernel's sharing methods; protection; health; logistics
    assert len(played) == 27 + 3 + 18 + 20 + 26
    if os.environ.get("HAVEN_WRITE_EXAMPLES") == "1":
        examples.write(ROOT, calls)
    differences = []
    for service, methods in examples.normalised(calls).items():
        for method, found in methods.items():
            documented = load_examples(examples.examples_package(service, method))
            if method not in documented:
                differences.append(f"{service}.{method}: no example documented")
                continue
            differences += [f"{service}.{method} {d}" for d in shape_differences(documented[method][1],
                                                                                 found["reply"])]
    assert differences == []


def test_typed_errors_name_the_fields_the_call_and_what_to_do(partner_haven):
    with HavenClient(partner_haven["amqp_uri"], token=token(), retries=0) as client:
        with pytest.raises(ValidationError) as bad:
            client.shelter.create_site(site={"name": "X", "site_type": "palace"})
        assert isinstance(bad.value.errors, dict)
        assert bad.value.errors["site.site_type"][0].startswith("Must be one of")
        assert "site.lat" in bad.value.errors
        with pytest.raises(NotFound):
            client.shelter.get_site(site_id=str(uuid.uuid4()))
        with pytest.raises(RpcTimeout) as late:
            client.reporting.get_sitrep(timeout=0.001)
        assert str(late.value) == "reporting.get_sitrep did not answer within 0.001 s"
        assert (late.value.service, late.value.method) == ("reporting", "get_sitrep")
        with pytest.raises(UnknownService) as unknown:
            client.call("shelterr", "get_site", {"site_id": str(uuid.uuid4())})
        assert unknown.value.service == "shelterr"
        with pytest.raises(MethodNotFound):
            client.call("shelter", "get_sites", {})
        assert isinstance(client.shelter.list_sites(), list)  # the client is still usable after each error
    with HavenClient(partner_haven["amqp_uri"], token=token("reporting:read"), retries=0) as reader:
        with pytest.raises(Forbidden):
            reader.shelter.list_sites()
    with HavenClient(partner_haven["amqp_uri"], token="not-a-token", retries=0) as stranger:
        with pytest.raises(Unauthenticated):
            stranger.shelter.list_sites()
    issued = []
    expired = issue_token(org="IOM", scopes=["shelter:read"], ttl_seconds=-60)
    with HavenClient(partner_haven["amqp_uri"], token=expired, token_provider=lambda: issued.append(1) or token()) as renewed:
        assert isinstance(renewed.shelter.list_sites(), list)
    assert issued == [1]


def test_the_reply_queue_follows_decision_1(partner_haven):
    with HavenClient(partner_haven["amqp_uri"], token=token()) as client:
        client.shelter.list_sites()
        name = client.reply_queue_name
        user = urllib.parse.urlsplit(partner_haven["amqp_uri"]).username
        assert re.fullmatch(rf"reply\.{re.escape(user)}\.[0-9a-f]{{32}}", name)
        vhost = urllib.parse.quote(partner_haven["vhost"], safe="")
        queue = json.loads(_management_request(partner_haven["management_url"], "GET",
                                                f"/api/queues/{vhost}/{urllib.parse.quote(name, safe='')}"))
        assert queue["exclusive"] is True and queue["auto_delete"] is True
        bindings = json.loads(_management_request(
            partner_haven["management_url"], "GET", f"/api/queues/{vhost}/{urllib.parse.quote(name, safe='')}/bindings"))
        assert {(b["source"], b["routing_key"]) for b in bindings if b["source"]} == {("nameko-rpc", name)}
    time.sleep(0.5)
    queues = json.loads(_management_request(partner_haven["management_url"], "GET", f"/api/queues/{vhost}"))
    assert name not in {q["name"] for q in queues}, "the reply queue goes with the client"


def test_the_client_works_under_a_partners_own_least_privilege_broker_account(partner_haven):
    """``haven broker add-partner`` (bus-trust) grants exactly decision 1's reply queues: the client needs no more."""
    from haven_kernel import broker
    management = broker.Management(partner_haven["management_url"])
    user = f"p{uuid.uuid4().hex[:8]}-kobo"
    password = broker.add_partner(management, partner_haven["vhost"], user)
    try:
        parts = urllib.parse.urlsplit(partner_haven["amqp_uri"])
        uri = (f"amqp://{urllib.parse.quote(user, safe='')}:{urllib.parse.quote(password, safe='')}@{parts.hostname}:"
               f"{parts.port or 5672}{parts.path}")
        with HavenClient(uri, token=token(), retries=0) as client:
            assert isinstance(client.shelter.list_sites(), list)
            assert client.reply_queue_name.startswith(f"reply.{user}.")
            with pytest.raises(NotFound):
                client.registration.get_household(household_id=str(uuid.uuid4()))
            with pytest.raises(UnknownService):
                client.call("ledger", "read_everything", {})
    finally:
        management.delete_user(user)
