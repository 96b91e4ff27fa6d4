"""What makes ``get_sitrep`` slower between the bench's small and large sets: the sitrep measured at 1,000
households, then after the bench's health reports (3 x 1,000, as its three rounds send) with the households
unchanged, then at the large set; each time with the cost of each section of the report timed inside reporting's
own unit of work (its database, no RPC), so the growth can be put on households or on the health data.

    .venv/bin/python -m bench.sitrep_growth [--large 5350] [--reports 3000]
"""
import eventlet

eventlet.monkey_patch()  # noqa: E402

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from contextlib import contextmanager  # noqa: E402

from psycogreen.eventlet import patch_psycopg  # noqa: E402

patch_psycopg()

from . import health, infra, workload  # noqa: E402
from .stats import percentile  # noqa: E402


@contextmanager
def reporting_unit(url):
    """Reporting's unit of work on its database, as its entrypoints get it (one engine, one transaction)."""
    from sqlalchemy.orm import sessionmaker

    from haven_contracts import catalogue
    from haven_kernel.db import UnitOfWork, make_engine
    engine = make_engine(url)
    unit = UnitOfWork(sessionmaker(engine, expire_on_commit=False), "reporting", None, catalogue)
    try:
        yield unit
    finally:
        unit.rollback()
        unit.close()
        engine.dispose()


def sections(url, repeat=5):
    """Median ms of each part of reporting's sitrep (reports.sitrep's parts), run in-process on its database."""
    from haven_kernel.clock import utcnow
    from haven_reporting import health_sitrep, logistics_report, protection, repository
    from haven_reporting.reports import ReportSettings, site_builder
    settings = ReportSettings()
    parts = {
        "cells + sites (households' counters)": lambda unit: site_builder(unit, settings).sitrep(
            last_event=repository.last_event(unit.session)),
        "health section": lambda unit: health_sitrep.section(unit.session, settings.threshold, utcnow()),
        "protection section": lambda unit: protection.section(unit.session, settings.threshold),
        "logistics section": lambda unit: logistics_report.section(unit.session, settings.threshold),
    }
    out = {}
    with reporting_unit(url) as unit:
        for name, part in parts.items():
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                part(unit)
                times.append(1000 * (time.perf_counter() - started))
            out[name] = percentile(times, 50)
    return out


def profile_health(url):
    import cProfile
    import pstats

    from haven_kernel.clock import utcnow
    from haven_reporting import health_sitrep
    with reporting_unit(url) as unit:
        health_sitrep.section(unit.session, 5, utcnow())
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(3):
            health_sitrep.section(unit.session, 5, utcnow())
        profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=5350)
    parser.add_argument("--reports", type=int, default=3000)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="then cProfile the health section (top 25)")
    args = parser.parse_args(argv)
    rows = []
    with workload.fresh_haven("sitrep", args.sites, 600) as fresh:
        haven, urls, site_ids = fresh.haven, fresh.urls, fresh.site_ids
        households = workload.Households(site_ids)
        partner = haven.proxy(haven.partners[0], timeout=600)
        reader = haven.proxy(haven.reader)
        from .run import _analyze_like_autovacuum  # as make bench does on a server with autovacuum off
        eventlet.spawn(_analyze_like_autovacuum, list(urls.values()))

        def measure(label):
            rpc = percentile(workload.sitrep_latency(reader, 30), 50)
            rows.append((label, rpc, sections(urls["reporting"])))
            counting = infra.engine(urls["reporting"], pooled=False)
            with counting.connect() as connection:
                counts = {table: connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
                          for table in ("health_reports", "health_alerts", "health_place_weeks", "health_week_cases",
                                        "health_facilities")}
                rules = connection.exec_driver_sql("SELECT rule_id, status, count(*) FROM health_alerts "
                                                   "GROUP BY rule_id, status").all()
            counting.dispose()
            print(f"  {label}: {counts}; alerts {[tuple(r) for r in rules]}")

        workload.bulk(haven, partner, households, args.small, 500, args.small)
        measure(f"{args.small:,} households")
        client = haven.proxy(health.token(), timeout=600)
        sent = 0
        while sent < args.reports:
            sent += health.bulk_reports(client, reader, site_ids, min(1000, args.reports - sent), sent)[2]
        measure(f"{args.small:,} households + {sent:,} weekly reports")
        workload.bulk(haven, partner, households, args.large - args.small, 500, args.large)
        measure(f"{args.large:,} households + {sent:,} weekly reports")
        if args.profile:
            profile_health(urls["reporting"])
    names = list(rows[0][2]) if rows else []
    print(f"{'set':44s} {'get_sitrep p50':>15s} " + " ".join(f"{n[:22]:>22s}" for n in names))
    for label, rpc, parts in rows:
        print(f"{label:44s} {rpc:12.1f} ms " + " ".join(f"{parts[n]:19.1f} ms" for n in names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
