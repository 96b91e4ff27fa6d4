"""Issue 10 point 3: 50 forged household_registered envelopes, published by an account that is not registration's
(one with every permission on the vhost), put no phantom household on the waitlist: each is dead-lettered."""
import pytest
from kombu import Connection, Producer

from haven_contracts import catalogue
from haven_contracts.testing import household_registered
from haven_kernel.events import dead_letter_queue_name
from haven_kernel.messaging import events_exchange
from haven_kernel.testing import get_messages, queue_depth, temporary_broker_user, wait_until

pytestmark = pytest.mark.service

FAMILY_TENT = {"unit_type": "family_tent", "covered_area_m2": 16.0}


def test_forged_registrations_never_reach_the_waitlist(shelter, infrastructure):
    site_id = shelter.create_site(units=[FAMILY_TENT])["site_id"]
    first = shelter.register(site_id, size=4)["household_id"]
    shelter.wait_status(first, "allocated")  # the site is full: anything registered now is waitlisted
    with temporary_broker_user(infrastructure, shelter.amqp_uri) as forger:
        with Connection(forger, transport_options={"confirm_publish": True}) as connection:
            producer = Producer(connection.channel())
            for _ in range(50):
                envelope = catalogue.envelope("registration", "household_registered",
                                              household_registered(site_id, org="FORGED-ORG"))
                producer.publish(envelope, exchange=events_exchange("registration"),
                                 routing_key="household_registered", serializer="json")
    dead_letters = dead_letter_queue_name("shelter")
    wait_until(lambda: queue_depth(shelter.amqp_uri, dead_letters) == 50, timeout=30,
               message="50 forgeries dead-lettered")
    genuine = shelter.register(site_id, size=2)["household_id"]
    shelter.wait_status(genuine, "waitlisted")
    with shelter.client() as client:
        assert [w["household_id"] for w in client.shelter.list_waitlist(site_id)] == [genuine]
    assert {headers["x-haven-error-type"] for _, headers in get_messages(shelter.amqp_uri, dead_letters)} == \
        {"UnverifiedProducer"}
