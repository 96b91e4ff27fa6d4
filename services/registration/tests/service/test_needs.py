"""Specific needs on the real broker (issue 10 point 3, shared decision 3): a household's protection codes reach
protection's queue and nothing else; an account that binds its own queue to ``registration.events`` with ``#``, or
reads reporting's queues, never sees a household's code; reporting's per-site counts follow every change."""
import json
import urllib.parse
import uuid
from datetime import datetime, timezone

import amqp.exceptions
import pytest
from kombu import Connection, Exchange, Queue

from haven_kernel.events import consumer_queue_name
from haven_kernel.testing import infra, wait_until

def today():
    """A departure dated the day the test runs (never before the household was registered, whatever the date)."""
    return datetime.now(timezone.utc).date().isoformat()


SENSITIVE = ("SV", "SC-UC", "CR-CP", "TR-PI", "LP-VA")


def member(given, sex, born, relationship, *needs):
    return {"given_name": given, "family_name": "Tembe", "sex": sex, "date_of_birth": born,
            "relationship": relationship, "specific_needs": list(needs)}


@pytest.fixture
def eavesdropper(infrastructure, amqp_uri):
    """A broker account of its own on the test's vhost (as a partner holding broker credentials would have),
    allowed to declare and read its own queues and to read anything; deleted afterwards."""
    name = f"eavesdrop-{uuid.uuid4().hex[:8]}"
    base = infrastructure["management_url"]
    vhost = urllib.parse.unquote(urllib.parse.urlsplit(amqp_uri).path.lstrip("/"))
    infra._management_request(base, "PUT", f"/api/users/{name}", {"password": name, "tags": ""})
    infra._management_request(base, "PUT", f"/api/permissions/{urllib.parse.quote(vhost, safe='')}/{name}",
                              {"configure": f"^{name}.*", "write": f"^{name}.*", "read": ".*"})
    parts = urllib.parse.urlsplit(amqp_uri)
    uri = urllib.parse.urlunsplit((parts.scheme, f"{name}:{name}@{parts.hostname}:{parts.port or 5672}",
                                   parts.path, "", ""))
    with Connection(amqp_uri) as service:  # the exchange as registration's relay declares it
        Exchange("registration.events", type="topic", durable=True)(service.channel()).declare()
    connection = Connection(uri)
    queue = Queue(f"{name}-all", exchange=Exchange("registration.events", type="topic", durable=True,
                                                   passive=True), routing_key="#", exclusive=True)
    queue(connection.channel()).declare()
    yield connection, queue
    connection.release()
    infra._management_request(base, "DELETE", f"/api/users/{name}")


def drain(connection, queue_name):
    """Every message waiting in ``queue_name`` (taken off it), as JSON bodies; none while the queue does not exist
    yet (registration's relay declares it before it first publishes)."""
    bodies = []
    channel = connection.channel()
    while True:
        try:
            message = channel.basic_get(queue_name, no_ack=True)
        except amqp.exceptions.NotFound:
            return bodies
        if message is None:
            return bodies
        bodies.append(json.loads(message.body))


def test_protection_codes_reach_protection_alone(registration, eavesdropper, make_household):
    connection, bound = eavesdropper
    site_a, site_b = registration.open_site(name="Guara Guara"), registration.open_site(name="Mandruzi")
    household = make_household(site_a, members=[
        member("Ana", "female", "1996-03-02", "head", "SV", "WR-SF"),
        member("Lina", "female", "2014-05-06", "child", "SC-UC", "CR-CP"),
        member("Rui", "male", "2016-07-08", "child", "DS-PM"),
    ])
    with registration.client() as client:
        created = client.registration.register_household(household)
        members = client.registration.get_household(created["household_id"])["members"]
        client.registration.update_household(created["household_id"], {"members": {
            "update": [{"member_id": members[2]["member_id"], "specific_needs": ["DS-PM", "TR-PI"]}]}})
        client.registration.update_household(created["household_id"], {"phone": "+258 84 555 1212"})
        client.registration.relocate_household(created["household_id"], site_b)
        client.registration.record_departure(created["household_id"], "returned_home", today())

    protection_queue = consumer_queue_name("protection", "registration", "household_protection_needs")
    found = {}
    wait_until(lambda: found.setdefault("p", []).extend(drain(connection, protection_queue)) or
               len(found["p"]) >= 4, timeout=20, message="protection's four events")
    protection = [e["data"] for e in found["p"]]
    # Registered, needs changed, relocated, departed; the phone change left protection's facts alone: no event.
    assert [(d["cause"], d["version"], d["status"]) for d in protection] == [
        ("registered", 1, "active"), ("updated", 2, "active"), ("relocated", 4, "active"), ("departed", 5, "departed")]
    assert protection[0]["specific_needs"] == {"CR-CP": 1, "SC-UC": 1, "SV": 1}, "WR-SF is not a protection code"
    assert [m["needs"] for m in protection[0]["member_needs"]] == [["SV"], ["CR-CP", "SC-UC"]]
    assert [m["member_id"] for m in protection[0]["member_needs"]] == [members[0]["member_id"],
                                                                       members[1]["member_id"]]
    assert protection[1]["specific_needs"] == {"CR-CP": 1, "SC-UC": 1, "SV": 1, "TR-PI": 1}
    assert protection[2]["site_id"] == site_b and protection[2]["from_site_id"] == site_a
    assert "Ana" not in str(found["p"]) and "1996" not in str(found["p"])

    # The account bound to registration.events with '#': every household event, not one code or needs field.
    wait_until(lambda: found.setdefault("b", []).extend(drain(connection, bound.name)) or
               len([e for e in found["b"] if e["event_type"].startswith("household_")]) >= 5, timeout=20,
               message="the household events on registration.events")
    assert {e["event_type"] for e in found["b"]} == {"household_registered", "household_updated",
                                                     "household_relocated", "household_departed",
                                                     "site_needs_counted"}
    for event in found["b"]:
        if event["event_type"].startswith("household_"):
            assert "specific_needs" not in event["data"] and "needs" not in event["data"]
        text = json.dumps(event)
        for code in SENSITIVE:
            assert f'"{code}"' not in text or event["event_type"] == "site_needs_counted", (code, event)

    # Reporting's queues (read by the same account, reporting not running): counts by site and group only.
    reporting = []
    for event_type in ("household_registered", "household_updated", "household_relocated", "household_departed",
                       "site_needs_counted"):
        reporting += drain(connection, consumer_queue_name("reporting", "registration", event_type))
    counted = [e["data"] for e in reporting if e["event_type"] == "site_needs_counted"]
    assert [e for e in reporting if e["event_type"] != "site_needs_counted" and
            ({"specific_needs", "needs"} & set(e["data"]))] == []
    assert all(set(d) == {"site_id", "version", "needs"} and all("-" not in g for g in d["needs"]) for d in counted)
    by_site = {}
    for data in sorted(counted, key=lambda d: d["version"]):
        by_site[data["site_id"]] = data["needs"]
    # Guara Guara: registered (SV, WR, SC 1+1 CR, DS), TR added, then relocated away; Mandruzi: in, then departed.
    assert [d["needs"] for d in counted if d["site_id"] == site_a] == [
        {"CR": 1, "SC": 1, "DS": 1, "SV": 1, "WR": 1}, {"CR": 1, "SC": 1, "DS": 1, "TR": 1, "SV": 1, "WR": 1}, {}]
    assert [d["needs"] for d in counted if d["site_id"] == site_b] == [
        {"CR": 1, "SC": 1, "DS": 1, "TR": 1, "SV": 1, "WR": 1}, {}]
    assert [d["version"] for d in counted if d["site_id"] == site_a] == [1, 2, 3]


def test_a_household_without_protection_needs_sends_protection_nothing(registration, record_events, make_household):
    site = registration.open_site()
    recorder = record_events(registration.amqp_uri, "registration")
    with registration.client() as client:
        created = client.registration.register_household(make_household(site))
        client.registration.record_departure(created["household_id"], "returned_home", today())
    recorder.wait_for("household_departed")
    counted = recorder.wait_for("site_needs_counted", count=2)
    assert [e["data"]["needs"] for e in counted] == [{"DS": 1, "SM": 1, "ER": 1, "SP": 1}, {}]
    registered = recorder.events("household_registered")[0]
    assert counted[0]["correlation_id"] != registered["correlation_id"], "a count is not tied to the request"
    with Connection(registration.amqp_uri) as connection:
        queue = consumer_queue_name("protection", "registration", "household_protection_needs")
        assert drain(connection, queue) == []


def test_bulk_registration_counts_each_site_once_per_call(registration, record_events, make_household):
    site = registration.open_site()
    recorder = record_events(registration.amqp_uri, "registration")
    batch = [make_household(site, phone=None, consent=False, members=[
        {"sex": "female", "age_years": 30, "relationship": "head", "specific_needs": ["SV"] if i % 2 else ["ER"]}])
        for i in range(5)]
    with registration.client() as client:
        results = client.registration.register_households(batch)
    assert all("household_id" in r for r in results), results
    recorder.wait_for("household_registered", count=5)
    counted = recorder.wait_for("site_needs_counted")
    recorder.drain(1.0)
    assert [e["data"] for e in recorder.events("site_needs_counted")] == [
        {"site_id": site, "version": 1, "needs": {"SV": 2, "ER": 3}}], counted
