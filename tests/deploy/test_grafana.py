"""The Grafana dashboards and provisioning: the JSON files are what deploy/grafana/dashboards.py writes, every
panel uses the provisioned datasource and fits the grid, and every expression parses and evaluates in a real
Prometheus (the Debian binary, started for the session with nothing to scrape)."""
import importlib.util
import json
import re

import pytest
import yaml

from deploytools import DEPLOY, ROOT

pytestmark = pytest.mark.unit

GRAFANA = DEPLOY / "grafana"
# Grafana's variables, replaced by what Grafana would send: "All" services or instances, a rate window.
VARIABLES = {"$__rate_interval": "1m", "$service": ".*", "$instance": ".*"}


def generator():
    spec = importlib.util.spec_from_file_location("haven_dashboards", GRAFANA / "dashboards.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def committed():
    return {path.name: json.loads(path.read_text()) for path in sorted((GRAFANA / "dashboards").glob("*.json"))}


def as_promql(expr):
    """A dashboard expression as Prometheus receives it: variables filled, Grafana's label_values() unwrapped."""
    match = re.fullmatch(r"label_values\((.*),\s*\w+\)", expr)
    if match:
        expr = match.group(1)
    for name, value in VARIABLES.items():
        expr = expr.replace(name, value)
    assert "$" not in expr, f"unknown Grafana variable in {expr}"
    return expr


def test_the_dashboards_are_what_the_generator_writes():
    dashboards = generator()
    wanted = dashboards.build()
    assert set(wanted) == set(committed()), "run: python deploy/grafana/dashboards.py"
    for name, board in wanted.items():
        assert (GRAFANA / "dashboards" / name).read_text() == dashboards.render(board), \
            f"{name} differs from the generator's output: run python deploy/grafana/dashboards.py"


def test_there_is_an_overview_and_one_dashboard_per_service():
    boards = committed()
    services = sorted(p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml"))
    assert set(boards) == {"haven-overview.json"} | {f"haven-{s}.json" for s in services}
    assert len({b["uid"] for b in boards.values()}) == len(boards)
    overview = [p["title"] for p in boards["haven-overview.json"]["panels"]]
    for title in ("Calls per second", "Errors per second by outcome", "p99 latency", "Published per second",
                  "Consumed per second by outcome", "Events waiting per consumer queue", "Outbox backlog",
                  "Reporting projection lag", "Households registered (active)"):
        assert title in overview


def test_every_panel_uses_the_provisioned_datasource_and_fits_the_grid():
    datasources = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    uid = datasources["datasources"][0]["uid"]
    for name, board in committed().items():
        cells = set()
        for panel in board["panels"]:
            grid = panel["gridPos"]
            assert grid["x"] + grid["w"] <= 24, (name, panel["title"])
            area = {(x, y) for x in range(grid["x"], grid["x"] + grid["w"])
                    for y in range(grid["y"], grid["y"] + grid["h"])}
            assert not area & cells, f"{name}: {panel['title']} overlaps another panel"
            cells |= area
            if panel["type"] != "row":
                assert panel["datasource"]["uid"] == uid
                assert panel["targets"], (name, panel["title"])
                assert all(t["datasource"]["uid"] == uid for t in panel["targets"])


def test_the_provisioning_points_at_the_dashboards_compose_mounts():
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "haven.yml").read_text())["providers"][0]
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./deploy/grafana/dashboards:{provider['options']['path']}:ro" in mounts
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in mounts


def test_every_expression_parses_and_evaluates_in_prometheus(prometheus_server):
    dashboards = generator()
    failures = []
    count = 0
    for name, board in committed().items():
        for expr in dashboards.expressions(board):
            count += 1
            ok, error = prometheus_server.query(as_promql(expr))
            if not ok:
                failures.append(f"{name}: {expr}: {error}")
    assert not failures, "\n".join(failures)
    assert count > 60


def test_a_broken_expression_is_refused(prometheus_server):
    ok, error = prometheus_server.query(as_promql('sum by (service) (rate(haven_rpc_requests_total[$__rate_interval])'))
    assert not ok and "parse error" in error
    ok, error = prometheus_server.query("rate(haven_outbox_backlog)")
    assert not ok
