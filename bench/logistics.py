"""Logistics' figures (issue 12), each next to its baseline measured in the same run:

* **ledger scale**: ``stock_on_hand`` and ``stock_card`` (a page of 100) over RPC with 1,000,000 ledger rows, next
  to the same calls with 10,000 rows (target: within 1.5x). The rows are written by SQL (ten warehouses x the
  default items, one tenth of them on the warehouse x item asked for), with the lots and positions they add up to.
* **bulk distribution end to end**: ``record_distributions`` of 1,000 households, until the sitrep's logistics
  section shows them reached, next to ``register_households`` of the same 1,000 until the sitrep shows them
  (target: at least as fast); registration, shelter, logistics and reporting as ``nameko run`` processes.
* **CPU of logistics per household** while registration's events of that bulk call are consumed (target: at most
  1.5 ms), from the process's own CPU time (``/proc/<pid>/stat``).

Alone: ``BENCH_PART=logistics make bench`` (``BENCH_SCALE=tiny``: 1,000 / 10,000 rows and 50 households).
"""
import os
import time
import uuid
from contextlib import contextmanager
from datetime import date

import sqlalchemy as sa

from . import infra
from .stats import fmt, summary

PREFIX = "logistics_"
SIZES = {"tiny": {"rows": (1_000, 10_000), "households": 50, "calls": 10, "rounds": 3},
         "short": {"rows": (10_000, 1_000_000), "households": 1000, "calls": 30, "rounds": 3},
         "full": {"rows": (10_000, 1_000_000), "households": 1000, "calls": 50, "rounds": 3}}
ITEM = "KIT-SHELTER"
SERVICES = ("registration", "shelter", "logistics", "reporting")


def _cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def _client(amqp_uri, *scopes, org="IOM"):
    from nameko.standalone.rpc import ClusterRpcProxy

    from haven_kernel.auth import issue_token
    token = issue_token(org=org, scopes=list(scopes), ttl_seconds=3600, sub="bench")
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=600,
                         context_data={"authorization": f"Bearer {token}"}) as proxy:
        yield proxy


def _fill(url, rows):
    """``rows`` ledger rows over 10 warehouses x the default items; the first warehouse x ITEM gets a tenth."""
    engine = sa.create_engine(url)
    with engine.begin() as db:
        items = [r[0] for r in db.execute(sa.text("SELECT code FROM items ORDER BY code"))]
        others = [code for code in items if code != ITEM]
        warehouses = [str(uuid.uuid4()) for _ in range(10)]
        for n, warehouse in enumerate(warehouses):
            db.execute(sa.text("INSERT INTO warehouses (id, code, name, adm1, adm2, org, created_at) VALUES "
                               "(:id, :code, :code, 'Sofala', 'Beira', 'IOM', now())"), {"id": warehouse,
                                                                                         "code": f"W{n}"})
        pairs = [(warehouses[0], ITEM)] + [(w, i) for w in warehouses for i in others]
        for warehouse, item in pairs:
            db.execute(sa.text("INSERT INTO stock_lines (id, warehouse_id, item_code, lot, expires_on, owner_org, "
                               "condition, quantity, created_at) VALUES (:line, :w, :i, 'L1', NULL, 'ECHO', 'good', "
                               "0, now())"), {"line": f"{warehouse[:30]}{items.index(item):06d}", "w": warehouse,
                                             "i": item})
        # pair 0 (the one asked for) gets a tenth of the rows; the rest go round the other pairs.
        db.execute(sa.text("""
            CREATE TEMP TABLE pairs AS SELECT row_number() OVER () - 1 AS k, w, i FROM unnest(:ws, :is) AS t(w, i)
        """), {"ws": [w for w, _ in pairs], "is": [i for _, i in pairs]})
        db.execute(sa.text("""
            INSERT INTO ledger (warehouse_id, item_code, line_id, movement, movement_id, quantity_in, quantity_out,
                                lot_balance_after, balance_after, org, at)
            SELECT p.w, p.i, s.id, 'receipt', gen_random_uuid()::text, 1, 0,
                   row_number() OVER (PARTITION BY p.k ORDER BY g), row_number() OVER (PARTITION BY p.k ORDER BY g),
                   'IOM', now()
            FROM generate_series(1, :rows) AS g
            JOIN pairs p ON p.k = CASE WHEN g % 10 = 0 THEN 0 ELSE 1 + g % (SELECT count(*) - 1 FROM pairs) END
            JOIN stock_lines s ON s.warehouse_id = p.w AND s.item_code = p.i
        """), {"rows": rows})
        db.execute(sa.text("""
            INSERT INTO positions (warehouse_id, item_code, on_hand, reorder_level, lead_time_weeks, pipeline_status)
            SELECT warehouse_id, item_code, count(*), 0, 2.0, 'ok' FROM ledger GROUP BY warehouse_id, item_code"""))
        db.execute(sa.text("UPDATE stock_lines s SET quantity = p.on_hand FROM positions p "
                           "WHERE p.warehouse_id = s.warehouse_id AND p.item_code = s.item_code"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
        db.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()
    return warehouses[0]


def _timed(call, count, repetitions=3):
    """The median time of ``count`` calls (ms), measured ``repetitions`` times."""
    medians = []
    for _ in range(repetitions):
        times = []
        for _ in range(count):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        medians.append(sorted(times)[len(times) // 2])
    return medians


def ledger_scale(size, amqp_uri, databases, log_dir):
    figures = {}
    for rows in size["rows"]:
        url = databases.create(f"logistics_{rows}", migrate_package="haven_logistics")
        warehouse = _fill(url, rows)
        process = infra.start_one("logistics", amqp_uri, url, log_dir / f"logistics-{rows}.log")
        try:
            with _client(amqp_uri, "logistics:read") as rpc:
                rpc.logistics.stock_on_hand(warehouse, ITEM)  # warm up
                figures[rows] = {
                    "stock_on_hand": _timed(lambda: rpc.logistics.stock_on_hand(warehouse, ITEM), size["calls"]),
                    "stock_card": _timed(lambda: rpc.logistics.stock_card(warehouse, ITEM, 100, 0), size["calls"])}
        finally:
            process.stop()
    return figures


def _wait(predicate, timeout=600, interval=0.1):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the figures did not show up in time")
        time.sleep(interval)


def end_to_end(size, amqp_uri, databases, log_dir):
    """Bulk registration, then bulk distribution to the same households, each until the sitrep shows it."""
    urls = {service: databases.create(service, migrate_package=f"haven_{service}") for service in SERVICES}
    processes = {service: infra.start_one(service, amqp_uri, urls[service], log_dir / f"e2e-{service}.log")
                 for service in SERVICES}
    count = size["households"]
    logistics_db = sa.create_engine(urls["logistics"])
    try:
        figures = {"registration_per_second": [], "distribution_per_second": [],
                   "logistics_cpu_ms_per_household": [], "call_seconds": []}
        for index in range(size["rounds"]):
            one = _end_to_end_round(amqp_uri, processes, logistics_db, count, index)
            for key, value in one.items():
                figures[key].append(value)
    finally:
        logistics_db.dispose()
        for process in processes.values():
            process.stop()
    return figures


def _end_to_end_round(amqp_uri, processes, logistics_db, count, index):
    """One round on a site of its own: bulk registration until the sitrep shows it, then bulk distribution."""
    with _client(amqp_uri, "registration:write", "shelter:write", "shelter:read", "logistics:write",
                 "logistics:read", "reporting:read") as rpc:
        site = rpc.shelter.create_site({"name": "Bench camp", "site_type": "planned_camp", "adm1": "Sofala",
                                        "adm2": "Buzi", "lat": -19.9, "lon": 34.6, "managing_agency": "IOM"})
        site_id = site["site_id"]
        store = rpc.logistics.create_warehouse({"code": f"BENCH-STORE-{index}", "name": "Bench store", "adm1": "Sofala",
                                                "adm2": "Buzi", "site_id": site_id})["warehouse_id"]
        rpc.logistics.receive_stock({"warehouse_id": store, "kind": "donation", "received_on":
                                     date.today().isoformat(), "lines": [{"item_code": ITEM, "quantity": count}]})
        members = [{"sex": "female", "age_years": 30, "relationship": "head"},
                   {"sex": "male", "age_years": 4, "relationship": "child"}]
        cpu_before = _cpu_seconds(processes["logistics"].popen.pid)
        started = time.monotonic()
        results = rpc.registration.register_households([{"site_id": site_id, "consent": False,
                                                         "members": members} for _ in range(count)])
        ids = [r["household_id"] for r in results]

        def sitrep_site():
            return next((s for s in rpc.reporting.get_sitrep()["sites"] if s["site_id"] == site_id), None)
        _wait(lambda: (sitrep_site() or {}).get("households") == count)
        registration_seconds = time.monotonic() - started
        with logistics_db.connect() as db:
            _wait(lambda: db.execute(sa.text("SELECT count(*) FROM households")).scalar_one() == count * (index + 1))
        cpu_ms = (_cpu_seconds(processes["logistics"].popen.pid) - cpu_before) * 1000 / count

        round_id = rpc.logistics.create_round({"site_id": site_id, "warehouse_id": store, "item_code": ITEM,
                                               "starts_on": date.today().isoformat(),
                                               "ends_on": date.today().isoformat()})["round_id"]
        started = time.monotonic()
        done = rpc.logistics.record_distributions([{"round_id": round_id, "household_id": h, "distributed_on":
                                                    date.today().isoformat()} for h in ids])
        call_seconds = time.monotonic() - started
        assert all("distribution_id" in r for r in done), done[:3]

        def reached():
            rounds = rpc.reporting.get_sitrep()["logistics"]["rounds"]
            return any(r["round_id"] == round_id and r["households_reached"] == count for r in rounds)
        _wait(reached)
        distribution_seconds = time.monotonic() - started
    return {"registration_per_second": count / registration_seconds,
            "distribution_per_second": count / distribution_seconds, "logistics_cpu_ms_per_household": cpu_ms,
            "call_seconds": call_seconds}


def run_logistics(scale_name, tag, servers, log_dir, result, cleanup):
    size = SIZES[scale_name]
    vhost = infra.Vhost(servers, f"{tag.lower()}-logistics")
    cleanup.append(vhost.delete)
    databases = infra.Databases(servers["database_url"], f"{tag.lower()}_lg")
    if not os.environ.get("BENCH_KEEP"):
        cleanup.append(databases.drop_all)
    amqp_uri = infra.amqp_for(servers["amqp_uri"], vhost.name)
    small, large = size["rows"]
    scale = ledger_scale(size, amqp_uri, databases, log_dir)
    figures = result["figures"]
    for call in ("stock_on_hand", "stock_card"):
        figures[f"{PREFIX}{call}_ms_{small}"] = summary(scale[small][call], "ms")
        figures[f"{PREFIX}{call}_ms_{large}"] = summary(scale[large][call], "ms")
        figures[f"{PREFIX}{call}_ratio"] = summary([big / few for big, few in zip(scale[large][call],
                                                                                  scale[small][call])],
                                                   "x", target="<= 1.5")
    e2e = end_to_end(size, amqp_uri, databases, log_dir)
    figures[f"{PREFIX}bulk_registration_per_second"] = summary(e2e["registration_per_second"], "households/s")
    figures[f"{PREFIX}bulk_distribution_per_second"] = summary(e2e["distribution_per_second"], "households/s")
    figures[f"{PREFIX}record_distributions_call_seconds"] = summary(e2e["call_seconds"], "s")
    figures[f"{PREFIX}distribution_over_registration"] = summary(  # paired within each round
        [d / r for d, r in zip(e2e["distribution_per_second"], e2e["registration_per_second"])], "x",
        target=">= 1")
    figures[f"{PREFIX}cpu_ms_per_household"] = summary(e2e["logistics_cpu_ms_per_household"], "ms",
                                                       target="<= 1.5")


def table(result):
    rows = [(name[len(PREFIX):], value) for name, value in result["figures"].items() if name.startswith(PREFIX)]
    if not rows:
        return ""
    lines = ["Logistics (issue 12; median over the rounds, min-max)",
             f"  {'figure':<40} {'median':>9} {'min':>9} {'max':>9}  unit          target"]
    for name, value in rows:
        lines.append(f"  {name:<40} {fmt(value['median']):>9} {fmt(value['min']):>9} {fmt(value['max']):>9}  "
                     f"{value['unit']:<13} {value.get('target', '')}")
    return "\n".join(lines)
