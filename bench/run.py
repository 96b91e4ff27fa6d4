"""``make bench``: Haven's throughput and latency next to baselines measured in the same run.

    BENCH_SCALE=short|full|tiny   (default short: a few minutes; full: the 100,000-household sitrep; tiny: the smoke
                                   test's seconds-long run, for checking that the harness works, not for numbers)
    BENCH_REUSE=auto|never        (auto: use the services `make run` has up, when all of them answer /health on
                                   their default ports; never: always start fresh ones)
    BENCH_ROUNDS=N                (repetitions, at least 3)
    BENCH_OUTPUT=path.json        (default bench/results/<timestamp>.json)
    BENCH_PART=all|bulk_cost|logistics  (default all; bulk_cost: only the cost of one bulk call, see
                                  bench/bulk_cost.py; logistics: only logistics' figures, see bench/logistics.py)

Prints a table and writes JSON: the machine (cores, load), and for each figure the median, min and max over the
repetitions. Ratios are taken within a round (a figure over the baseline measured just before it), so that they
hold on a machine that other work slows down.
"""
import json
import os
import platform
import random
import sys
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

import eventlet
import sqlalchemy as sa

from . import baselines, bulk_cost, gateway_cost, health, infra, logistics, workload
from .cpu import CpuMeter
from .stats import fmt, percentile, summary

SCALES = {
    # rounds, raw messages, round trips, naive ops, sequential calls, sustained households, bulk calls x batch,
    # sitrep sample calls, sites, "small" and "large" household counts for the sitrep.
    "tiny": dict(rounds=3, messages=200, round_trips=20, naive_ops=30, sequential=10, sustained=20, bulk_calls=2,
                 batch=10, sitrep_calls=3, sites=3, small=40, large=80, health_reports=20),
    "short": dict(rounds=3, messages=3000, round_trips=300, naive_ops=400, sequential=150, sustained=300,
                  bulk_calls=2, batch=500, sitrep_calls=15, sites=20, small=1000, large=5000, health_reports=1000),
    "full": dict(rounds=5, messages=20000, round_trips=1000, naive_ops=2000, sequential=500, sustained=2000,
                 bulk_calls=10, batch=500, sitrep_calls=30, sites=100, small=1000, large=100000, health_reports=1000),
}

TARGETS = {
    "ratio_get_household_p50": ("<=", 3.0, "RPC read p50 / raw round trip p50"),
    "ratio_register_household_p50": ("<=", 5.0, "registration p50 / raw round trip p50"),
    "ratio_sustained_vs_naive": (">=", 0.5, "sustained end-to-end / naive single hop"),
    "ratio_bulk_vs_sustained": (">=", 5.0, "bulk end-to-end / sustained end-to-end"),
    "ratio_sitrep_large_vs_small": ("<=", 1.5, "sitrep at the large set / at 1,000"),
    "ratio_get_case_vs_get_household_p50": ("<=", 1.5, "protection.get_case p50 / registration.get_household p50"),
}
# CPU ms per household event a consumer may spend in the sustained phase: protection (most households need no
# follow-up, issue 14) and health (it keeps each household's counts for its denominators, issue 13).
CPU_LIMITS_MS = {"protection": 1.0, "health": 1.5}
RSS_LIMIT_MB = 200


def say(message=""):
    print(message, flush=True)


def main():
    scale_name = os.environ.get("BENCH_SCALE", "short")
    if scale_name not in SCALES:
        say(f"BENCH_SCALE must be one of {', '.join(SCALES)}; got {scale_name!r}")
        return 2
    scale = dict(SCALES[scale_name])
    scale["rounds"] = max(3, int(os.environ.get("BENCH_ROUNDS", scale["rounds"])))
    part = os.environ.get("BENCH_PART", "all")
    if part not in ("all", "bulk_cost", "logistics"):
        say(f"BENCH_PART must be all, bulk_cost or logistics; got {part!r}")
        return 2
    reuse = os.environ.get("BENCH_REUSE", "auto")
    tag = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    output = Path(os.environ.get("BENCH_OUTPUT") or infra.ROOT / "bench" / "results" / f"{tag}.json")
    log_dir = infra.ROOT / "var" / "bench" / tag
    log_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    servers = infra.infrastructure()
    result = {
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "scale": scale_name, "parameters": scale, "part": part,
        "machine": {"cores": os.cpu_count(), "load_average_start": list(os.getloadavg()),
                    "python": platform.python_version(), "platform": platform.platform()},
        "figures": {}, "notes": [],
    }
    if scale["large"] != 100000:
        result["notes"].append(f"the 'large' sitrep set is {scale['large']:,} households at BENCH_SCALE={scale_name}; "
                               "BENCH_SCALE=full measures 100,000")
    cleanup = []
    try:
        if part == "all":
            run(scale, reuse, tag, servers, log_dir, result, cleanup)
        else:
            result["mode"] = f"{part} only"
        if part in ("all", "bulk_cost"):
            run_bulk_cost(scale_name, scale, tag, servers, log_dir, result, cleanup)
        if part in ("all", "logistics"):
            say("Logistics: the ledger at two sizes, then bulk distribution next to bulk registration ...")
            logistics.run_logistics(scale_name, tag, servers, log_dir, result, cleanup)
    except BaseException:
        result["error"] = traceback.format_exc()
        raise
    finally:
        for step in reversed(cleanup):
            try:
                step()
            except Exception:
                say(f"  clean-up step failed: {traceback.format_exc(limit=1)}")
        result["machine"]["load_average_end"] = list(os.getloadavg())
        result["duration_seconds"] = round(time.monotonic() - started, 1)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(result, indent=2, default=str) + "\n")
        if "error" not in result:
            say()
            say(table(result))
        say(f"\nJSON: {output}   service logs: {log_dir}   ({result['duration_seconds']:.0f}s)")
    return 0


def run(scale, reuse, tag, servers, log_dir, result, cleanup):
    vhost = infra.Vhost(servers, tag.lower())
    cleanup.append(vhost.delete)
    databases = infra.Databases(servers["database_url"], tag.lower())
    if not os.environ.get("BENCH_KEEP"):
        cleanup.append(databases.drop_all)

    # -- the services --------------------------------------------------------------------------------------------------
    ports = infra.running_haven() if reuse == "auto" else None
    reporting_engine = None
    if ports:
        say(f"Reusing the services `make run` has up (ports {ports}); their databases are not fresh.")
        result["notes"].append("services reused from `make run`: not fresh databases; household counts are deltas")
        haven_amqp = os.environ.get("AMQP_URI") or "amqp://guest:guest@localhost:5672/"
        processes = infra.reused_haven(ports)
        result["mode"] = "reused"
        gateway_url = gateway_cost.running()
    else:
        say(f"Starting {', '.join(infra.HAVEN_SERVICES)} on vhost {vhost.name} with fresh databases ...")
        urls = {service: databases.create(service, f"haven_{service}") for service in infra.HAVEN_SERVICES}
        processes = infra.start_haven(vhost.amqp_uri, urls, log_dir)
        for process in processes.values():
            cleanup.append(process.stop)
        haven_amqp = vhost.amqp_uri
        gateway_url = gateway_cost.start(vhost.amqp_uri, databases, log_dir, cleanup).base_url
        reporting_engine = infra.engine(urls["reporting"])
        cleanup.append(reporting_engine.dispose)
        result["mode"] = "fresh"

    say("Starting the baselines' processes (request/reply responder, naive hop) ...")
    responder = baselines.Responder(vhost.amqp_uri, log_dir / "responder.log")
    cleanup.append(responder.stop)
    naive_urls = {}
    for name, table_name in (("naive_a", "things"), ("naive_b", "copies")):
        naive_urls[name] = databases.create(name)
        engine = infra.engine(naive_urls[name], pooled=False)
        from .naive import metadata
        metadata.create_all(engine, tables=[metadata.tables[table_name]])
        engine.dispose()
    naive_b = infra.start_module_service("naive_b", "bench.naive:NaiveB", vhost.amqp_uri, log_dir,
                                         {"NAIVE_B_DATABASE_URL": naive_urls["naive_b"]})
    cleanup.append(naive_b.stop)
    _wait_queue(vhost.amqp_uri, "evt-naive_a-thing_created--naive_b.on_thing_created", naive_b)
    naive_a = infra.start_module_service("naive_a", "bench.naive:NaiveA", vhost.amqp_uri, log_dir,
                                         {"NAIVE_A_DATABASE_URL": naive_urls["naive_a"]})
    cleanup.append(naive_a.stop)
    _wait_queue(vhost.amqp_uri, "rpc-naive_a", naive_a)
    copies_engine = infra.engine(naive_urls["naive_b"])
    cleanup.append(copies_engine.dispose)

    def count_copies():
        with copies_engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM copies")).scalar_one()

    if reporting_engine is not None and _autovacuum_off(servers["database_url"]):
        result["notes"].append("autovacuum is off on this PostgreSQL: the bench ANALYZEs the services' tables past "
                               "autovacuum's default threshold every 10 s instead, as a production server would")
        analyzer = eventlet.spawn(_analyze_like_autovacuum, [urls[s] for s in infra.HAVEN_SERVICES])
        cleanup.append(analyzer.kill)

    haven = workload.Haven(haven_amqp, reporting_db=reporting_engine)
    cleanup.append(haven.close)
    _wait_rpc(lambda: haven.proxy(haven.reader, timeout=5).reporting.get_sitrep(), "reporting")

    # -- sites and the first 1,000 households ------------------------------------------------------------------------
    expected_households = scale["large"] + scale["rounds"] * (scale["sequential"] + scale["sustained"] +
                                                             scale["bulk_calls"] * scale["batch"])
    units = int(expected_households * 1.1 / scale["sites"]) + 5
    say(f"Opening {scale['sites']} sites with {units:,} shelter units each ...")
    site_ids = haven.open_sites(scale["sites"], units)
    haven.wait_sites_known(site_ids)
    households = workload.Households(site_ids, seed=int(time.time()))
    base = haven.reflected()[0]
    registered = [0]

    partner = haven.proxy(haven.partners[0], timeout=600)
    reader = haven.proxy(haven.reader)

    def load_to(total, label):
        """Bring the bench's households to ``total`` through the bulk path and wait for the sitrep."""
        missing = total - registered[0]
        if missing <= 0:
            return
        say(f"Loading {missing:,} households through register_households ({label}) ...")
        workload.bulk(haven, partner, households, missing, scale["batch"], base + total)
        registered[0] = total

    load_to(scale["small"], "the small sitrep set")
    sitrep_small = []
    for _ in range(scale["rounds"]):
        sitrep_small.append(percentile(workload.sitrep_latency(reader, scale["sitrep_calls"]), 50))
    say(f"  sitrep at {scale['small']:,} households: {sitrep_small} ms")
    some_ids = [h["household_id"] for h in
                partner.registration.search_households(site_id=site_ids[0], limit=200)["items"]]
    case_ids = workload.open_protection_cases(haven, site_ids, min(50, scale["sequential"]))
    caseworker = haven.proxy(haven.caseworker)

    # -- rounds: baselines, then Haven's figures, so each ratio compares numbers taken minutes apart ------------------
    clients = [haven.proxy(token) for token in haven.partners]
    door = gateway_cost.Pair(haven_amqp, gateway_url, haven.partners[0]) if gateway_url else None
    if door is not None:
        cleanup.append(door.close)
    else:
        result["notes"].append("no gateway answered on port 8006 next to `make run`: its figures are missing")
    health_client = haven.proxy(health.token(), timeout=600)
    reports_sent = [health.reports_received(reader)]
    meter = CpuMeter({**processes, "naive_a": naive_a, "naive_b": naive_b}, f"haven_bench_{tag.lower()}")
    rounds = []
    rng = random.Random(1)
    for number in range(1, scale["rounds"] + 1):
        say(f"Round {number}/{scale['rounds']}")
        r = {}
        r["raw_publish_consume"] = baselines.publish_consume(vhost.amqp_uri, scale["messages"])
        say(f"  baseline 1, raw publish+consume: {r['raw_publish_consume']:.0f} msgs/s")
        rtt = baselines.request_reply(vhost.amqp_uri, responder, scale["round_trips"])
        r["raw_rtt_p50"], r["raw_rtt_p99"] = workload.p50_p99(rtt)
        say(f"  baseline 2, raw round trip: p50 {r['raw_rtt_p50']:.2f} ms, p99 {r['raw_rtt_p99']:.2f} ms")
        r["naive_hop"] = baselines.naive_hop(vhost.amqp_uri, count_copies, scale["naive_ops"])
        say(f"  baseline 3, naive single hop: {r['naive_hop']:.0f} ops/s")
        r["nameko_floor_p50"], _ = workload.p50_p99(baselines.nameko_floor(vhost.amqp_uri, scale["round_trips"]))
        say(f"  (nameko RPC floor, a no-op call: p50 {r['nameko_floor_p50']:.2f} ms)")

        get_ms = workload.get_household_latency(partner, some_ids, scale["sequential"], rng)
        r["get_p50"], r["get_p99"] = workload.p50_p99(get_ms)
        case_ms = workload.get_case_latency(caseworker, case_ids, scale["sequential"], rng)
        r["get_case_p50"], r["get_case_p99"] = workload.p50_p99(case_ms)
        say(f"  protection.get_case p50 {r['get_case_p50']:.1f} ms p99 {r['get_case_p99']:.1f} ms")
        reg_ms, _ = workload.register_latency(partner, households, scale["sequential"])
        registered[0] += scale["sequential"]
        r["register_p50"], r["register_p99"] = workload.p50_p99(reg_ms)
        say(f"  get_household p50 {r['get_p50']:.1f} ms p99 {r['get_p99']:.1f} ms; register_household p50 "
            f"{r['register_p50']:.1f} ms p99 {r['register_p99']:.1f} ms")
        if door is not None:
            direct, through = gateway_cost.latencies(door, some_ids, scale["sequential"], rng)
            r["client_get_p50"], r["client_get_p99"] = workload.p50_p99(direct)
            r["gateway_get_p50"], r["gateway_get_p99"] = workload.p50_p99(through)
            say(f"  get_household through the client p50 {r['client_get_p50']:.1f} ms, through the gateway (HTTP) "
                f"p50 {r['gateway_get_p50']:.1f} ms p99 {r['gateway_get_p99']:.1f} ms")
        haven.wait_reflected(base + registered[0])

        registered[0] += scale["sustained"]
        before = meter.snapshot()
        s = workload.sustained(haven, clients, households, scale["sustained"], base + registered[0])
        r["cpu_sustained"] = per_household(CpuMeter.delta(before, meter.snapshot()), scale["sustained"])
        r["sustained"] = s["households_per_s"]
        lags = s["lag_samples"] or [0.0]
        r["lag_p50"], r["lag_p99"] = workload.p50_p99(lags)
        if s["event_lag"]:
            r["event_lag_p50"], r["event_lag_p99"] = workload.p50_p99(s["event_lag"])
        say(f"  sustained, 10 partners: {r['sustained']:.1f} households/s end to end; sitrep lag p50 "
            f"{r['lag_p50']:.2f} s p99 {r['lag_p99']:.2f} s ({len(s['lag_samples'])} samples)")

        count = scale["bulk_calls"] * scale["batch"]
        registered[0] += count
        before = meter.snapshot()
        r["bulk_committed"], r["bulk_e2e"] = workload.bulk(haven, partner, households, count, scale["batch"],
                                                           base + registered[0])
        r["cpu_bulk"] = per_household(CpuMeter.delta(before, meter.snapshot()), count)
        say(f"  bulk, calls of {scale['batch']}: {r['bulk_committed']:.1f} households/s committed, "
            f"{r['bulk_e2e']:.1f} end to end")

        r["health_committed"], r["health_e2e"], sent = health.bulk_reports(
            health_client, reader, site_ids, scale["health_reports"], reports_sent[0])
        reports_sent[0] += sent
        say(f"  health, {sent} weekly reports in one call: {r['health_committed']:.0f} reports/s committed, "
            f"{r['health_e2e']:.0f} end to end")
        rounds.append(r)

    # -- the large set -----------------------------------------------------------------------------------------------
    load_to(scale["large"], "the large sitrep set")
    haven.confirm_sitrep(base + registered[0])
    sitrep_large = []
    for _ in range(scale["rounds"]):
        sitrep_large.append(percentile(workload.sitrep_latency(reader, scale["sitrep_calls"]), 50))
    say(f"  sitrep at {registered[0]:,} households: {sitrep_large} ms")

    rss = {name: p.peak_rss_mb() for name, p in processes.items()}
    for name, p in (("naive_a", naive_a), ("naive_b", naive_b)):
        rss[name] = p.peak_rss_mb()
    result["figures"] = figures(rounds, sitrep_small, sitrep_large, scale, registered[0], rss)
    result["households_registered"] = registered[0]
    result["rounds"] = rounds


def run_bulk_cost(scale_name, scale, tag, servers, log_dir, result, cleanup):
    """The cost of one bulk call (bench/bulk_cost.py), on a vhost and databases of its own."""
    say("Bulk-call cost: a registration process and a fresh database per scenario ...")
    vhost = infra.Vhost(servers, tag.lower() + "-bulk")
    cleanup.append(vhost.delete)
    databases = infra.Databases(servers["database_url"], tag.lower() + "_bulk")
    if not os.environ.get("BENCH_KEEP"):
        cleanup.append(databases.drop_all)
    result["figures"].update(bulk_cost.measure(servers, vhost, databases, log_dir, scale_name, scale["rounds"],
                                               say=say))


def per_household(cpu_seconds, households):
    """CPU ms per household by component (the naive hop's processes left out: idle then)."""
    return {name: round(1000.0 * seconds / households, 3) for name, seconds in cpu_seconds.items()
            if not name.startswith(("naive_", "postgres:naive_"))}


def figures(rounds, sitrep_small, sitrep_large, scale, registered, rss):
    def col(key):
        return [r[key] for r in rounds if key in r]

    f = {
        "raw_publish_consume": summary(col("raw_publish_consume"), "msgs/s", label="baseline 1: raw publish (confirms) + consume (manual ack)"),
        "raw_rtt_p50": summary(col("raw_rtt_p50"), "ms", label="baseline 2: raw request/reply p50"),
        "raw_rtt_p99": summary(col("raw_rtt_p99"), "ms", label="baseline 2: raw request/reply p99"),
        "naive_hop": summary(col("naive_hop"), "ops/s", label="baseline 3: naive single hop, 10 callers"),
        "nameko_floor_p50": summary(col("nameko_floor_p50"), "ms", label="(for reading: no-op nameko RPC p50)"),
        "get_household_p50": summary(col("get_p50"), "ms", label="registration.get_household p50"),
        "get_household_p99": summary(col("get_p99"), "ms", label="registration.get_household p99"),
        "register_household_p50": summary(col("register_p50"), "ms", label="register_household (4 members) p50"),
        "register_household_p99": summary(col("register_p99"), "ms", label="register_household (4 members) p99"),
        "sustained": summary(col("sustained"), "households/s", label="sustained, 10 partners, end to end"),
        "bulk_committed": summary(col("bulk_committed"), "households/s",
                                  label=f"bulk, calls of {scale['batch']}, committed"),
        "bulk_e2e": summary(col("bulk_e2e"), "households/s", label=f"bulk, calls of {scale['batch']}, end to end"),
        "health_reports_committed": summary(col("health_committed"), "reports/s",
                                            label=f"health: {scale['health_reports']:,} weekly reports in one call, "
                                                  "committed"),
        "health_reports_e2e": summary(col("health_e2e"), "reports/s",
                                      label=f"health: {scale['health_reports']:,} weekly reports, end to end"),
        "projection_lag_p50": summary(col("lag_p50"), "s", label="projection lag p50 (sitrep lag_seconds, sustained)"),
        "projection_lag_p99": summary(col("lag_p99"), "s", label="projection lag p99 (sitrep lag_seconds, sustained)"),
        "sitrep_small": summary(sitrep_small, "ms", label=f"get_sitrep at {scale['small']:,} households",
                                households=scale["small"]),
        "sitrep_large": summary(sitrep_large, "ms", label=f"get_sitrep at {registered:,} households",
                                households=registered),
    }
    if col("gateway_get_p50"):
        f["client_get_household_p50"] = summary(col("client_get_p50"), "ms",
                                                label="get_household p50, haven-client over AMQP")
        f["gateway_get_household_p50"] = summary(col("gateway_get_p50"), "ms",
                                                 label="get_household p50, through the HTTPS/JSON gateway")
        f["gateway_get_household_p99"] = summary(col("gateway_get_p99"), "ms",
                                                 label="get_household p99, through the HTTPS/JSON gateway")
        f["gateway_adds_p50"] = summary([r["gateway_get_p50"] - r["client_get_p50"] for r in rounds
                                         if "gateway_get_p50" in r], "ms",
                                        label="what the gateway adds per call (p50, paired in each round)")
    if col("event_lag_p50"):
        f["event_lag_p50"] = summary(col("event_lag_p50"), "s", label="per-event lag p50 (archive received - occurred)")
        f["event_lag_p99"] = summary(col("event_lag_p99"), "s", label="per-event lag p99 (archive received - occurred)")
    # Ratios within each round (paired), except the sitrep's (two phases of the same run).
    f["ratio_get_household_p50"] = summary([r["get_p50"] / r["raw_rtt_p50"] for r in rounds], "x",
                                           label="get_household p50 / raw round trip p50")
    f["get_case_p50"] = summary(col("get_case_p50"), "ms", label="protection.get_case p50 (decrypt + access log)")
    f["get_case_p99"] = summary(col("get_case_p99"), "ms", label="protection.get_case p99")
    f["ratio_get_case_vs_get_household_p50"] = summary([r["get_case_p50"] / r["get_p50"] for r in rounds], "x",
                                                       label="get_case p50 / get_household p50")
    f["ratio_register_household_p50"] = summary([r["register_p50"] / r["raw_rtt_p50"] for r in rounds], "x",
                                                label="register_household p50 / raw round trip p50")
    f["ratio_sustained_vs_naive"] = summary([r["sustained"] / r["naive_hop"] for r in rounds], "x",
                                            label="sustained / naive single hop")
    f["ratio_bulk_vs_sustained"] = summary([r["bulk_e2e"] / r["sustained"] for r in rounds], "x",
                                           label="bulk end to end / sustained")
    small = f["sitrep_small"]["median"]
    f["ratio_sitrep_large_vs_small"] = summary([v / small for v in sitrep_large], "x",
                                               label="sitrep large / small (each large rep over the small median)")
    for name, value in rss.items():
        if value is not None:
            f[f"rss_peak_{name}"] = {"median": value, "min": value, "max": value, "unit": "MB", "reps": [value],
                                     "label": f"peak RSS (VmHWM) of {name}"}
    for phase in ("sustained", "bulk"):
        components = sorted({name for r in rounds for name in r.get(f"cpu_{phase}", {})})
        f[f"cpu_ms_per_household_{phase}"] = {
            name: summary([r[f"cpu_{phase}"].get(name, 0.0) for r in rounds], "CPU ms/household")
            for name in components}
    for key, (op, limit, _) in TARGETS.items():
        value = f[key]["median"]
        f[key]["target"] = f"{op} {limit}"
        f[key]["met"] = value <= limit if op == "<=" else value >= limit
    for name, limit in CPU_LIMITS_MS.items():
        cpu = f["cpu_ms_per_household_sustained"].get(name)
        if cpu is not None:
            cpu["target"] = f"<= {limit}"
            cpu["met"] = cpu["median"] <= limit
    for name in infra.HAVEN_SERVICES:
        key = f"rss_peak_{name}"
        if key in f:
            f[key]["target"] = f"< {RSS_LIMIT_MB}"
            f[key]["met"] = f[key]["median"] < RSS_LIMIT_MB
    return f


def table(result):
    rows = [("figure", "median", "min", "max", "unit", "target")]
    for key, fig in result["figures"].items():
        if key.startswith("cpu_ms_per_household_") or bulk_cost.PREFIX in key or key.startswith(logistics.PREFIX):
            continue
        target = ""
        if "target" in fig:
            target = f"{fig['target']} {'met' if fig['met'] else 'MISSED'}"
        rows.append((fig.get("label", key), fmt(fig["median"]), fmt(fig["min"]), fmt(fig["max"]), fig["unit"],
                     target))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    machine = result["machine"]
    lines = [f"Haven bench ({result['scale']}, {result.get('mode')}): {machine['cores']} cores, load "
             f"{' '.join(f'{x:.2f}' for x in machine['load_average_start'])} at start, "
             f"{' '.join(f'{x:.2f}' for x in machine.get('load_average_end', []))} at end; "
             f"{result['parameters']['rounds']} rounds"]
    for index, row in enumerate(rows if len(rows) > 1 else []):
        lines.append("  ".join(cell.rjust(w) if 0 < i < 4 else cell.ljust(w)
                               for i, (cell, w) in enumerate(zip(row, widths))).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    cpu = {phase: result["figures"].get(f"cpu_ms_per_household_{phase}", {}) for phase in ("sustained", "bulk")}
    if cpu["sustained"]:
        lines.append("")
        lines.append("CPU ms per household (median over rounds): what bounds the end-to-end rates")
        names = sorted(set(cpu["sustained"]) | set(cpu["bulk"]), key=lambda n: -cpu["sustained"].get(n, {}).get("median", 0))
        lines.append(f"  {'component':38s} {'sustained':>10s} {'bulk':>10s}")
        for name in names:
            lines.append(f"  {name:38s} {cpu['sustained'].get(name, {}).get('median', 0):10.2f} "
                         f"{cpu['bulk'].get(name, {}).get('median', 0):10.2f}")
        def total(phase):
            return sum(v["median"] for name, v in cpu[phase].items() if "live backends" not in name)
        lines.append(f"  {'total (whole servers)':38s} {total('sustained'):10.2f} {total('bulk'):10.2f}")
        for name in CPU_LIMITS_MS:
            mine = cpu["sustained"].get(name, {})
            if "target" in mine:
                lines.append(f"  {name}, sustained: {mine['median']:.2f} CPU ms per household event, target "
                             f"{mine['target']} {'met' if mine['met'] else 'MISSED'}")
    if any(bulk_cost.PREFIX in key for key in result["figures"]):
        lines.append("")
        lines.append("Cost of one bulk call (each scenario: fresh database, its own registration process; "
                     "x base = over the first row, same run)")
        lines.append(bulk_cost.table(result["figures"]))
    if logistics.table(result):
        lines.append("")
        lines.append(logistics.table(result))
    for note in result["notes"]:
        lines.append(f"note: {note}")
    return "\n".join(lines)


def _autovacuum_off(admin_url):
    engine = infra.engine(admin_url, pooled=False)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SHOW autovacuum")).scalar_one() == "off"
    finally:
        engine.dispose()


def _analyze_like_autovacuum(urls, every=10.0):
    """Autovacuum's analyze pass: tables changed by more than 50 rows + 10% since their last ANALYZE."""
    engines = [sa.createinfra.engine(url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT") for url in urls]
    try:
        while True:
            for engine in engines:
                try:
                    with engine.connect() as connection:
                        stale = connection.execute(sa.text(
                            "SELECT quote_ident(schemaname) || '.' || quote_ident(relname) FROM pg_stat_user_tables "
                            "WHERE n_mod_since_analyze > 50 + 0.1 * n_live_tup")).scalars().all()
                        for table in stale:
                            connection.execute(sa.text(f"ANALYZE {table}"))
                except Exception as exc:  # a dropped database at the end of the run
                    say(f"  (analyze skipped: {type(exc).__name__})")
            eventlet.sleep(every)
    finally:
        for engine in engines:
            engine.dispose()


def _wait_queue(amqp_uri, queue_name, process, timeout=60):
    from kombu import Connection
    deadline = time.monotonic() + timeout
    while True:
        process.check_alive()
        try:
            with Connection(amqp_uri) as connection:
                connection.channel().queue_declare(queue=queue_name, passive=True)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{process.name} did not declare {queue_name} within {timeout}s")
            eventlet.sleep(0.2)


def _wait_rpc(call, name, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except Exception:
            if time.monotonic() > deadline:
                raise
            eventlet.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
