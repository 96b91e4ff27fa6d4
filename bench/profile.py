"""Profile the services under one of the bench's workloads: CPU seconds per household by component, and py-spy's
hottest functions in each service. For finding what bounds a figure before changing anything.

    .venv/bin/pip install py-spy        # not a runtime dependency
    .venv/bin/python -m bench.profile sustained|bulk|get|register [--households N] [--top 25]

Starts fresh services like ``make bench`` (vhost, databases, ``nameko run``), opens the sites, then records each
service with ``py-spy record --nonblocking`` while the workload runs. Collapsed stacks are kept under
``var/bench/<timestamp>/`` (``profile-<service>.txt``).
"""
import eventlet

eventlet.monkey_patch()  # noqa: E402

import argparse  # noqa: E402
import collections  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from psycogreen.eventlet import patch_psycopg  # noqa: E402

patch_psycopg()

from . import workload  # noqa: E402
from .cpu import CpuMeter  # noqa: E402


def summarize(path, top):
    inclusive, own, total = collections.Counter(), collections.Counter(), 0
    with open(path) as handle:
        for line in handle:
            stack, _, count = line.rstrip().rpartition(" ")
            if not stack or not count.isdigit():
                continue
            count = int(count)
            frames = stack.split(";")
            total += count
            own[frames[-1]] += count
            for frame in set(frames):
                inclusive[frame] += count
    lines = [f"  {total} samples"]
    for title, counter in (("inclusive", inclusive), ("self", own)):
        lines.append(f"  -- top {top} {title}")
        for frame, count in counter.most_common(top):
            lines.append(f"  {100.0 * count / max(total, 1):5.1f}%  {frame[:150]}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=("sustained", "bulk", "get", "register"))
    parser.add_argument("--households", type=int, default=600)
    parser.add_argument("--seed", type=int, default=100, help="households registered (in bulk) before the workload")
    parser.add_argument("--analyze", action="store_true",
                        help="ANALYZE like autovacuum every 10 s, as make bench does on a server without autovacuum")
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--units", type=int, default=600, help="shelter units per site")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-spy", action="store_true", help="CPU accounting only")
    parser.add_argument("--idle", action="store_true", help="sample waiting too (where wall time goes)")
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy") or os.path.join(os.path.dirname(sys.executable), "py-spy")
    with workload.fresh_haven("profile", args.sites, args.units) as fresh:
        haven, urls, processes, site_ids, log_dir = (fresh.haven, fresh.urls, fresh.processes, fresh.site_ids,
                                                     fresh.log_dir)
        households = workload.Households(site_ids)
        partner = haven.proxy(haven.partners[0], timeout=600)
        if args.analyze:
            from .run import _analyze_like_autovacuum
            eventlet.spawn(_analyze_like_autovacuum, list(urls.values()))
        seed = workload.bulk(haven, partner, households, args.seed, min(args.seed, 500), args.seed)
        print(f"seeded {args.seed} households ({seed[1]:.1f}/s end to end)")
        ids = [h["household_id"] for h in partner.registration.search_households(site_id=site_ids[0])["items"]]
        meter = CpuMeter(processes, fresh.database_tag)
        spies = []
        if not args.no_spy:
            for name, process in processes.items():
                spies.append(subprocess.Popen([spy, "record", "--pid", str(process.pid), "--nonblocking", "--rate",
                                               "200", "--format", "raw", "-o", str(log_dir / f"profile-{name}.txt")]
                                              + (["--idle"] if args.idle else []),
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            time.sleep(1.0)
        before = meter.snapshot()
        started = time.perf_counter()
        n = args.households
        if args.workload == "sustained":
            clients = [haven.proxy(token) for token in haven.partners]
            figure = workload.sustained(haven, clients, households, n, args.seed + n)["households_per_s"]
        elif args.workload == "bulk":
            figure = workload.bulk(haven, partner, households, n, 500, args.seed + n)[1]
        elif args.workload == "get":
            import random
            figure = workload.percentile(workload.get_household_latency(partner, ids, n, random.Random(1)), 50)
        else:
            figure = workload.percentile(workload.register_latency(partner, households, n)[0], 50)
        elapsed = time.perf_counter() - started
        used = CpuMeter.delta(before, meter.snapshot())
        for process in spies:
            process.send_signal(2)
        for process in spies:
            process.wait(30)
        print(f"\n{args.workload}: {figure:.2f} ({'households/s' if args.workload in ('sustained', 'bulk') else 'ms p50'}"
              f"), {elapsed:.1f}s wall; CPU seconds by component (per household in ms):")
        for name, seconds in sorted(used.items(), key=lambda item: -item[1]):
            print(f"  {name:28s} {seconds:7.2f}s  {1000.0 * seconds / n:8.2f} ms/household  "
                  f"{100.0 * seconds / elapsed:5.1f}% of a core")
        for name in processes:
            path = log_dir / f"profile-{name}.txt"
            if path.exists():
                print(f"\n== {name}")
                print(summarize(path, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
