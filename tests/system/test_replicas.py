"""Replicas, proven here (issue 15 point 8): ``make run``'s script (deploy/run.py) with
``HAVEN_REPLICAS=shelter=2,reporting=2,health=2,logistics=2,protection=2`` starts two processes of every consuming
service next to one registration and one gateway, against one RabbitMQ virtual host and one PostgreSQL database per
service. The cyclone scenario is played through them, then a burst of households registered at once at one site
makes both shelter replicas allocate its units side by side. Nothing may be lost or doubled: the sitrep equals what
the scenario computes, every event published is in reporting's archive once, every event a replicated service
consumes was processed by exactly one of its replicas, no unit holds two households, nothing is dead-lettered; and
both replicas of each service did part of the work (events; and RPC calls for shelter and reporting, which the
scenario calls), so the result is not one replica's alone."""
import os
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from haven_kernel.auth import issue_token
from haven_kernel.testing import create_vhost, delete_vhost, free_port, make_run, wait_until, with_vhost
from tools.scenario import CycloneScenario, differences, rpc_connector, scenario_tokens, wait_for_sitrep

pytestmark = pytest.mark.system

ROOT = Path(__file__).resolve().parents[2]
# every service make run starts (deploy/run.py runs every folder of services/ with a pyproject.toml)
SERVICES = tuple(sorted(p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml")))
# every service that consumes events, twice; registration (consuming only site events) and the gateway once
REPLICAS = {"shelter": 2, "reporting": 2, "health": 2, "logistics": 2, "protection": 2}
CALLED_BY_THE_SCENARIO = ("shelter", "reporting")
BURST_UNITS, BURST_HOUSEHOLDS = 100, 130


def free_base_port():
    """A free port whose replica port (+100, deploy/run.py's step) is free too."""
    for _ in range(50):
        port = free_port()
        if port + 100 < 65536 and port + 100 != free_port() and _free(port + 100):
            return port
    raise AssertionError("no free pair of ports")


def _free(port):
    import socket
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def scrape(url):
    with urllib.request.urlopen(url + "/metrics", timeout=10) as response:
        text = response.read().decode()
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = (sample.name, frozenset(sample.labels.items()))
            found[key] = found.get(key, 0) + sample.value
    return found


def total(samples, name, **labels):
    return sum(v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= ls)


@pytest.fixture(scope="module")
def replicated(infrastructure, _database_factory, tmp_path_factory):
    vhost = f"haven-replicas-{uuid.uuid4().hex[:10]}"
    create_vhost(infrastructure, vhost)
    amqp_uri = with_vhost(infrastructure["amqp_uri"], vhost)
    var = tmp_path_factory.mktemp("var")
    env = {**os.environ, "AMQP_URI": amqp_uri, "HAVEN_VAR_DIR": str(var), "OUTBOX_POLL_SECONDS": "0.2",
           "HAVEN_REPLICAS": ",".join(f"{name}={count}" for name, count in REPLICAS.items())}
    ports = {}
    for service in SERVICES:
        env[f"{service.upper()}_DATABASE_URL"] = _database_factory.create(f"haven_{service}")
        ports[service] = free_base_port()
        env[f"{service.upper()}_HTTP"] = f"127.0.0.1:{ports[service]}"
    output = var / "make-run.out"
    try:
        with make_run(ROOT, env, output) as runner:
            urls = {f"{service}-{k}" if REPLICAS.get(service, 1) > 1 else service:
                    f"http://127.0.0.1:{ports[service] + 100 * (k - 1)}"
                    for service in SERVICES for k in range(1, REPLICAS.get(service, 1) + 1)}
            yield {"amqp_uri": amqp_uri, "urls": urls, "output": output, "runner": runner, "var": var}
    finally:
        delete_vhost(infrastructure, vhost)


def test_make_run_started_each_replica_on_its_own_port_and_log(replicated):
    text = replicated["output"].read_text()
    for label, url in replicated["urls"].items():
        assert f"{label} is healthy ({url}/health)" in text, text
    logs = sorted(p.name for p in (replicated["var"] / "log").glob("*.log"))
    assert logs == sorted(f"{service}-{k}.log" if REPLICAS.get(service, 1) > 1 else f"{service}.log"
                          for service in SERVICES for k in range(1, REPLICAS.get(service, 1) + 1))


@pytest.mark.timeout(900)
def test_the_cyclone_scenario_and_a_burst_through_two_replicas_lose_and_double_nothing(replicated):
    connect = rpc_connector(replicated["amqp_uri"])
    reader = issue_token(org="OCHA", scopes=["reporting:read"], ttl_seconds=3600)
    scenario = CycloneScenario(seed=2019)
    started = time.monotonic()
    scenario.play(connect, scenario_tokens(), progress=print)
    played = time.monotonic() - started
    expected = scenario.expected()
    sitrep, waited = wait_for_sitrep(connect, reader, expected, timeout=120)
    assert differences(sitrep, expected) == []
    print(f"cyclone scenario through {REPLICAS}: played in {played:.1f}s, sitrep caught up {waited:.1f}s later")

    # A burst: households registered in one call at one site, allocated by both shelter replicas side by side.
    writer = issue_token(org="IOM", scopes=["registration:write", "shelter:write", "shelter:read"], ttl_seconds=3600)
    with connect(writer) as rpc:
        site = rpc.shelter.create_site({"name": "Burst camp", "site_type": "planned_camp", "adm1": "Sofala",
                                        "adm2": "Nhamatanda", "lat": -19.2, "lon": 34.2, "managing_agency": "IOM"})
        rpc.shelter.add_shelter_units(site["site_id"], [{"unit_type": "family_tent", "covered_area_m2": 17.5,
                                                          "capacity_persons": 5, "count": BURST_UNITS}])
        wait_until(lambda: _site_known(connect, reader, site["site_id"]), timeout=60, message="the site in reporting")
        burst_started = time.monotonic()
        results = rpc.registration.register_households([
            {"site_id": site["site_id"], "consent": True, "members": [
                {"given_name": "Ana", "family_name": f"Burst{i}", "sex": "female", "age_years": 30 + i % 40,
                 "relationship": "head"}]} for i in range(BURST_HOUSEHOLDS)])
        assert all("household_id" in r for r in results), results[:3]
        wait_until(lambda: len(rpc.shelter.list_waitlist(site["site_id"])) == BURST_HOUSEHOLDS - BURST_UNITS,
                   timeout=120, message="every household of the burst allocated or queued")
        units = rpc.shelter.list_units(site["site_id"])
    burst_allocated = time.monotonic() - burst_started
    assert len(units) == BURST_UNITS, "a unit listed twice holds two households"
    assert len({u["household_id"] for u in units if u["household_id"]}) == BURST_UNITS
    burst = wait_until(lambda: _site_households(connect, reader, site["site_id"], BURST_HOUSEHOLDS), timeout=120,
                       message="the burst in the sitrep")
    assert (burst["households"], burst["allocated_households"], burst["waitlisted_households"]) == \
        (BURST_HOUSEHOLDS, BURST_UNITS, BURST_HOUSEHOLDS - BURST_UNITS)
    print(f"burst of {BURST_HOUSEHOLDS} households: allocated/queued by two shelter replicas in "
          f"{burst_allocated:.1f}s")

    # Every event published is archived by reporting exactly once, and nothing waits or was dead-lettered.
    urls = replicated["urls"]
    scraped = {label: scrape(url) for label, url in urls.items()}
    from haven_contracts import catalogue
    sent_to_reporting = {(entry.source, entry.name) for entry in catalogue.consumed_by("reporting")}
    published = sum(total(s, "haven_events_published_total", event_type=event_type)
                    for label, s in scraped.items() for source, event_type in sent_to_reporting
                    if label.split("-")[0] == source)
    archived = lambda: total(scrape(urls["reporting-1"]), "haven_reporting_archived_events")  # noqa: E731
    wait_until(lambda: archived() == published, timeout=60,
               message=f"every published event archived once ({published} published, {archived()} archived)")
    scraped = {label: scrape(url) for label, url in urls.items()}
    for label, samples in scraped.items():
        assert total(samples, "haven_queue_messages", kind="dead_letter") == 0, label
        assert total(samples, "haven_events_dead_lettered_total") == 0, label
        assert total(samples, "haven_queue_messages", kind="consumer") == 0, label
    for service in REPLICAS:
        for k in (1, 2):
            samples = scraped[f"{service}-{k}"]
            assert total(samples, "haven_events_consumed_total", outcome="processed") > 0, f"{service}-{k} idle"
            if service in CALLED_BY_THE_SCENARIO:
                assert total(samples, "haven_rpc_requests_total") > 0, f"{service}-{k} served no call"
    # Each event a replicated service consumes was processed by one of its replicas, once: the pair's processed
    # count equals what its producers published of those types (a redelivery is counted 'duplicate', not again).
    for service in REPLICAS:
        consumed = {(entry.source, entry.name) for entry in catalogue.consumed_by(service)}
        sent = sum(total(s, "haven_events_published_total", event_type=event_type)
                   for label, s in scraped.items() for source, event_type in consumed
                   if label.split("-")[0] == source)
        processed = lambda: sum(total(scrape(urls[f"{service}-{k}"]), "haven_events_consumed_total",  # noqa: E731
                                      outcome="processed") for k in (1, 2))
        wait_until(lambda: processed() == sent, timeout=60,
                   message=f"{service}: every event processed once by one replica ({sent} sent, {processed()})")
    for k in (1, 2):
        assert total(scraped[f"reporting-{k}"], "haven_reporting_projection_lag_seconds") == 0
    share = {label: int(total(s, "haven_events_consumed_total", outcome="processed")) for label, s in scraped.items()}
    duplicates = {label: int(total(s, "haven_events_consumed_total", outcome="duplicate"))
                  for label, s in scraped.items()}
    print(f"events published {int(published)}; processed per replica {share}; duplicates skipped {duplicates}")


def _site_known(connect, reader, site_id):
    with connect(reader) as rpc:
        return any(s["site_id"] == site_id for s in rpc.reporting.get_sitrep()["sites"])


def _site_households(connect, reader, site_id, households):
    with connect(reader) as rpc:
        site = next(s for s in rpc.reporting.get_sitrep()["sites"] if s["site_id"] == site_id)
    return site if site["households"] == households and site["waitlisted_households"] == households - BURST_UNITS \
        else None
