"""Operating Haven, with registration, shelter and reporting as real ``nameko run`` processes on a real RabbitMQ and
PostgreSQL (reporting reaches its database through a gate the test can close):

* readiness and liveness, and the images' healthcheck script against them;
* what an operator reads on ``/metrics``: the build (version and git revision) and the process;
* what the logs and the ``haven`` command say: a partner's mistake at INFO with field names and no value or stack,
  and no eventlet banner anywhere;
* a real Prometheus (Debian's ``/usr/bin/prometheus``) scraping them every second with the repository's alert rules,
  ``for:`` divided by 40 (deploy/prometheus/rules rendered by tests/deploy/deploytools.py, so they cannot drift):
  reporting stopped while events arrive fires HavenServiceDown, reporting's database cut off fires HavenDatabaseDown
  (its consumer pauses and holds the events: nothing is dead-lettered), an event breaking its contract is
  dead-lettered and fires HavenDeadLettersWaiting until discarded, reporting stuck on a lock while an old event
  arrives fires HavenEventsWaitingTooLong and HavenReportingProjectionLag; each clears after recovery, and the
  events are applied.
  The firing and clearing times are printed and kept in test-artifacts/alert-timings.json.
"""
import importlib.metadata
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy

from haven_kernel.errors import ValidationError
from haven_kernel.testing import (ServiceProcess, TcpGate, create_vhost, delete_vhost, free_port, make_token,
                                  rpc_client, service_process_env, wait_until, with_vhost)

pytestmark = pytest.mark.system

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SERVICES = ("registration", "shelter", "reporting")
DIVIDE_WAITS_BY = 40  # 2m -> 3 s, 1m -> 1.5 s


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


deploytools = _load("deploytools", ROOT / "tests" / "deploy" / "deploytools.py")


@pytest.fixture(scope="module")
def haven(infrastructure, _database_factory):
    vhost = f"haven-ops-{uuid.uuid4().hex[:10]}"
    create_vhost(infrastructure, vhost)
    amqp_uri = with_vhost(infrastructure["amqp_uri"], vhost)
    logs = ARTIFACTS / "operations-logs"
    logs.mkdir(parents=True, exist_ok=True)
    processes, gate = {}, None
    try:
        urls = {service: _database_factory.create(f"haven_{service}") for service in SERVICES}
        direct = urls["reporting"]  # the test's own connections; reporting goes through the gate
        database = urllib.parse.urlsplit(direct)
        gate = TcpGate(database.hostname, database.port or 5432).open()
        urls["reporting"] = urllib.parse.urlunsplit(
            database._replace(netloc=database.netloc.replace(f"{database.hostname}:{database.port or 5432}",
                                                             f"127.0.0.1:{gate.port}")))
        for service in SERVICES:
            port = free_port()
            log = logs / f"{service}.log"
            log.unlink(missing_ok=True)
            env = service_process_env(service, amqp_uri, urls[service], port, OUTBOX_POLL_SECONDS="0.2",
                                      HAVEN_QUEUE_STATS_SECONDS="0.5")
            processes[service] = ServiceProcess(service, env, port, str(log)).start()
        for process in processes.values():
            process.wait_healthy(timeout=90)
        writer = make_token("registration:write", "shelter:write", org="IOM")
        with rpc_client(amqp_uri, writer, timeout=30) as client:
            site = client.shelter.create_site({
                "name": "Mandruzi", "site_type": "planned_camp", "adm1": "Sofala", "adm2": "Dondo", "lat": -19.7,
                "lon": 34.8, "managing_agency": "IOM"})
            client.shelter.add_shelter_units(site["site_id"], [{"unit_type": "family_tent", "covered_area_m2": 17.5,
                                                                "capacity_persons": 5, "count": 40}])
        haven = Haven(amqp_uri, processes, gate, site["site_id"], writer)
        haven.reporting_database = direct
        yield haven
    finally:
        for process in processes.values():
            if process.process is not None and process.process.poll() is None:
                os.kill(process.process.pid, signal.SIGCONT)
            process.stop()
        if gate is not None:
            gate.close()
        delete_vhost(infrastructure, vhost)


class Haven:
    def __init__(self, amqp_uri, processes, gate, site_id, writer):
        self.amqp_uri, self.processes, self.gate, self.site_id, self.writer = amqp_uri, processes, gate, site_id, writer
        self.reader = make_token("reporting:read", org="OCHA")
        self.registered = 0

    def register(self, count=1, **member):
        household = {"site_id": self.site_id, "consent": True, "members": [
            {"given_name": "Quitéria", "family_name": "Macuácua", "sex": "female", "age_years": 34,
             "relationship": "head", **member}]}
        with rpc_client(self.amqp_uri, self.writer, timeout=30) as client:
            for _ in range(count):
                client.registration.register_household(household)
                self.registered += 1

    def sitrep_households(self):
        with rpc_client(self.amqp_uri, self.reader, timeout=30) as client:
            return client.reporting.get_sitrep()["totals"]["households"]

    def health(self, service, path="/health"):
        try:
            with urllib.request.urlopen(self.processes[service].base_url + path, timeout=5) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def log(self, service):
        return Path(self.processes[service].log_path).read_text()


def haven_cli(*args, amqp_uri):
    return subprocess.run([str(Path(sys.executable).parent / "haven"), *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "AMQP_URI": amqp_uri})


# ------------------------------------------------------------------------------------------------------------------
def test_readiness_liveness_and_the_images_healthcheck_answer_for_every_service(haven):
    script = ROOT / "deploy" / "healthcheck.py"
    for service, process in haven.processes.items():
        assert haven.health(service) == (200, {"service": service, "status": "ok", "checks": {
            "database": "up", "broker": "up", "dead_letters": "none", "outbox": "empty", "consumer": "running"}})
        assert haven.health(service, "/health/live") == (200, {"service": service, "status": "alive"})
        env = {**os.environ, f"{service.upper()}_HTTP": f"127.0.0.1:{process.port}", "HAVEN_APP_DIR": str(ROOT)}
        for extra, said in (([], "200 ok"), (["--live"], "200 alive")):
            checked = subprocess.run([sys.executable, str(script), service, *extra], capture_output=True, text=True,
                                     env=env, timeout=30)
            assert checked.returncode == 0 and said in checked.stdout, checked.stdout + checked.stderr
    nothing = subprocess.run([sys.executable, str(script), "reporting"], capture_output=True, text=True, timeout=30,
                             env={**os.environ, "REPORTING_HTTP": f"127.0.0.1:{free_port()}"})
    assert nothing.returncode == 1 and "no answer" in nothing.stdout


def test_metrics_say_which_build_runs_and_what_the_process_uses(haven):
    revision = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
    for service, process in haven.processes.items():
        with urllib.request.urlopen(process.base_url + "/metrics", timeout=10) as response:
            text = response.read().decode()
        version = importlib.metadata.version(f"haven-{service}")
        assert f'haven_build_info{{revision="{revision}",version="{version}"}} 1.0' in text
        for name in ("process_start_time_seconds", "process_resident_memory_bytes", "process_cpu_seconds_total"):
            assert f"\n{name} " in text, (service, name)


def test_every_metric_an_alert_rule_reads_is_on_a_real_services_metrics(haven):
    exported = {"up"}  # set by Prometheus
    for process in haven.processes.values():
        with urllib.request.urlopen(process.base_url + "/metrics", timeout=10) as response:
            exported |= {line.split("{")[0].split(" ")[0] for line in response.read().decode().splitlines()
                         if line and not line.startswith("#")}
    for rule in deploytools.alert_rules():
        # haven_database_up appears, at 0, only when a service cannot read its own gauges from its database
        missing = deploytools.metrics_read_by(rule["expr"]) - exported - {"haven_database_up"}
        assert not missing, f"{rule['alert']} reads {missing}, which no running service exports"


def test_a_partner_mistake_is_logged_at_info_with_field_names_and_nothing_else(haven):
    with pytest.raises(ValidationError) as refused:
        haven.register(sex="not-a-sex-7731")
    assert set(refused.value.errors) == {"household.members.0.sex"}
    wait_until(lambda: '"error_type": "ValidationError"' in haven.log("registration"), message="the refusal logged")
    log = haven.log("registration")
    [line] = [json.loads(line) for line in log.splitlines() if '"error_type": "ValidationError"' in line]
    assert line["level"] == "info" and line["method"] == "register_household"
    assert line["fields"] == ["household.members.0.sex"] and "stack" not in line
    assert "not-a-sex-7731" not in log and "Quitéria" not in log and "Macu" not in log


def test_no_eventlet_banner_in_the_service_logs_or_the_haven_command(haven):
    for service in SERVICES:
        log = haven.log(service)
        assert "Eventlet is deprecated" not in log
        for line in log.splitlines():
            json.loads(line)  # every line of a service's log is one JSON object
    for args in (["token", "--org", "IOM", "--scope", "reporting:read"], ["dead-letters", "list", "reporting"]):
        said = haven_cli(*args, amqp_uri=haven.amqp_uri)
        assert said.returncode == 0, said.stderr
        assert "Eventlet is deprecated" not in said.stdout + said.stderr


# ------------------------------------------------------------------------------------------------------------------
# Alerts on a real Prometheus
# ------------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def prometheus(haven, tmp_path_factory):
    directory = tmp_path_factory.mktemp("prometheus")
    rules = deploytools.rules_with_short_waits(directory, DIVIDE_WAITS_BY)
    static = "\n".join(f"      - targets: ['127.0.0.1:{process.port}']\n        labels: {{service: {service}}}"
                       for service, process in haven.processes.items())
    config = (f"global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  evaluation_interval: 1s\n"
              f"rule_files: [{', '.join(str(r) for r in rules)}]\n"
              f"scrape_configs:\n  - job_name: haven\n    static_configs:\n{static}\n")
    server = deploytools.PrometheusServer(directory, config=config)
    yield server
    server.stop()


class Watch:
    """Polls Prometheus' alerts; times are seconds since ``since``."""

    def __init__(self, prometheus):
        self.prometheus = prometheus

    def states(self, alert, service):
        return {a["state"] for a in self.prometheus.alerts()
                if a["labels"].get("alertname") == alert and a["labels"].get("service") == service}

    def until(self, alert, service, state, since, timeout=90):
        """Seconds from ``since`` until ``alert`` for ``service`` is in ``state`` (None: cleared)."""
        def reached():
            states = self.states(alert, service)
            return (not states) if state is None else (state in states)
        wait_until(reached, timeout=timeout, interval=0.1, message=f"{alert} {service} {state or 'cleared'}")
        return round(time.monotonic() - since, 1)

    def others(self, *expected):
        return sorted({(a["labels"]["alertname"], a["labels"].get("service")) for a in self.prometheus.alerts()}
                      - set(expected))


# The handler failures of step 2 (reporting's database cut off) are real, and HavenEventHandlerFailing reads their
# rate over 5 minutes: the test divides the rule's ``for:`` but not its range, so once the failures have lasted a few
# seconds the alert may go pending or firing and stays until 5 minutes after the last failure, past the test's end.
HANDLER_FAILURES = ("HavenEventHandlerFailing", "reporting")


@pytest.mark.timeout(420)
def test_alerts_fire_when_a_consumer_stops_and_a_dead_letter_is_left_and_clear_after_recovery(haven, prometheus):
    watch = Watch(prometheus)
    timings = {"scrape_interval_s": 1, "evaluation_interval_s": 1, "for_divided_by": DIVIDE_WAITS_BY}
    wait_until(lambda: {t["labels"]["service"] for t in prometheus.targets() if t["health"] == "up"} == set(SERVICES),
               timeout=30, message="every service scraped")
    wait_until(lambda: prometheus.values('haven_health_check_up{job="haven"}'), timeout=30, message="first scrapes")
    time.sleep(3)
    assert watch.others() == [], "a healthy Haven raises no alert"
    households = haven.sitrep_households()

    # 1. Reporting, the consumer of every event, stops (SIGSTOP: it holds its connections and answers nothing)
    #    while households are registered: their events wait in reporting's queues.
    reporting = haven.processes["reporting"].process
    stopped = time.monotonic()
    os.kill(reporting.pid, signal.SIGSTOP)
    try:
        haven.register(count=5)
        down = {"pending_after_s": watch.until("HavenServiceDown", "reporting", "pending", stopped),
                "firing_after_s": watch.until("HavenServiceDown", "reporting", "firing", stopped)}
        assert watch.others(("HavenServiceDown", "reporting")) == []
    finally:
        resumed = time.monotonic()
        os.kill(reporting.pid, signal.SIGCONT)
    down["cleared_after_recovery_s"] = watch.until("HavenServiceDown", "reporting", None, resumed)
    timings["HavenServiceDown (reporting stopped while events arrive)"] = down
    wait_until(lambda: haven.sitrep_households() == households + 5, timeout=60,
               message="the events that waited are applied once reporting runs again")
    wait_until(lambda: prometheus.values('haven_reporting_projection_lag_seconds{job="haven"}')
               and set(prometheus.values('haven_reporting_projection_lag_seconds{job="haven"}').values()) == {0.0},
               timeout=30, message="projection lag back to 0")

    # 2. Reporting loses its database while a household's events arrive: a fault of the infrastructure, not of the
    #    events, so reporting's consumer pauses and holds them (issue 11) instead of dead-lettering them; once the
    #    database is back they are applied without anyone replaying anything.
    cut = time.monotonic()
    haven.gate.close()
    try:
        haven.register(count=1)
        database = {"firing_after_s": watch.until("HavenDatabaseDown", "reporting", "firing", cut)}
        status, body = haven.health("reporting")
        assert status == 503 and body["status"] == "unavailable"
        assert "database" in body["failing"] and "dead_letters" not in body["failing"]
        assert watch.others(("HavenDatabaseDown", "reporting"), HANDLER_FAILURES) == []
    finally:
        restored = time.monotonic()
        haven.gate.open()
    database["cleared_after_recovery_s"] = watch.until("HavenDatabaseDown", "reporting", None, restored)
    wait_until(lambda: haven.sitrep_households() == households + 6, timeout=60,
               message="the events held while the database was away applied, without a replay")
    wait_until(lambda: haven.health("reporting")[1]["status"] == "ok", timeout=30, message="reporting healthy again")
    timings["HavenDatabaseDown (reporting's database cut off; its consumer paused, nothing dead-lettered)"] = database

    # An event that breaks its contract is the event's own fault: dead-lettered at once, HavenDeadLettersWaiting
    # fires and /health says degraded; the operator inspects and discards it (purges the queue), the alert clears.
    from haven_contracts import catalogue
    from haven_kernel.clock import utcnow
    from haven_kernel.events import dead_letter_queue_name
    from haven_kernel.testing import publish_event
    broken = catalogue.envelope("shelter", "site_services_updated",
                                {"site_id": haven.site_id, "latrines": 1, "phase": "emergency",
                                 "as_of": utcnow().date().isoformat()})
    broken["data"]["latrines"] = -5
    poisoned = time.monotonic()
    publish_event(haven.amqp_uri, catalogue, "shelter", "site_services_updated", None, envelope=broken)
    letters = {"firing_after_s": watch.until("HavenDeadLettersWaiting", "reporting", "firing", poisoned)}
    status, body = haven.health("reporting")
    assert (status, body["status"], body["failing"]) == (200, "degraded", ["dead_letters"])
    said = haven_cli("dead-letters", "list", "reporting", amqp_uri=haven.amqp_uri)
    assert said.returncode == 0 and "site_services_updated" in said.stdout, said.stderr
    from kombu import Connection
    with Connection(haven.amqp_uri) as connection:
        letters["dead_letters"] = connection.channel().queue_purge(dead_letter_queue_name("reporting"))
    discarded = time.monotonic()
    letters["cleared_after_discard_s"] = watch.until("HavenDeadLettersWaiting", "reporting", None, discarded)
    timings["HavenDeadLettersWaiting (an event breaking its contract)"] = letters
    assert haven.health("reporting")[1]["status"] == "ok"
    assert watch.others(HANDLER_FAILURES) == []

    # 3. Reporting's consumer is stuck (another transaction holds its inbox table, as a long migration or a hung
    #    query would) while an event arrives that occurred 400 s ago (as when shelter's outbox held it back: the
    #    age is the event's, so the test need not wait 5 minutes). Reporting holds the event and its age drives
    #    HavenEventsWaitingTooLong and HavenReportingProjectionLag; both clear once it is applied.
    engine = sqlalchemy.create_engine(haven.reporting_database, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as locker:
            holding = locker.begin()
            locker.execute(sqlalchemy.text("LOCK TABLE processed_events IN EXCLUSIVE MODE"))
            stuck = time.monotonic()
            services = {"site_id": haven.site_id, "latrines": 12, "phase": "emergency",
                        "as_of": utcnow().date().isoformat()}
            publish_event(haven.amqp_uri, catalogue, "shelter", "site_services_updated", None,
                          envelope=catalogue.envelope("shelter", "site_services_updated", services,
                                                      occurred_at=utcnow() - timedelta(seconds=400)))
            waiting = {"firing_after_s": watch.until("HavenEventsWaitingTooLong", "reporting", "firing", stuck)}
            lagging = {"firing_after_s": watch.until("HavenReportingProjectionLag", "reporting", "firing", stuck)}
            ages = prometheus.values('haven_queue_oldest_message_age_seconds{service="reporting"}')
            assert max(ages.values()) >= 400
            assert watch.others(("HavenEventsWaitingTooLong", "reporting"),
                                ("HavenReportingProjectionLag", "reporting"), HANDLER_FAILURES) == []
            holding.rollback()
            released = time.monotonic()
    finally:
        engine.dispose()
    waiting["cleared_after_recovery_s"] = watch.until("HavenEventsWaitingTooLong", "reporting", None, released)
    lagging["cleared_after_recovery_s"] = watch.until("HavenReportingProjectionLag", "reporting", None, released)
    timings["HavenEventsWaitingTooLong (reporting stuck, an event 400 s old arrives)"] = waiting
    timings["HavenReportingProjectionLag (the same)"] = lagging
    assert watch.others(HANDLER_FAILURES) == []

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "alert-timings.json").write_text(json.dumps(timings, indent=2) + "\n")
    print("\nalert timings (seconds; for: divided by 40):\n" + json.dumps(timings, indent=2))
