"""A Jepsen-style checker: the history of partner operations against what each service holds at the end.

Every operation is classified by the copies of its marker in registration:

* **present once** — one household;
* **lost** — an acknowledged operation with no household; or a registered household that shelter or reporting does
  not know once the system has converged (a dead-lettered event, a projection that missed it);
* **doubled** — two or more households for one operation (a redelivered request applied again); also a site's
  count in reporting above what registration holds;
* **failed but stored** — a definite failure (a typed error) whose household exists anyway.

An unknown outcome may be present once or not at all; it is never lost, but it may be doubled.

**Passed over** (first come, first served, per site): units are given in registration order, so a household without
a unit must not see one given to a household registered *after* it, and the waitlist must keep the same order. "After"
is real time as the clients saw it: H precedes G when H's reply came back before G was sent (concurrent calls are
not ordered). A household passed over is counted once, whether by an allocation or by a place in the queue.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass, field

PLACED = ("allocated", "waitlisted")


@dataclass
class State:
    """What the services hold, read straight from their databases."""

    registration: list        # [(household_id, marker, site_id, version, size)]
    shelter: list             # [(household_id, site_id, status, unit_id, queue_number, persons, version)]
    reporting_facts: list     # [(household_id, version, site_id, size)]
    reporting_counts: dict    # {(site_id, key): value} for keys households, allocated_households, waitlisted_households
    outbox_backlog: dict = field(default_factory=dict)  # {service: unsent rows}

    def fingerprint(self):
        return (len(self.registration), tuple(sorted(Counter(s[2] for s in self.shelter).items())),
                len(self.reporting_facts), tuple(sorted(self.reporting_counts.items())),
                tuple(sorted(self.outbox_backlog.items())))


@dataclass
class Verdict:
    ops: int
    ok: int
    fail: int
    unknown: int
    lost: list = field(default_factory=list)            # [(marker or household id, where)]
    doubled: list = field(default_factory=list)         # [(marker, copies)]
    failed_but_stored: list = field(default_factory=list)
    passed_over: list = field(default_factory=list)     # [(household_id, site_id, how)]
    count_errors: list = field(default_factory=list)    # [(site_id, key, reporting, truth)]
    stale: list = field(default_factory=list)           # [(household_id, service)]: an older version than
    #                                                     registration's (an out-of-order event applied over a newer)

    @property
    def converged(self):
        """Every service agrees with registration (what the checker waits for; loss and doubling aside)."""
        return not [l for l in self.lost if l[1] != "registration"] and not self.count_errors and not self.stale

    def summary(self):
        return {"ops": self.ops, "ok": self.ok, "fail": self.fail, "unknown": self.unknown, "lost": len(self.lost),
                "doubled": sum(copies - 1 for _, copies in self.doubled), "failed_but_stored":
                    len(self.failed_but_stored), "passed_over": len(self.passed_over),
                "count_errors": len(self.count_errors), "stale": len(self.stale)}


def check(ops, state):
    outcomes = Counter(op.outcome or "unknown" for op in ops)
    verdict = Verdict(ops=len(ops), ok=outcomes["ok"], fail=outcomes["fail"], unknown=outcomes["unknown"])
    copies = defaultdict(list)
    for household_id, marker, *_ in state.registration:
        copies[marker].append(household_id)
    op_of = {}
    for op in ops:
        found = copies.get(op.marker, [])
        if op.outcome == "ok" and not found:
            verdict.lost.append((op.marker, "registration"))
        if len(found) > 1:
            verdict.doubled.append((op.marker, len(found)))
        if op.outcome == "fail" and found:
            verdict.failed_but_stored.append(op.marker)
        for household_id in found:
            op_of[household_id] = op

    # Downstream: every registered household known to shelter (with a place) and to reporting.
    shelter = {row[0]: row for row in state.shelter}
    facts = {row[0]: row for row in state.reporting_facts}
    truth = Counter()
    for household_id, marker, site_id, version, size in state.registration:
        truth[(site_id, "households")] += 1
        row = shelter.get(household_id)
        if row is None or row[2] not in PLACED:
            verdict.lost.append((household_id, "shelter"))
        elif (row[6], row[5]) != (version, size):
            verdict.stale.append((household_id, "shelter"))
        fact = facts.get(household_id)
        if fact is None or not fact[1]:
            verdict.lost.append((household_id, "reporting"))
        elif (fact[1], fact[3]) != (version, size):
            verdict.stale.append((household_id, "reporting"))
    for household_id, site_id, status, *_ in state.shelter:
        if status == "allocated":
            truth[(site_id, "allocated_households")] += 1
        elif status == "waitlisted":
            truth[(site_id, "waitlisted_households")] += 1
    for key in set(truth) | set(state.reporting_counts):
        if state.reporting_counts.get(key, 0) != truth.get(key, 0):
            verdict.count_errors.append((key[0], key[1], state.reporting_counts.get(key, 0), truth.get(key, 0)))

    verdict.passed_over = passed_over(state, op_of, shelter)
    return verdict


def passed_over(state, op_of, shelter):
    """Households at a site left without a unit (waitlisted, or not placed at all) while a household registered
    after them got one, or placed in the queue behind one registered after them."""
    by_site = defaultdict(list)
    for household_id, marker, site_id, *_ in state.registration:
        op = op_of.get(household_id)
        if op is not None:
            by_site[site_id].append((household_id, op))
    found = []
    for site_id, households in by_site.items():
        allocated = [op.invoked for hid, op in households if shelter.get(hid, (0, 0, None))[2] == "allocated"]
        latest_allocated = max(allocated, default=None)
        waiting = [(hid, op, shelter[hid][4]) for hid, op in households
                   if hid in shelter and shelter[hid][2] == "waitlisted"]
        for household_id, op in households:
            status = shelter.get(household_id, (0, 0, None))[2]
            if status == "allocated" or op.completed is None:
                continue  # served, or its reply never came back (not ordered against anyone)
            if latest_allocated is not None and op.completed < latest_allocated:
                found.append((household_id, site_id, "a later household got a unit"))
                continue
            if status == "waitlisted":
                number = shelter[household_id][4]
                if any(other.invoked > op.completed and other_number < number
                       for _, other, other_number in waiting):
                    found.append((household_id, site_id, "a later household is ahead in the queue"))
    return found
