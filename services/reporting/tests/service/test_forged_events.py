"""Issue 10 point 3, the forgeries: events published by a broker account that is not their producer's (here one
with every permission on the vhost, as a careless set-up would give a partner) never reach the sitrep or the 3W;
each is dead-lettered (the consumer checks the broker-validated ``user_id``, haven_kernel.messaging.producers)."""
import pytest
from kombu import Connection, Producer

from haven_kernel.events import dead_letter_queue_name
from haven_kernel.messaging import events_exchange
from haven_kernel.testing import get_messages, queue_depth, temporary_broker_user, wait_until

pytestmark = pytest.mark.service


def test_forged_registrations_and_a_forged_site_closure_are_dead_lettered(reporting, events, infrastructure):
    site = events.site(adm1="Sofala", adm2="Buzi")
    reporting.publish("shelter", "site_opened", site)
    genuine = events.household(site["site_id"], org="IOM")
    reporting.publish("registration", "household_registered", genuine)
    reporting.wait_archived(2)
    before = reporting.sitrep()

    forged = [events.envelope("registration", "household_registered", events.household(site["site_id"],
                                                                                       org="FORGED-ORG"))
              for _ in range(50)]
    closure = events.envelope("shelter", "site_closed", {**site, "status": "closed"})
    with temporary_broker_user(infrastructure, reporting.amqp_uri) as forger:
        with Connection(forger, transport_options={"confirm_publish": True}) as connection:
            producer = Producer(connection.channel())
            for number, envelope in enumerate(forged):
                # Half without user_id, half with the forger's own (the broker refuses anyone else's).
                extra = {"user_id": forger.split("//")[1].split(":")[0]} if number % 2 else {}
                producer.publish(envelope, exchange=events_exchange("registration"),
                                 routing_key="household_registered", serializer="json", **extra)
            producer.publish(closure, exchange=events_exchange("shelter"), routing_key="site_closed",
                             serializer="json")

    dead_letters = dead_letter_queue_name("reporting")
    wait_until(lambda: queue_depth(reporting.amqp_uri, dead_letters) == 51, timeout=30,
               message="51 forgeries dead-lettered")
    reporting.publish("registration", "household_registered", events.household(site["site_id"], org="IOM"))
    reporting.wait_archived(3)
    after = reporting.sitrep()
    assert after["totals"]["households"] == before["totals"]["households"] + 1 == 2
    with reporting.client() as client:
        assert "FORGED-ORG" not in str(client.reporting.get_3w())
        assert client.reporting.get_site_profile(site["site_id"])["status"] == "open"
    dead = get_messages(reporting.amqp_uri, dead_letters)
    assert {headers["x-haven-error-type"] for _, headers in dead} == {"UnverifiedProducer"}
