"""The cost of one bulk registration call (issue 10, point 4): ``register_households`` with 1,000 households of 30
members, realistic distinct names and adversarial identical ones, next to the baseline of 1,000 households of 4
measured in the same run. Each scenario gets a fresh database and its own registration process (``nameko run``), so
its peak RSS (VmHWM) is that scenario's; ``rounds`` calls are made one after the other in it (the later ones meet
the earlier ones' members as duplicate candidates, as a partner loading a caseload would). Meanwhile ``/health`` is
asked every 0.5 s: how many of those probes failed or took more than 2 s says whether the call starved it.

Alone: ``BENCH_PART=bulk_cost make bench`` (or ``python -m bench`` with it). A guard stops a process whose RSS passes
``BENCH_RSS_GUARD_MB`` (default 3,000) or a call past ``BENCH_CALL_TIMEOUT`` seconds (default 600): the figure then
says so instead of taking the machine down.
"""
import random
import time
import urllib.request
import uuid

import eventlet
import sqlalchemy as sa

from . import infra
from .stats import fmt, summary
from .workload import SYLLABLES

SCENARIOS = (  # name, members per household, names
    ("x4_realistic", 4, "realistic"),
    ("x30_realistic", 30, "realistic"),
    ("x30_adversarial", 30, "identical"),
)
SIZES = {"tiny": 20, "short": 1000, "full": 1000}
PREFIX = "bulk_cost_"  # in every figure name; run.table leaves them to table() below


class Payloads:
    """Households for one scenario: ``realistic`` names are drawn from syllables (a family name per household, a
    given name per member, as distinct as a real caseload); ``identical`` gives every member the same name and
    birth date, the worst case for duplicate detection."""

    def __init__(self, site_id, members, names, seed):
        self.site_id, self.members, self.names = site_id, members, names
        self.rng = random.Random(seed)

    def _name(self, parts):
        return "".join(self.rng.choice(SYLLABLES) for _ in range(parts)).capitalize()

    def household(self):
        rng = self.rng
        family = self._name(3)
        members = []
        for index in range(self.members):
            relationship = "head" if index == 0 else ("spouse" if index == 1 else "child" if index < 8 else
                                                      "other_relative")
            if self.names == "identical":
                member = {"given_name": "Amina", "family_name": "Juma", "date_of_birth": "1990-01-01"}
            else:
                member = {"given_name": self._name(3), "family_name": family,
                          "age_years": rng.randint(18, 70) if index < 2 else rng.randint(0, 40)}
            members.append({**member, "sex": rng.choice(("female", "male")), "relationship": relationship})
        return {"site_id": self.site_id, "consent": True, "members": members}

    def batch(self, count):
        return [self.household() for _ in range(count)]


class HealthProbe:
    """``GET /health`` every ``interval`` seconds while a call runs: probes, failures (not 200 within 2 s), slowest."""

    def __init__(self, base_url, interval=0.5, timeout=2.0):
        self.base_url, self.interval, self.timeout = base_url, interval, timeout
        self.probes, self.failures, self.slowest = 0, 0, 0.0
        self._stop = False
        self._thread = None

    def _probe(self):
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(self.base_url + "/health", timeout=self.timeout) as response:
                ok = response.status == 200
        except Exception:
            ok = False
        self.probes += 1
        self.failures += 0 if ok else 1
        self.slowest = max(self.slowest, time.perf_counter() - started)

    def _run(self):
        while not self._stop:
            self._probe()
            eventlet.sleep(self.interval)

    def __enter__(self):
        self._thread = eventlet.spawn(self._run)
        return self

    def __exit__(self, *exc):
        self._stop = True
        self._thread.wait()


def _open_site(amqp_uri, engine, process):
    from haven_contracts import catalogue
    from haven_kernel.testing import publish_event
    site_id = str(uuid.uuid4())
    publish_event(amqp_uri, catalogue, "shelter", "site_opened", {
        "site_id": site_id, "name": "Bench camp", "site_type": "planned_camp", "adm1": "Sofala", "adm2": "Beira",
        "lat": -19.8, "lon": 34.8, "status": "open", "managing_agency": "IOM"})
    deadline = time.monotonic() + 60
    while True:
        process.check_alive()
        with engine.connect() as connection:
            if connection.execute(sa.text("SELECT count(*) FROM sites WHERE site_id = :s"),
                                  {"s": site_id}).scalar_one():
                return site_id
        if time.monotonic() > deadline:
            raise RuntimeError("registration did not learn the bench site within 60 s")
        eventlet.sleep(0.1)


def _guarded_call(proxy, batch, process, rss_guard_mb, timeout):
    """(seconds, results or None, why it stopped or None, peak RSS MB if it was stopped): the call, stopped (the
    process killed) if the process grows past the guard or the call outlasts ``timeout``."""
    finished = []

    def timed():
        results = proxy.registration.register_households(batch)
        finished.append(time.perf_counter())
        return results

    started = time.perf_counter()
    call = eventlet.spawn(timed)
    while not call.dead:
        elapsed = time.perf_counter() - started
        rss = infra.current_rss_mb(process.pid) or 0.0
        stopped = (f"stopped at {rss:,.0f} MB RSS after {elapsed:.0f} s" if rss > rss_guard_mb else
                   f"stopped after {timeout:.0f} s" if elapsed > timeout else None)
        if stopped:
            peak = process.peak_rss_mb()
            process.kill()
            call.kill()
            return elapsed, None, stopped, peak
        eventlet.sleep(0.2)
    results = call.wait()
    return finished[0] - started, results, None, None


def measure(servers, vhost, databases, log_dir, scale_name, rounds, scenarios=SCENARIOS, say=print, env=None):
    """Run each scenario; returns ({figure name: figure}, [rows for the table])."""
    import os

    from haven_kernel.testing import make_token, rpc_client
    households = SIZES.get(scale_name, 1000)
    rss_guard_mb = float(os.environ.get("BENCH_RSS_GUARD_MB", 3000))
    timeout = float(os.environ.get("BENCH_CALL_TIMEOUT", 600))
    token = make_token("registration:write", "registration:read", org="IOM", sub="bench-bulk-cost")
    figures = {}
    for name, size, names in scenarios:
        url = databases.create(name, "haven_registration")
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        process = infra.start_one("registration", vhost.amqp_uri, url, log_dir / f"{name}.log", env)
        try:
            site_id = _open_site(vhost.amqp_uri, engine, process)
            payloads = Payloads(site_id, size, names, seed=len(name))
            seconds, refused, stopped, peak = [], 0, None, None
            with HealthProbe(process.base_url) as probe, \
                    rpc_client(vhost.amqp_uri, token, timeout=timeout + 60) as rpc:
                for number in range(rounds):
                    batch = payloads.batch(households)
                    elapsed, results, stopped, peak = _guarded_call(rpc, batch, process, rss_guard_mb, timeout)
                    seconds.append(elapsed)
                    if stopped:
                        break
                    refused += sum(1 for r in results if "error" in r)
                    say(f"  {name} call {number + 1}/{rounds}: {elapsed:.1f} s")
            with engine.connect() as connection:
                links = connection.execute(sa.text("SELECT count(*) FROM possible_duplicates")).scalar_one()
            peak = peak or process.peak_rss_mb()
        finally:
            process.stop()
            engine.dispose()
        label = f"{households:,} x {size} {names}"
        figures[f"{PREFIX}{name}_seconds"] = summary(
            seconds, "s", label=f"register_households {label}: one call", stopped=stopped, refused=refused,
            health_probes=probe.probes, health_failures=probe.failures, health_slowest_s=round(probe.slowest, 3),
            links=links)
        figures[f"rss_peak_{PREFIX}{name}"] = {"median": peak, "min": peak, "max": peak, "unit": "MB",
                                               "reps": [peak], "label": f"register_households {label}: peak RSS"}
        say(f"  {name}: {fmt(summary(seconds, 's')['median'])} s per call, peak RSS {fmt(peak)} MB, /health "
            f"{probe.failures} of {probe.probes} probes failed (slowest {probe.slowest:.2f} s), {links:,} links"
            + (f"; {stopped}" if stopped else ""))
    return figures


def table(figures, scenarios=SCENARIOS):
    """The scenarios side by side, each over the baseline (the first scenario) measured in the same run."""
    base = PREFIX + scenarios[0][0]
    rows = [("register_households, one call", "s (median)", "min", "max", "x base", "peak RSS MB", "x base",
             "/health failed", "links")]
    for name, _, _ in scenarios:
        name = PREFIX + name
        if f"{name}_seconds" not in figures:
            continue
        t, rss = figures[f"{name}_seconds"], figures[f"rss_peak_{name}"]
        over = t["median"] / figures[f"{base}_seconds"]["median"]
        rss_over = (rss["median"] or 0) / (figures[f"rss_peak_{base}"]["median"] or 1)
        label = t["label"].replace("register_households ", "").replace(": one call", "")
        if t.get("stopped"):
            label += f" ({t['stopped']})"
        rows.append((label, fmt(t["median"]), fmt(t["min"]), fmt(t["max"]), fmt(over), fmt(rss["median"]),
                     fmt(rss_over), f"{t['health_failures']}/{t['health_probes']}", f"{t['links']:,}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(row, widths))).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
