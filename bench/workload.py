"""Haven's figures: partner calls through the real RPC API, and the sitrep watched until it reflects them."""
import random
import time
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

import eventlet
from nameko.standalone.rpc import ClusterRpcProxy

from haven_kernel.testing import make_token

from . import infra
from .stats import percentile

SYLLABLES = ("ma", "ka", "ta", "na", "ra", "zu", "mbi", "lo", "che", "se", "du", "fa", "ngo", "wi", "ba", "ko", "ti",
             "yo", "ju", "sha", "ne", "pe", "vu", "gwa", "ri", "lu", "mo", "da", "hi", "ku")
PARTNERS = ("IOM", "CVM", "UNHCR", "WVI", "INGD", "MSF", "SCI", "CARE", "NRC", "IRC")
NEEDS = ("ER", "PG", "DS-PM", "SM-CI", "SP", "WR", "CR-CP")
UNITS_PER_CALL = 1000


class Households:
    """Synthetic households of 4 (head, spouse, two children), with names varied enough that duplicate detection
    finds few candidates, as in a real caseload of mostly distinct families."""

    def __init__(self, site_ids, seed=7):
        self.rng = random.Random(seed)
        self.site_ids = list(site_ids)
        self.counter = 0

    def _name(self, parts):
        return "".join(self.rng.choice(SYLLABLES) for _ in range(parts)).capitalize()

    def make(self):
        rng = self.rng
        self.counter += 1
        family = self._name(3)
        head_female = rng.random() < 0.4
        members = [
            {"given_name": self._name(3), "family_name": family, "sex": "female" if head_female else "male",
             "age_years": rng.randint(20, 60), "relationship": "head"},
            {"given_name": self._name(3), "family_name": family, "sex": "male" if head_female else "female",
             "age_years": rng.randint(19, 58), "relationship": "spouse"},
        ]
        for _ in range(2):
            members.append({"given_name": self._name(3), "family_name": family, "sex": rng.choice(("female", "male")),
                            "age_years": rng.randint(0, 17), "relationship": "child"})
        if rng.random() < 0.15:
            members[rng.randrange(4)]["specific_needs"] = [rng.choice(NEEDS)]
        return {"site_id": self.site_ids[self.counter % len(self.site_ids)], "consent": True, "members": members,
                "origin": {"adm1": "Sofala", "adm2": rng.choice(("Beira", "Buzi", "Dondo", "Nhamatanda"))}}

    def batch(self, count):
        return [self.make() for _ in range(count)]


class Haven:
    """Partner clients of a running Haven: tokens, proxies, and the ways to see what reporting reflects."""

    def __init__(self, amqp_uri, reporting_db=None):
        self.amqp_uri = amqp_uri
        self.reporting_db = reporting_db  # an Engine on reporting's database (fresh runs), for cheap progress polls
        self.admin = make_token("admin", org="IOM", sub="bench-admin")
        self.reader = make_token("reporting:read", org="OCHA", sub="bench-coordinator")
        self.partners = [make_token("registration:write", "registration:read", org=org, sub=f"bench-{org.lower()}")
                         for org in PARTNERS]
        self.caseworker = make_token("protection:read", "protection:write", "protection:caseworker", org="IOM",
                                     sub="bench-caseworker")
        self._stack = ExitStack()

    def proxy(self, token, timeout=120):
        config = {"AMQP_URI": self.amqp_uri}
        return self._stack.enter_context(ClusterRpcProxy(config, timeout=timeout,
                                                         context_data={"authorization": f"Bearer {token}"}))

    def close(self):
        self._stack.close()

    # -- set-up ------------------------------------------------------------------------------------------------------
    def open_sites(self, count, units_per_site):
        client = self.proxy(self.admin)
        site_ids = []
        tag = uuid.uuid4().hex[:6].upper()
        for index in range(count):
            site = client.shelter.create_site({
                "name": f"Bench site {index + 1} {tag}", "site_type": "planned_camp", "adm1": "Sofala",
                "adm2": ("Beira", "Buzi", "Dondo", "Nhamatanda")[index % 4], "lat": -19.8 + index * 0.001,
                "lon": 34.8, "managing_agency": "IOM", "code": f"BENCH-{tag}-{index + 1}"})
            left = units_per_site
            while left:
                batch = min(left, UNITS_PER_CALL)
                client.shelter.add_shelter_units(site["site_id"], [
                    {"unit_type": "family_tent", "covered_area_m2": 17.5, "count": batch}])
                left -= batch
            site_ids.append(site["site_id"])
        return site_ids

    def wait_sites_known(self, site_ids, timeout=120):
        """Until reporting knows every site (its site events went through) and registration can register there."""
        reader = self.proxy(self.reader)
        deadline = time.monotonic() + timeout
        wanted = set(site_ids)
        while True:
            known = {s["site_id"] for s in reader.reporting.get_sitrep()["sites"] if s["status"] == "open"}
            if wanted <= known:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"reporting knows {len(wanted & known)} of {len(wanted)} sites after {timeout}s")
            eventlet.sleep(0.2)

    # -- what the sitrep reflects -------------------------------------------------------------------------------------
    def reflected(self):
        """(households, households with a place: allocated or waitlisted), as the sitrep's totals show them."""
        if self.reporting_db is not None:
            from sqlalchemy import text
            with self.reporting_db.connect() as connection:
                rows = dict(connection.execute(text(
                    "SELECT key, COALESCE(SUM(value), 0) FROM site_counters WHERE (dimension = 'population' AND "
                    "key = 'households') OR (dimension = 'shelter' AND key IN ('allocated_households', "
                    "'waitlisted_households')) GROUP BY key")).all())
            return (int(rows.get("households", 0)),
                    int(rows.get("allocated_households", 0)) + int(rows.get("waitlisted_households", 0)))
        totals = self.proxy(self.reader).reporting.get_sitrep()["totals"]
        return totals["households"], totals["allocated_households"] + totals["waitlisted_households"]

    def wait_reflected(self, households, timeout=600):
        """Time (perf_counter) at which the sitrep first reflects ``households`` households, each with a place."""
        interval = 0.01 if self.reporting_db is not None else 0.25
        deadline = time.monotonic() + timeout
        while True:
            seen, placed = self.reflected()
            if seen >= households and placed >= households:
                return time.perf_counter()
            if time.monotonic() > deadline:
                raise RuntimeError(f"the sitrep reflects {seen} households ({placed} placed) of {households} "
                                   f"after {timeout}s")
            eventlet.sleep(interval)

    def confirm_sitrep(self, households):
        totals = self.proxy(self.reader).reporting.get_sitrep()["totals"]
        if totals["households"] < households:
            raise RuntimeError(f"get_sitrep shows {totals['households']} households, expected {households}")
        return totals["households"]

    def event_lag(self, since_wall):
        """Per-event projection lag (received_at - occurred_at) of household_registered events archived since."""
        if self.reporting_db is None:
            return []
        from sqlalchemy import text
        with self.reporting_db.connect() as connection:
            return [float(v) for (v,) in connection.execute(text(
                "SELECT EXTRACT(EPOCH FROM received_at - occurred_at) FROM archived_events "
                "WHERE event_type = 'household_registered' AND occurred_at >= to_timestamp(:since)"),
                {"since": since_wall}).all()]


# -- the measurements --------------------------------------------------------------------------------------------------
def timed(fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    return (time.perf_counter() - started) * 1000, result


def open_protection_cases(haven, site_ids, count):
    """``count`` child-protection cases (a person not registered, a narrative) for the bench's caseworker: their ids."""
    client = haven.proxy(haven.caseworker)
    return [client.protection.open_case({
        "case_type": "child_protection", "person": {"name": f"Bench child {n}", "sex": "female", "age_years": 12},
        "concerns": ["family_separation"], "specific_needs": ["SC-UC"], "risk": "high",
        "uasc_status": "unaccompanied", "site_id": site_ids[n % len(site_ids)],
        "narrative": "Found alone near the distribution point; " * 5})["case_id"] for n in range(count)]


def read_latency(call, ids, count, rng):
    """Milliseconds of ``count`` calls of ``call`` on ids drawn from ``ids``."""
    return [timed(call, rng.choice(ids))[0] for _ in range(count)]


def get_case_latency(client, case_ids, count, rng):
    """protection.get_case as the assigned caseworker: decryption and the access-log row included."""
    return read_latency(client.protection.get_case, case_ids, count, rng)


def get_household_latency(client, household_ids, count, rng):
    return read_latency(client.registration.get_household, household_ids, count, rng)


def register_latency(client, households, count):
    latencies, ids = [], []
    for payload in households.batch(count):
        ms, result = timed(client.registration.register_household, payload)
        latencies.append(ms)
        ids.append(result["household_id"])
    return latencies, ids


def sustained(haven, clients, households, count, expected_total, lag_interval=0.5):
    """``count`` single-household registrations from len(clients) concurrent partner clients; households/s until
    the sitrep reflects every one, plus the sitrep's lag_seconds sampled meanwhile and per-event lag."""
    payloads = households.batch(count)
    shares = [payloads[i::len(clients)] for i in range(len(clients))]
    lags = []
    stop = [False]
    reader = haven.proxy(haven.reader)

    def sample_lag():
        while not stop[0]:
            lag = reader.reporting.get_sitrep()["lag_seconds"]
            if lag is not None:
                lags.append(lag)
            eventlet.sleep(lag_interval)

    def partner(client, share):
        for payload in share:
            client.registration.register_household(payload)

    since_wall = time.time()
    started = time.perf_counter()
    sampler = eventlet.spawn(sample_lag)
    threads = [eventlet.spawn(partner, client, share) for client, share in zip(clients, shares)]
    for thread in threads:
        thread.wait()
    done = haven.wait_reflected(expected_total)
    stop[0] = True
    sampler.wait()
    return {"households_per_s": count / (done - started), "lag_samples": lags,
            "event_lag": haven.event_lag(since_wall)}


def bulk(haven, client, households, count, batch_size, expected_total):
    """``register_households`` in calls of ``batch_size`` from one partner: (committed/s, end-to-end/s)."""
    batches = [households.batch(min(batch_size, count - start)) for start in range(0, count, batch_size)]
    started = time.perf_counter()
    for batch in batches:
        results = client.registration.register_households(batch)
        errors = [r for r in results if "error" in r]
        if errors:
            raise RuntimeError(f"bulk registration refused {len(errors)} households: {errors[0]}")
    committed = time.perf_counter()
    done = haven.wait_reflected(expected_total, timeout=max(600.0, count / 10.0))
    return count / (committed - started), count / (done - started)


def sitrep_latency(reader, count):
    for _ in range(2):
        reader.reporting.get_sitrep()
    return [timed(reader.reporting.get_sitrep)[0] for _ in range(count)]


def p50_p99(values):
    return percentile(values, 50), percentile(values, 99)


@dataclass
class Fresh:
    """What :func:`fresh_haven` started: ``database_tag`` is its databases' common prefix (for ``CpuMeter``)."""

    haven: Haven
    urls: dict
    processes: dict
    site_ids: list
    log_dir: object
    database_tag: str


@contextmanager
def fresh_haven(kind, sites, units_per_site):
    """For the bench's side tools (``bench.profile``, ``bench.sitrep_growth``): Haven started fresh as ``make bench``
    starts it (a vhost and databases of its own, ``nameko run`` processes, logs under ``var/bench/<kind>-<time>/``),
    ``sites`` opened with ``units_per_site`` units and known to every service. Yields a :class:`Fresh`; stops and
    removes everything afterwards."""
    tag = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ").lower()
    log_dir = infra.ROOT / "var" / "bench" / f"{kind}-{tag}"
    log_dir.mkdir(parents=True, exist_ok=True)
    servers = infra.infrastructure()
    vhost = infra.Vhost(servers, kind[0] + tag)
    databases = infra.Databases(servers["database_url"], kind[0] + tag)
    processes, haven = {}, None
    try:
        urls = {service: databases.create(service, f"haven_{service}") for service in infra.HAVEN_SERVICES}
        processes = infra.start_haven(vhost.amqp_uri, urls, log_dir)
        haven = Haven(vhost.amqp_uri, reporting_db=infra.engine(urls["reporting"]))
        site_ids = haven.open_sites(sites, units_per_site)
        haven.wait_sites_known(site_ids)
        yield Fresh(haven, urls, processes, site_ids, log_dir, f"haven_bench_{kind[0]}{tag}")
    finally:
        if haven is not None:
            haven.close()
        for process in processes.values():
            process.stop()
        vhost.delete()
        databases.drop_all()
