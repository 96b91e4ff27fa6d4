"""The checker on histories made by hand: it finds what it is meant to find (a checker that cannot fail proves
nothing), and does not count what is allowed (an unknown outcome stored or not, calls that overlapped)."""
import pytest

from faultkit.checker import State, check
from faultkit.workload import Op

pytestmark = pytest.mark.unit

SITE = "site-a"


def op(index, outcome="ok", invoked=None, completed=None):
    invoked = float(index) if invoked is None else invoked
    if completed is None and outcome != "unknown":
        completed = invoked + 0.5
    return Op(index=index, client=0, marker=f"m{index}", site_id=SITE, size=2, invoked=invoked,
              completed=completed, outcome=outcome, household_id=f"h{index}" if outcome == "ok" else None)


def state(households, shelter=None, facts=None, counts=None):
    """``households``: [(household id, marker)]; shelter: {household id: (status, queue number)}; by default every
    household is allocated in shelter and known to reporting, and reporting's counts agree."""
    registration = [(hid, marker, SITE, 1, 2) for hid, marker in households]
    shelter = shelter if shelter is not None else {hid: ("allocated", None) for hid, _ in households}
    shelter_rows = [(hid, SITE, status, f"u-{hid}" if status == "allocated" else None, number, 2, 1)
                    for hid, (status, number) in shelter.items()]
    facts = facts if facts is not None else [(hid, 1, SITE, 2) for hid, _ in households]
    if counts is None:
        counts = {(SITE, "households"): len(households)}
        for status, key in (("allocated", "allocated_households"), ("waitlisted", "waitlisted_households")):
            n = sum(1 for s, _ in shelter.values() if s == status)
            if n:
                counts[(SITE, key)] = n
    return State(registration=registration, shelter=shelter_rows, reporting_facts=facts, reporting_counts=counts)


def test_every_operation_present_once_is_clean():
    ops = [op(0), op(1), op(2, "unknown"), op(3, "fail")]
    verdict = check(ops, state([("h0", "m0"), ("h1", "m1"), ("h2", "m2")]))
    assert verdict.summary() == {"ops": 4, "ok": 2, "fail": 1, "unknown": 1, "lost": 0, "doubled": 0,
                                 "failed_but_stored": 0, "passed_over": 0, "count_errors": 0, "stale": 0}
    assert verdict.converged


def test_an_acknowledged_operation_missing_is_lost_an_unknown_one_is_not():
    verdict = check([op(0), op(1, "unknown")], state([]))
    assert verdict.lost == [("m0", "registration")]


def test_two_households_for_one_operation_are_doubled_whatever_its_outcome():
    ops = [op(0), op(1, "unknown")]
    verdict = check(ops, state([("h0", "m0"), ("h0b", "m0"), ("h1", "m1"), ("h1b", "m1"), ("h1c", "m1")]))
    assert sorted(verdict.doubled) == [("m0", 2), ("m1", 3)]
    assert verdict.summary()["doubled"] == 3  # extra households


def test_a_definite_failure_that_was_stored_anyway_is_reported():
    verdict = check([op(0, "fail")], state([("h0", "m0")]))
    assert verdict.failed_but_stored == ["m0"]


def test_a_household_shelter_or_reporting_never_got_is_lost_there_and_not_converged():
    households = [("h0", "m0"), ("h1", "m1")]
    verdict = check([op(0), op(1)], state(households, shelter={"h0": ("allocated", None)},
                                          facts=[("h0", 1, SITE, 2)]))
    assert sorted(verdict.lost) == [("h1", "reporting"), ("h1", "shelter")]
    assert not verdict.converged


def test_reporting_counting_a_site_wrong_is_a_count_error():
    households = [("h0", "m0")]
    verdict = check([op(0)], state(households, counts={(SITE, "households"): 2, (SITE, "allocated_households"): 1}))
    assert verdict.count_errors == [(SITE, "households", 2, 1)]


def test_an_older_version_downstream_is_stale():
    households = [("h0", "m0")]
    verdict = check([op(0)], state(households, facts=[("h0", 0 + 1, SITE, 3)]))
    assert verdict.stale == [("h0", "reporting")]


def test_a_household_waiting_while_a_later_one_got_a_unit_is_passed_over():
    # h0 was acknowledged (t=0.5) before h1 was sent (t=1): h1 got the unit, h0 waits.
    ops = [op(0), op(1)]
    verdict = check(ops, state([("h0", "m0"), ("h1", "m1")],
                               shelter={"h0": ("waitlisted", 1), "h1": ("allocated", None)}))
    assert verdict.passed_over == [("h0", SITE, "a later household got a unit")]


def test_calls_that_overlapped_are_not_ordered():
    # h0's reply came back (t=1.5) after h1 was sent (t=1): either may go first.
    ops = [op(0, completed=1.5), op(1)]
    verdict = check(ops, state([("h0", "m0"), ("h1", "m1")],
                               shelter={"h0": ("waitlisted", 1), "h1": ("allocated", None)}))
    assert verdict.passed_over == []


def test_a_queue_place_behind_a_later_household_is_passed_over():
    ops = [op(0), op(1), op(2)]
    verdict = check(ops, state([("h0", "m0"), ("h1", "m1"), ("h2", "m2")],
                               shelter={"h0": ("allocated", None), "h1": ("waitlisted", 2),
                                        "h2": ("waitlisted", 1)}))
    assert verdict.passed_over == [("h1", SITE, "a later household is ahead in the queue")]


def test_a_household_shelter_never_placed_is_passed_over_by_later_allocations():
    ops = [op(0), op(1)]
    verdict = check(ops, state([("h0", "m0"), ("h1", "m1")], shelter={"h1": ("allocated", None)}))
    assert ("h0", SITE, "a later household got a unit") in verdict.passed_over
    assert ("h0", "shelter") in verdict.lost
