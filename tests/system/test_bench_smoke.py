"""`make bench` at BENCH_SCALE=tiny, once, so the harness cannot rot. It checks that every figure is there (median,
min and max over at least three repetitions) and never what the numbers are: performance lives in the bench's
output, not in assertions."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.system

ROOT = Path(__file__).resolve().parents[2]
FIGURES = (
    "raw_publish_consume", "raw_rtt_p50", "raw_rtt_p99", "naive_hop",
    "get_household_p50", "get_household_p99", "get_case_p50", "get_case_p99", "register_household_p50", "register_household_p99",
    "sustained", "bulk_committed", "bulk_e2e", "projection_lag_p50", "projection_lag_p99", "event_lag_p50",
    "event_lag_p99", "sitrep_small", "sitrep_large",
    "ratio_get_household_p50", "ratio_register_household_p50", "ratio_sustained_vs_naive", "ratio_bulk_vs_sustained",
    "ratio_sitrep_large_vs_small", "ratio_get_case_vs_get_household_p50",
    "rss_peak_registration", "rss_peak_shelter", "rss_peak_reporting", "rss_peak_health", "rss_peak_protection",
    "health_reports_committed", "health_reports_e2e",
    "client_get_household_p50", "gateway_get_household_p50", "gateway_get_household_p99", "gateway_adds_p50",
    "bulk_cost_x4_realistic_seconds", "bulk_cost_x30_realistic_seconds", "bulk_cost_x30_adversarial_seconds",
    "rss_peak_bulk_cost_x4_realistic", "rss_peak_bulk_cost_x30_realistic", "rss_peak_bulk_cost_x30_adversarial",
    "logistics_stock_on_hand_ratio", "logistics_stock_card_ratio", "logistics_distribution_over_registration",
    "logistics_cpu_ms_per_household",
)
TARGETED = ("ratio_get_household_p50", "ratio_register_household_p50", "ratio_sustained_vs_naive",
            "ratio_bulk_vs_sustained", "ratio_sitrep_large_vs_small", "ratio_get_case_vs_get_household_p50",
            "rss_peak_registration", "rss_peak_shelter", "rss_peak_reporting", "rss_peak_health",
            "rss_peak_protection")


@pytest.mark.timeout(420)  # logistics' part (bench/logistics.py) included
def test_the_bench_runs_at_tiny_scale_and_reports_every_figure(infrastructure, tmp_path):
    output = tmp_path / "bench.json"
    env = dict(os.environ, BENCH_SCALE="tiny", BENCH_REUSE="never", BENCH_OUTPUT=str(output),
               AMQP_URI=infrastructure["amqp_uri"], DATABASE_URL=infrastructure["database_url"],
               RABBITMQ_MANAGEMENT_URL=infrastructure["management_url"])
    finished = subprocess.run([sys.executable, "-m", "bench"], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=280)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    result = json.loads(output.read_text())
    assert "error" not in result
    assert result["machine"]["cores"] >= 1 and len(result["machine"]["load_average_start"]) == 3
    assert result["mode"] == "fresh"
    missing = [name for name in FIGURES if name not in result["figures"]]
    assert not missing, f"figures missing from the bench output: {missing}"
    for name in FIGURES:
        figure = result["figures"][name]
        assert {"median", "min", "max", "unit"} <= set(figure), name
        assert figure["min"] <= figure["median"] <= figure["max"], name
        if not name.startswith("rss_peak_"):
            assert len(figure["reps"]) >= 3, name
    for name in TARGETED:
        assert "target" in result["figures"][name] and isinstance(result["figures"][name]["met"], bool), name
    assert "figure" in finished.stdout and "sustained" in finished.stdout, "the table is printed"
    assert "Cost of one bulk call" in finished.stdout and "30 identical" in finished.stdout
