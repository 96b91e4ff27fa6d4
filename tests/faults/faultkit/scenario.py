"""One fault scenario: a burst of registrations, a fault injected in the middle of it, and the wait until every
service agrees again (convergence), then the checker's verdict, the dead letters and a row of the table."""
import time
from collections import Counter
from dataclasses import dataclass, field

import eventlet
from kombu import Connection

from .checker import State, check
from .haven import SERVICES
from .report import details, table

QUIET_SECONDS = 6.0  # nothing moved for this long, no message waiting anywhere: waiting longer changes nothing


@dataclass
class Result:
    scenario: str
    fault: str
    verdict: object
    convergence: float = None        # seconds from the end of the fault (or of the burst) until all agree; None: never
    bound: float = None
    dead_letters: Counter = field(default_factory=Counter)    # {(service, error type): count}
    notes: list = field(default_factory=list)
    timeline: list = field(default_factory=list)
    exits: list = field(default_factory=list)                 # [(service, exit code)] no fault asked for
    settled_apart: bool = False      # stopped waiting early: nothing moved, nothing queued, and still no agreement

    @property
    def dead_lettered(self):
        return sum(self.dead_letters.values())

    def row(self):
        s = self.verdict.summary()
        return {"scenario": self.scenario, "operations": s["ops"], "ok": s["ok"], "unknown": s["unknown"],
                "fail": s["fail"], "lost": s["lost"], "doubled": s["doubled"], "passed_over": s["passed_over"],
                "dead_letters": self.dead_lettered,
                "convergence": None if self.convergence is None else round(self.convergence, 1),
                "bound": self.bound, "settled_apart": self.settled_apart, "fault": self.fault}


def read_state(deployment):
    registration = deployment.read("registration", """
        SELECT h.id, m.family_name, h.site_id, h.version, h.size FROM households h
        JOIN members m ON m.household_id = h.id AND m.position = 0""", rows=True)
    shelter = deployment.read("shelter", "SELECT id, site_id, status, unit_id, queue_number, persons, version "
                              "FROM households",
                              rows=True)
    facts = deployment.read("reporting", "SELECT household_id, version, site_id, size FROM household_facts", rows=True)
    counts = {(site_id, key): int(value) for site_id, key, value in deployment.read("reporting", """
        SELECT site_id, key, value FROM site_counters
        WHERE (dimension = 'population' AND key = 'households')
           OR (dimension = 'shelter' AND key IN ('allocated_households', 'waitlisted_households'))""", rows=True)
        if value}
    backlog = {service: deployment.read(service, "SELECT count(*) FROM outbox_events WHERE published_at IS NULL")[0]
               for service in SERVICES}
    return State(registration=[tuple(r) for r in registration], shelter=[tuple(r) for r in shelter],
                 reporting_facts=[tuple(r) for r in facts], reporting_counts=counts, outbox_backlog=backlog)


def dead_letters(deployment):
    """{(service, error type): count} of every dead-lettered message (taken off the queues: the scenario is over)."""
    found = Counter()
    with Connection(deployment.amqp_uri, connect_timeout=5) as connection:
        channel = connection.channel()
        for service in SERVICES:
            queue = f"haven.{service}.dead-letters"
            try:
                channel.queue_declare(queue=queue, passive=True)
            except Exception:
                channel = connection.channel()
                continue
            while True:
                message = channel.basic_get(queue=queue, no_ack=True)
                if message is None:
                    break
                headers = message.properties.get("application_headers") or {}
                found[(service, headers.get("x-haven-error-type", "no reason given"))] += 1
    return found


def waiting_messages(deployment):
    """Messages ready or unacknowledged in the scenario's Haven queues (consumer, retry), rabbitmqctl's view."""
    queues = deployment.node.queues(deployment.vhost)
    return sum(ready + unacked for name, (ready, unacked) in queues.items()
               if name.startswith("haven.") and not name.endswith(".dead-letters"))


def run(deployment, burst, scenario, fault_name, fault=None, bound=60.0, before_check=None):
    """Run ``burst``; ``fault(deployment, burst, timeline)`` runs beside it and returns when the fault is over.
    Then wait (up to ``bound`` seconds after the later of the fault's end and the burst's end) until every service
    agrees with registration, and check."""
    timeline = []
    started = time.monotonic()
    supervisor = eventlet.spawn(deployment.supervise, timeline, started)
    burst.start()
    fault_thread = eventlet.spawn(fault, deployment, burst, timeline) if fault else None
    history = burst.wait()
    timeline.append((burst.finished - started, "burst done"))
    healed = burst.finished
    if fault_thread is not None:
        fault_thread.wait()
        healed = max(healed, time.monotonic())
    if before_check is not None:
        before_check(deployment, burst, timeline)
        healed = max(healed, time.monotonic())
    quiet_from = healed

    converged_at, last_fingerprint, still_since, settled_apart = None, None, time.monotonic(), False
    verdict = None
    while True:
        now = time.monotonic()
        try:
            state = read_state(deployment)
        except Exception as exc:  # a database still coming back
            timeline.append((now - started, f"state unreadable: {type(exc).__name__}"))
            eventlet.sleep(0.5)
            continue
        verdict = check(history.ops, state)
        if verdict.converged and not any(state.outbox_backlog.values()):
            converged_at = now
            break
        if now - quiet_from > bound:
            break
        fingerprint = state.fingerprint()
        if fingerprint != last_fingerprint:
            last_fingerprint, still_since = fingerprint, now
        elif (now - still_since > QUIET_SECONDS and all(thread.dead for thread in deployment.pending)
              and waiting_messages(deployment) == 0):
            timeline.append((now - started, "quiescent without agreeing: stop waiting"))
            settled_apart = True
            break
        eventlet.sleep(0.25)
    # Settle briefly, then read again: a late duplicate (a redelivered request) shows up in the final read.
    eventlet.sleep(1.0)
    supervisor.kill()
    verdict = check(history.ops, read_state(deployment))
    result = Result(scenario=scenario, fault=fault_name, verdict=verdict, bound=bound, timeline=timeline,
                    convergence=None if converged_at is None else max(0.0, converged_at - quiet_from),
                    settled_apart=settled_apart)
    result.exits = list(deployment.exits)
    result.notes.append(f"deployed in {deployment.deployed_in:.1f}s; burst {burst.finished - burst.started:.1f}s; "
                        f"checked {time.monotonic() - burst.finished:.1f}s after the burst")
    for service, code in deployment.exits:
        result.notes.append(f"{service} exited by itself during the scenario (code {code})")
    result.dead_letters = dead_letters(deployment)
    return result


def assert_clean(result, expected_dead_letters=None):
    """What every scenario promises: nothing lost, nothing doubled, nobody passed over, no dead letter (but those
    expected: the scenario's own poison), and every service in agreement within the scenario's bound."""
    row = result.row()
    problems = {key: row[key] for key in ("lost", "doubled", "passed_over") if row[key]}
    if result.dead_letters != Counter(expected_dead_letters or {}):
        problems["dead_letters"] = dict(result.dead_letters)
    if result.verdict.failed_but_stored:
        problems["failed_but_stored"] = len(result.verdict.failed_but_stored)
    if result.convergence is None:
        problems["convergence"] = f"not within {result.bound:.0f}s"
    if result.exits:
        problems["exited"] = result.exits
    assert not problems, f"{result.scenario}: {problems}\n{table([result])}\n{details([result])}"
