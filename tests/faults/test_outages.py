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
    """Finding 2: shelter's events failing while its database was down went to retry queues and came back behind
    newer ones, so households registered later got the units first. Now the consumer holds them, in order, until
    the database answers, and the waitlist goes by registration time. While the last units are being given out (40
    units for 200 households; the outage begins at the 30th)."""
    assert_clean(scenario("shelter db down 3s", database_outage("shelter", at=0.15, down_seconds=3),
                          units_per_site=20))


def test_shelter_database_long_outage(scenario):
    """Finding 3: an outage longer than the retry budget dead-lettered the events it hit (registered, counted, and
    neither housed nor waitlisted). Now a database failure spends no attempt: the consumer pauses, probes and
    resumes, and nothing reaches the dead letters. Late in the burst, while units remain (190 for 200 households)."""
    assert_clean(scenario("shelter db down 15s", database_outage("shelter", at=0.9, down_seconds=15),
                          units_per_site=95))


def test_registration_database_outage(scenario):
    """Registration's own database down: partners get ServiceUnavailable (finding 7: it was InternalError) and retry
    with their idempotency keys; nothing acknowledged is lost or doubled and the outbox catches up."""
    result = scenario("registration db down 4s", database_outage("registration", at=0.3, down_seconds=4))
    assert_clean(result)
    errors = {kind for op in result.ops for kind in op.errors}
    assert "InternalError" not in errors, f"a database outage is not an internal error: {errors}"
