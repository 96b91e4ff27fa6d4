"""The broker and the databases go away mid-burst and come back: a transient outage of the infrastructure is not
the events' fault. Nothing may be lost, doubled, dead-lettered or served out of turn because of it."""
import pytest

from faultkit.faults import broker_restart, database_outage
from faultkit.scenario import assert_clean

pytestmark = [pytest.mark.system, pytest.mark.faults]


def test_broker_restart(scenario):
    """The test's own RabbitMQ node stopped and started: durable queues and persistent messages carry every event
    across. Finding 6: a reply that cannot be published no longer kills the service (the request goes back to its
    queue and is answered from the RPC inbox); finding 1: requests committed before the broker went away are not
    registered again."""
    assert_clean(scenario("broker restart", broker_restart(at=0.3, down_seconds=3)))


def test_shelter_database_short_outage(scenario):
    """Finding 2: shelter's events fail while its database is down, wait in retry queues and come back behind newer
    ones: households registered later get the units first. Shorter than the retry budget (3.5 s here), while the
    last units are being given out (40 units for 200 households; the outage begins at the 30th)."""
    assert_clean(scenario("shelter db down 3s", database_outage("shelter", at=0.15, down_seconds=3),
                          units_per_site=20))


def test_shelter_database_long_outage(scenario):
    """Finding 3: an outage longer than the retry budget dead-letters the events it hit (registered, counted, and
    neither housed nor waitlisted). Late in the burst, while units remain (190 for 200 households), so that the
    events it hits are few enough to run through their attempts within the outage: the failed attempts go one at a
    time (a failed batch is applied again event by event), a few a second."""
    assert_clean(scenario("shelter db down 15s", database_outage("shelter", at=0.9, down_seconds=15),
                          units_per_site=95))


def test_registration_database_outage(scenario):
    """Registration's own database down: partners get errors (unknown outcomes), nothing acknowledged is lost and
    the outbox catches up."""
    assert_clean(scenario("registration db down 4s", database_outage("registration", at=0.3, down_seconds=4)))
