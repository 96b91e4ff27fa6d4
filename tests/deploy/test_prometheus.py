"""The scrape configuration and the alert rules, checked by Prometheus' own promtool: the configuration and rules
load, every rule's unit tests pass, every alert is tested both firing and not firing, and a broken rule or a wrong
expectation makes promtool fail (so these tests can fail)."""
import re
import shutil

import pytest
import yaml

from deploytools import DEPLOY, alert_rules, metrics_read_by, run, tool

pytestmark = pytest.mark.unit

PROMETHEUS = DEPLOY / "prometheus"
RULES = PROMETHEUS / "rules" / "haven.rules.yml"
RULE_TESTS = PROMETHEUS / "tests" / "haven.rules.test.yml"
README = PROMETHEUS / "README.md"

# Metric names the services export (the kernel, services/*/service.py business_metrics) and up; the system test
# tests/system/test_operations.py checks the rules against a real service's /metrics too.
EXISTING_METRICS = {
    "up", "haven_rpc_requests_total", "haven_rpc_duration_seconds_bucket", "haven_rpc_duration_seconds_count",
    "haven_events_published_total", "haven_events_consumed_total", "haven_events_retried_total",
    "haven_events_dead_lettered_total", "haven_outbox_backlog", "haven_outbox_oldest_unsent_age_seconds",
    "haven_outbox_publish_failures_total", "haven_database_up", "haven_reporting_projection_lag_seconds",
    "haven_queue_messages", "haven_queue_consumers", "haven_queue_oldest_message_age_seconds",
    "haven_health_check_up", "haven_build_info", "process_start_time_seconds",
}


def alerts():
    return alert_rules()


def contract_metrics():
    """The metric names README.md promises (the table under 'Metrics the rules read'), by name."""
    section = README.read_text().split("## Metrics the rules read", 1)[1].split("\n## ", 1)[0]
    first_cells = re.findall(r"^\|([^|]*)\|", section, flags=re.M)
    return {name for cell in first_cells for name in re.findall(r"`([a-z_]+)`", cell)}


def test_the_scrape_configuration_and_its_rule_files_load():
    result = run(tool("promtool"), "check", "config", str(PROMETHEUS / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 1 rule files found" in result.stdout


def test_the_rules_load():
    result = run(tool("promtool"), "check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alerts())} rules found" in result.stdout


def test_the_rules_unit_tests_pass():
    result = run(tool("promtool"), "test", "rules", str(RULE_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_is_tested_firing_and_not_firing():
    tested = {}
    for case in yaml.safe_load(RULE_TESTS.read_text())["tests"]:
        for check in case.get("alert_rule_test", []):
            tested.setdefault(check["alertname"], set()).add("firing" if check.get("exp_alerts") else "quiet")
    for alert in alerts():
        assert tested.get(alert["alert"]) == {"firing", "quiet"}, f"{alert['alert']}: {tested.get(alert['alert'])}"


def test_every_alert_says_what_it_means_and_what_to_do():
    readme = README.read_text()
    for alert in alerts():
        name = alert["alert"]
        assert alert["labels"]["severity"] in ("critical", "warning"), name
        for key in ("summary", "description", "runbook", "runbook_url"):
            assert alert["annotations"].get(key), f"{name} has no {key}"
        assert alert["annotations"]["runbook_url"] == f"deploy/prometheus/README.md#{name.lower()}"
        assert f"### {name}\n" in readme, f"README.md has no runbook section for {name}"


def test_the_rules_read_only_metrics_that_exist_and_the_readme_describes():
    promised = contract_metrics()
    assert EXISTING_METRICS <= promised | {"haven_rpc_duration_seconds_bucket", "haven_rpc_duration_seconds_count"}
    for alert in alerts():
        unknown = metrics_read_by(alert["expr"]) - EXISTING_METRICS
        assert not unknown, f"{alert['alert']} reads {unknown}, which nothing exports"


def test_a_broken_rule_is_refused(tmp_path):
    broken = tmp_path / "broken.rules.yml"
    broken.write_text(RULES.read_text().replace("expr: up{job=\"haven\"} == 0", "expr: up{job=\"haven\" == 0", 1))
    result = run(tool("promtool"), "check", "rules", str(broken))
    assert result.returncode != 0
    assert "HavenServiceDown" in result.stdout + result.stderr or "parse error" in result.stdout + result.stderr


def test_a_rule_that_no_longer_does_what_its_test_says_fails_the_unit_tests(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "tests").mkdir()
    changed = RULES.read_text().replace("haven_outbox_oldest_unsent_age_seconds{job=\"haven\"}) > 60",
                                        "haven_outbox_oldest_unsent_age_seconds{job=\"haven\"}) > 600", 1)
    assert changed != RULES.read_text()
    (tmp_path / "rules" / RULES.name).write_text(changed)
    shutil.copy(RULE_TESTS, tmp_path / "tests" / RULE_TESTS.name)
    result = run(tool("promtool"), "test", "rules", str(tmp_path / "tests" / RULE_TESTS.name))
    assert result.returncode != 0
    assert "HavenOutboxBacklogOld" in result.stdout + result.stderr
