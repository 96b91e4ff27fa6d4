"""The services' connections cut and black-holed through the suite's proxy."""
import pytest

from faultkit.faults import blackhole, cut_links, partition_then_kill
from faultkit.scenario import assert_clean

pytestmark = [pytest.mark.system, pytest.mark.faults]

SERVICES = ("registration", "shelter", "reporting")


def test_broker_connections_cut(scenario):
    """Every broker connection of every service reset at once: they reconnect and carry on."""
    assert_clean(scenario("broker links cut", cut_links(SERVICES, at=0.3)))


def test_shelter_database_blackholed(scenario):
    """Shelter's database stops answering (packets vanish) for a while, then answers again."""
    assert_clean(scenario("shelter db black-holed 6s", blackhole("shelter", route="db", at=0.2, seconds=6)))


def test_registration_partitioned_then_killed(scenario):
    """Finding 1, every time before the RPC inbox: registration's replies and acknowledgements are black-holed, it
    commits every request it is given (its prefetch window), dies with their acknowledgements unsent, and the broker
    delivers them again: each is answered from the inbox, none registered twice."""
    assert_clean(scenario("registration partitioned, killed", partition_then_kill("registration", at=0.3,
                                                                                   seconds=3)))
