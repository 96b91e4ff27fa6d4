"""No fault at all: the checker's zero, and the convergence time every fault is compared with."""
import pytest

pytestmark = [pytest.mark.system, pytest.mark.faults]


def test_no_fault(scenario):
    result = scenario("no fault")
    v = result.verdict
    assert (v.ok, len(v.lost), len(v.doubled), len(v.passed_over), result.dead_lettered) == (200, 0, 0, 0, 0)
    assert result.convergence is not None
