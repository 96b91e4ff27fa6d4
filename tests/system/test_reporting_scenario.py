"""The cyclone scenario end to end: registration, shelter and reporting as real processes (``nameko run``) on a real
RabbitMQ and PostgreSQL. The sitrep must equal what the scenario computes from its own inputs, at every site and in
every total; the HXL exports must read back through libhxl; ``rebuild()`` must reproduce the sitrep; and the
dashboard, opened in headless Chromium, must show the scenario's figures (a screenshot is kept under
test-artifacts/)."""
import base64
import io
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import requests

from haven_kernel.auth import issue_token
from haven_kernel.testing import (ServiceProcess, create_vhost, delete_vhost, free_port, service_process_env,
                                  wait_until, with_vhost)
from tools.scenario import CycloneScenario, differences, rpc_connector, scenario_tokens, wait_for_sitrep
from tools.scenario.logistics_act import LogisticsAct, logistics_differences

pytestmark = pytest.mark.system

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SERVICES = ("registration", "shelter", "logistics", "health", "reporting", "protection")
EXTRA_ENV = {"protection": {"PROTECTION_FOCAL_ORG": "IOM"}}  # the act's focal organisation
UNSTABLE = ("generated_at", "lag_seconds")


@pytest.fixture(scope="module")
def haven(infrastructure, _database_factory):
    """The services as processes on a vhost and databases of their own."""
    vhost = f"haven-system-{uuid.uuid4().hex[:10]}"
    create_vhost(infrastructure, vhost)
    amqp_uri = with_vhost(infrastructure["amqp_uri"], vhost)
    logs = ARTIFACTS / "system-logs"
    logs.mkdir(parents=True, exist_ok=True)
    processes, urls = {}, {}
    try:
        for service in SERVICES:
            url = urls[service] = _database_factory.create(f"haven_{service}")
            port = free_port()
            env = service_process_env(service, amqp_uri, url, port, OUTBOX_POLL_SECONDS="0.2",
                                      **EXTRA_ENV.get(service, {}))
            processes[service] = ServiceProcess(service, env, port, logs / f"{service}.log").start()
        for process in processes.values():
            process.wait_healthy(timeout=90)
        yield {"amqp_uri": amqp_uri, "processes": processes, "database_urls": urls, "logs": logs}
    finally:
        for process in processes.values():
            process.stop()
        delete_vhost(infrastructure, vhost)


@pytest.fixture(scope="module")
def played(haven):
    connect = rpc_connector(haven["amqp_uri"])
    scenario = CycloneScenario(seed=2019, health=True, protection=True, acts=[LogisticsAct()])
    started = time.monotonic()
    scenario.play(connect, scenario_tokens(), progress=print)
    return {"scenario": scenario, "connect": connect, "expected": scenario.expected(),
            "reader": issue_token(org="OCHA", scopes=["reporting:read"], ttl_seconds=3600),
            "admin": issue_token(org="IOM", scopes=["admin"], ttl_seconds=3600),
            "played_in": time.monotonic() - started,
            "reporting_url": haven["processes"]["reporting"].base_url, "haven": haven}


@pytest.fixture(scope="module")
def caught_up(played):
    sitrep, waited = wait_for_sitrep(played["connect"], played["reader"], played["expected"], timeout=90)
    print(f"scenario played in {played['played_in']:.1f}s; sitrep caught up {waited:.1f}s later")

    def logistics_caught_up():
        with played["connect"](played["reader"]) as rpc:
            latest = rpc.reporting.get_sitrep()
        return latest if not logistics_differences(latest.get("logistics"), played["expected"]["logistics"]) \
            else None
    return wait_until(logistics_caught_up, timeout=60, message="the logistics section of the sitrep")


@pytest.mark.timeout(420)
def test_the_sitrep_equals_the_scenario_at_every_site_and_in_every_total(played, caught_up):
    expected = played["expected"]
    assert differences(caught_up, expected) == []
    totals = caught_up["totals"]
    # The story is in the figures: the school closed, Grudja is full with a queue, people remain in 6 sites.
    assert (totals["sites"], totals["sites_open"]) == (7, 6)
    grudja = next(s for s in caught_up["sites"] if s["name"] == "Grudja")
    assert grudja["occupants"] <= grudja["capacity_persons"] and grudja["waitlisted_households"] == 5
    assert grudja["units_free"] == 0 and grudja["last_full_at"] is not None
    school = next(s for s in caught_up["sites"] if s["name"] == "Escola Primária da Manga")
    assert (school["status"], school["households"], school["occupants"]) == ("closed", 0, 0)
    assert sum(s["households"] for s in caught_up["sites"]) == totals["households"]
    assert any(isinstance(v, str) for s in caught_up["sites"] for v in s["specific_needs"].values()), \
        "some specific-needs counts are small enough to be suppressed"
    with played["connect"](played["reader"]) as rpc:
        assert rpc.reporting.get_3w()["rows"] == expected["three_w"]
        sofala = rpc.reporting.get_sitrep(adm1="Sofala")
        assert {s["site_id"] for s in sofala["sites"]} == {
            site_id for site_id, site in expected["sites"].items() if site["adm1"] == "Sofala"}
        profile = rpc.reporting.get_site_profile(grudja["site_id"])
        assert profile["waitlisted_households"] == 5 and profile["managing_agency"] == "CVM"
    assert caught_up["lag_seconds"] is not None and caught_up["as_of_event"]["event_id"]


def test_protection_figures_equal_the_act_and_the_gbv_name_is_only_in_the_caseworkers_view(played, caught_up):
    """The protection act (tools/scenario/protection_act.py): reporting shows its aggregate, every cell suppressed
    (all counts are below the threshold); the GBV survivor's name and narrative are in her caseworker's view of
    the case and nowhere else: not in any row of protection's or reporting's database, any service's log, the
    sitrep, the HXL exports or the dashboard."""
    from sqlalchemy import create_engine, inspect, text

    act = played["scenario"].protection
    expected = act.expected()
    seen = {}

    def caught_up_protection():
        with played["connect"](played["reader"]) as rpc:
            seen["protection"] = rpc.reporting.get_sitrep()["protection"]
        return seen["protection"] == expected
    try:
        wait_until(caught_up_protection, timeout=60, message="reporting's protection figures")
    finally:
        print("protection section:", seen.get("protection"))
    assert all(isinstance(row["cases"], str) for row in expected["open_cases"] + expected["gbv_open_cases"])
    with played["connect"](act.tokens["caseworker"]) as rpc:
        case = rpc.protection.get_case(act.gbv_case_id)
        listed = rpc.protection.list_cases(case_type="gbv")
    assert (case["person"]["name"], case["narrative"]) == (act.gbv_name, act.gbv_narrative)
    secrets = (act.gbv_name, act.gbv_narrative)
    assert not [s for s in secrets if s in repr(listed)]
    haystack = []
    for service in ("protection", "reporting"):
        engine = create_engine(played["haven"]["database_urls"][service])
        with engine.connect() as connection:
            for table in inspect(connection).get_table_names():
                haystack += [row[0] for row in connection.execute(text(f'SELECT t::text FROM "{table}" AS t'))]
        engine.dispose()
    for service in SERVICES:
        haystack.append((played["haven"]["logs"] / f"{service}.log").read_text(errors="replace"))
    with played["connect"](played["reader"]) as rpc:
        haystack.append(repr(rpc.reporting.get_sitrep()))
        haystack += [rpc.reporting.export_hxl(table) for table in ("sites", "admin_areas", "protection_cases",
                                                                   "protection_gbv")]
    haystack.append(requests.get(played["reporting_url"] + "/", timeout=10,
                                 headers={"Authorization": f"Bearer {played['reader']}"}).text)
    text_all = "\n".join(haystack)
    assert "protection" in text_all and [s for s in secrets if s in text_all] == []


def test_the_logistics_act_is_in_the_sitrep_the_3w_and_the_stock_export(played, caught_up):
    """A donation, a waybill with a loss in transit, a request fulfilled, a shelter-kit round to every family at
    Guara Guara, a second kit refused, the store at risk: every figure as the act computes it."""
    import hxl
    act = played["scenario"].acts[0]
    expected = played["expected"]["logistics"]
    assert logistics_differences(caught_up["logistics"], expected) == []
    assert act.fulfilment == ["partial", "complete"]
    (camp_round,) = expected["rounds"]
    assert camp_round["items_distributed"] == len(act.recipients) > 40
    rows = [r for r in caught_up["logistics"]["stock"] if r["warehouse_code"] == act.store["code"]]
    assert [(r["on_hand"], r["status"]) for r in rows] == [(80 - len(act.recipients), "at_risk")]
    with played["connect"](played["reader"]) as rpc:
        stock = rpc.reporting.export_hxl("stock")
    data = list(hxl.data(hxl.make_input(io.BytesIO(stock.encode("utf-8")), hxl.InputOptions(allow_local=True))))
    exported = {(r.get("#loc+warehouse+code"), r.get("#item+code")): r for r in data}
    for (code, item), want in expected["stock"].items():
        assert int(exported[(code, item)].get("#inventory+num")) == want["on_hand"]
        assert exported[(code, item)].get("#status+pipeline") == want["status"]


def test_reporting_keeps_no_household_s_specific_needs(haven, played, caught_up):
    """Issue 10 point 3: after the whole scenario (SV, CR and other codes registered and changed), reporting's
    archive and tables hold counts by site and group only, never a household's codes; the SV count is there."""
    import json

    import sqlalchemy as sa
    from haven_contracts.reference import SPECIFIC_NEEDS
    engine = sa.create_engine(haven["database_urls"]["reporting"])
    try:
        with engine.connect() as connection:
            archive = [(t, json.loads(e)) for t, e in connection.execute(sa.text(
                "SELECT event_type, CAST(envelope AS TEXT) FROM archived_events"))]
            facts = {c["name"] for c in sa.inspect(connection).get_columns("household_facts")}
            counters = set(connection.execute(sa.text(
                "SELECT DISTINCT key FROM site_counters WHERE dimension = 'needs'")).scalars())
    finally:
        engine.dispose()
    households = [e["data"] for t, e in archive if t.startswith("household_")]
    counted = [e["data"] for t, e in archive if t == "site_needs_counted"]
    assert len(households) >= played["expected"]["totals"]["households"] and counted
    assert [d for d in households if {"specific_needs", "needs"} & set(d)] == []
    assert all(set(d) == {"site_id", "version", "needs"} and set(d["needs"]) <= set(SPECIFIC_NEEDS) for d in counted)
    assert counters <= set(SPECIFIC_NEEDS) and "specific_needs" not in facts
    assert any("SV" in d["needs"] for d in counted), "the scenario registers survivors: counted, never flagged"
    assert caught_up["totals"]["specific_needs"].get("SV"), "the response-wide SV count is exact"


def test_the_hxl_exports_read_back_through_libhxl(played, caught_up):
    import hxl
    with played["connect"](played["reader"]) as rpc:
        exports = {table: rpc.reporting.export_hxl(table) for table in ("sites", "admin_areas", "3w")}
    over_http = requests.get(played["reporting_url"] + "/sitrep.csv", timeout=10,
                             headers={"Authorization": f"Bearer {played['reader']}"})
    assert over_http.status_code == 200

    def read(text):
        return list(hxl.data(hxl.make_input(io.BytesIO(text.encode("utf-8")), hxl.InputOptions(allow_local=True))))

    for text in (exports["sites"], over_http.text):
        rows = {row.get("#loc+camp+id"): row for row in read(text)}
        assert set(rows) == {s["site_id"] for s in caught_up["sites"]}
        for site in caught_up["sites"]:
            row = rows[site["site_id"]]
            assert row.get("#loc+camp+name") == site["name"] and row.get("#loc+camp+code") == site["code"]
            assert (row.get("#adm1+name"), row.get("#adm2+name")) == (site["adm1"], site["adm2"])
            assert row.get("#org+impl") == site["managing_agency"] and row.get("#status") == site["status"]
            assert (float(row.get("#geo+lat")), float(row.get("#geo+lon"))) == (site["lat"], site["lon"])
            for tag, key in (("#population+hh", "households"), ("#population+ind", "individuals"),
                             ("#capacity+ind", "capacity_persons"), ("#population+ind+sheltered", "occupants"),
                             ("#population+hh+waitlisted", "waitlisted_households")):
                assert int(row.get(tag)) == site[key], (site["name"], tag)
            assert int(row.get("#population+m+age0_4")) == site["by_sex_age"]["male"]["0-4"]
            assert int(row.get("#population+f+age60plus")) == site["by_sex_age"]["female"]["60+"]
            for group in ("DS", "ER", "PG", "SP"):
                assert row.get(f"#population+ind+needs+{group.lower()}") == str(site["specific_needs"].get(group, 0))
    areas = read(exports["admin_areas"])
    assert [(r.get("#adm1+name"), r.get("#adm2+name") or None, int(r.get("#population+ind"))) for r in areas] == [
        (a["adm1"], a["adm2"], a["individuals"]) for a in caught_up["admin_areas"]]
    three_w = read(exports["3w"])
    assert [(r.get("#org+impl"), r.get("#sector+cluster"), r.get("#adm2+name"), r.get("#activity+name"),
             int(r.get("#reached+hh")), int(r.get("#reached+ind"))) for r in three_w] == [
        (r["org"], r["sector"], r["adm2"], r["activity"], r["households"], r["individuals"])
        for r in played["expected"]["three_w"]]


def test_rebuild_reproduces_the_same_sitrep(played, caught_up):
    with played["connect"](played["admin"]) as rpc:
        before = rpc.reporting.get_sitrep()
        result = rpc.reporting.rebuild()
        after = rpc.reporting.get_sitrep()
    assert result["events_replayed"] > 600 and result["sites"] == 7
    after, before = _ageless(after), _ageless(before)
    assert {k: v for k, v in after.items() if k not in UNSTABLE} == \
        {k: v for k, v in before.items() if k not in UNSTABLE}


def _ageless(sitrep):
    """The sitrep without the alerts' ages (they grow between two reads)."""
    health = dict(sitrep["health"])
    health["open_alerts"] = [{k: v for k, v in a.items() if k != "age_hours"} for a in health["open_alerts"]]
    for key in ("sites", "admin_areas"):
        health[key] = [{k: v for k, v in row.items() if k != "oldest_open_alert_hours"} for row in health[key]]
    return {**sitrep, "health": health}


def test_the_health_act_shows_in_the_sitrep_and_its_hxl_export(played, caught_up):
    """One cholera-cluster alert, verified and investigated; Mandruzi's crude mortality over the threshold; one
    report missing; the health export readable by libhxl (differences() checked every figure already)."""
    import hxl
    health = caught_up["health"]
    cluster = [a for a in health["open_alerts"] if a["rule_id"] == "cholera-cluster"]
    assert len(cluster) == 1 and cluster[0]["status"] == "investigated"
    over = [row["name"] for row in health["sites"] if row["crude_exceeded"]]
    assert over == ["Mandruzi"]
    assert [w["received"] for w in health["weeks"]] == [3, 3, 2, 3]
    with played["connect"](played["reader"]) as rpc:
        text = rpc.reporting.export_hxl("health")
    rows = list(hxl.data(hxl.make_input(io.BytesIO(text.encode("utf-8")), hxl.InputOptions(allow_local=True))))
    assert len(rows) == 11 and {r.get("#date+epiweek") for r in rows} == {w["week"] for w in health["weeks"]}


# ------------------------------------------------------------------------------------------------------------------
# The dashboard in headless Chromium, through chromedriver's WebDriver protocol (no client library needed)
# ------------------------------------------------------------------------------------------------------------------
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1440,2200"]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def _binary(*names):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    pytest.fail(f"{' or '.join(names)} not found: apt-get install chromium chromium-driver (.ci/run does it)",
                pytrace=False)


class Browser:
    def __init__(self, profile):
        self.port = free_port()
        self.log = open(ARTIFACTS / "chromedriver.log", "ab")
        self.driver = subprocess.Popen([_binary("chromedriver"), f"--port={self.port}"], stdout=self.log,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        wait_until(self._ready, timeout=30, interval=0.2, message="chromedriver")
        options = {"binary": _binary("chromium", "chromium-browser"),
                   "args": CHROMIUM_FLAGS + [f"--user-data-dir={profile}"]}
        session = self._call("POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": options}}})
        self.session = f"/session/{session['sessionId']}"

    def _ready(self):
        try:
            return requests.get(self.base + "/status", timeout=2).json()["value"]["ready"]
        except Exception:
            return False

    def _call(self, method, path, body=None):
        response = requests.request(method, self.base + path, json=body, timeout=60)
        value = response.json()["value"]
        if response.status_code != 200:
            raise AssertionError(f"WebDriver {method} {path}: {value}")
        return value

    def open(self, url):
        self._call("POST", self.session + "/url", {"url": url})

    def find(self, css):
        return self._call("POST", self.session + "/element", {"using": "css selector", "value": css})[ELEMENT]

    def find_all(self, css):
        return [e[ELEMENT] for e in self._call("POST", self.session + "/elements",
                                               {"using": "css selector", "value": css})]

    def type(self, element, text):
        self._call("POST", f"{self.session}/element/{element}/value", {"text": text})

    def click(self, element):
        self._call("POST", f"{self.session}/element/{element}/click", {})

    def text(self, css):
        return self._call("GET", f"{self.session}/element/{self.find(css)}/text").strip()

    def script(self, source, *args):
        return self._call("POST", self.session + "/execute/sync", {"script": source, "args": list(args)})

    def screenshot(self, path):
        path.write_bytes(base64.b64decode(self._call("GET", self.session + "/screenshot")))

    def quit(self):
        try:
            self._call("DELETE", self.session)
        except Exception:
            pass
        self.driver.terminate()
        try:
            self.driver.wait(10)
        except subprocess.TimeoutExpired:
            self.driver.kill()
        self.log.close()


@pytest.fixture
def browser():
    ARTIFACTS.mkdir(exist_ok=True)
    profile = tempfile.mkdtemp(prefix="haven-chromium-")
    browser = Browser(profile)
    yield browser
    browser.quit()
    shutil.rmtree(profile, ignore_errors=True)


def test_the_dashboard_shows_the_scenario_in_a_browser(played, caught_up, browser):
    expected = played["expected"]
    url = played["reporting_url"] + "/"
    browser.open(url)
    assert browser.find_all("#login-form") and not browser.find_all("#site-table"), "no data before signing in"
    browser.type(browser.find("#token"), played["reader"])
    browser.click(browser.find("#login-button"))
    wait_until(lambda: browser.find_all("#site-table"), timeout=20, message="the dashboard after signing in")

    totals = expected["totals"]
    assert browser.text("#total-households") == f"{totals['households']:,}"
    assert browser.text("#total-individuals") == f"{totals['individuals']:,}"
    assert browser.text("#total-occupants") == f"{totals['occupants']:,}"
    assert browser.text("#total-waitlisted") == f"{totals['waitlisted_households']:,}"
    assert browser.text("#total-sites-open") == f"{totals['sites_open']:,}"
    rows = browser.find_all("#site-table tbody tr")
    assert len(rows) == len(expected["sites"])
    for site_id, site in expected["sites"].items():
        row = f'#site-table tr[data-site-id="{site_id}"]'
        assert site["name"] in browser.text(row + " .site-name")
        assert browser.text(row + ' td[data-field="households"]') == f"{site['households']:,}"
        assert browser.text(row + ' td[data-field="individuals"]') == f"{site['individuals']:,}"
        assert browser.text(row + ' td[data-field="waitlisted_households"]') == f"{site['waitlisted_households']:,}"
        assert f"{site['occupants']:,} / {site['capacity_persons']:,}" in browser.text(row + ' td[data-field="occupancy"]')
    assert browser.find_all("#pyramid rect") and browser.find_all("#standards-chart rect")
    act = played["scenario"].acts[0]
    assert browser.find_all(f'#stock-table tr.at-risk'), "the store at risk is highlighted"
    assert act.store["code"] in browser.text("#stock-table tr.at-risk")

    browser.click(browser.find('#site-table th[data-key="individuals"]'))
    order = browser.script("return Array.from(document.querySelectorAll('#site-table tbody tr'))"
                           ".map(function(r){return +r.getAttribute('data-individuals');});")
    assert order == sorted(order), "clicking a column heading sorts the table"
    browser.click(browser.find('#site-table th[data-key="individuals"]'))
    browser.screenshot(ARTIFACTS / "reporting-dashboard.png")
    assert (ARTIFACTS / "reporting-dashboard.png").stat().st_size > 10_000

    browser.click(browser.find("#logout-form button"))
    wait_until(lambda: browser.find_all("#login-form"), timeout=20, message="the sign-in form after signing out")
    browser.open(url)
    assert browser.find_all("#login-form") and not browser.find_all("#site-table"), "signed out for good"
