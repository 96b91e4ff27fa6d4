"""kill -9 of each service in the middle of a burst of registrations, then a restart.

A crash may lose nothing a partner was told was stored, may store nothing twice, and may not let anyone be passed
over; the restarted service catches up on its own.
"""
import pytest

from faultkit.faults import kill_and_restart, kill_behind_dead_link
from faultkit.scenario import assert_clean

pytestmark = [pytest.mark.system, pytest.mark.faults]


def test_kill_registration(scenario):
    """Finding 1: registration commits, dies before the broker has the request's acknowledgement, the request is
    delivered again; the RPC inbox answers it with the stored reply instead of registering it a second time."""
    assert_clean(scenario("kill -9 registration", kill_and_restart("registration", at=(0.2, 0.45, 0.7))))


def test_kill_shelter(scenario):
    assert_clean(scenario("kill -9 shelter", kill_and_restart("shelter", at=(0.25,))))


def test_kill_reporting(scenario):
    assert_clean(scenario("kill -9 reporting", kill_and_restart("reporting", at=(0.25,))))


@pytest.mark.xfail(reason="finding 5 (issue 11): the deliveries held by a dead consumer connection come back only "
                          "when the broker gives up on it (about three heartbeats: 30 s with HEARTBEAT 10); the "
                          "restarted consumer serves the newer events meanwhile, so the held households are passed "
                          "over for units. Convergence is bounded now; the order is not", strict=True)
def test_kill_shelter_behind_a_dead_link(scenario):
    """Finding 5, the cause: convergence after a consumer restart waits for the broker to give up on the old
    consumer's connection. Until it does, it holds the deliveries prefetched by the dead process (up to
    EVENT_PREFETCH_COUNT, 100, per queue); the restarted consumer meanwhile takes the newer events behind them.
    The test never cuts the dead link itself: the broker's heartbeat check must (measured: 181 s with nameko's
    default HEARTBEAT of 60 s, ~30 s with the services' HEARTBEAT of 10 s)."""
    result = scenario("kill -9 shelter, dead link", kill_behind_dead_link("shelter", link_dies_after=600), bound=90)
    assert result.convergence is not None and result.convergence < 60, "the broker let the dead link go"
    assert_clean(result)
