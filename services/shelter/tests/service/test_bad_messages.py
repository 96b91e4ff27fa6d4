"""Issue 10 point 2, the issue's first reproduction: shelter.list_sites published without reply_to (and without a
token) killed shelter ("killing <ServiceContainer [shelter]> due to 'reply_to'"), again after every restart."""
import json

import pytest
from kombu import Connection, Exchange, Producer

from haven_kernel.testing import queue_depth, wait_until

pytestmark = pytest.mark.service


def test_a_request_without_reply_to_does_not_kill_shelter(shelter):
    with Connection(shelter.amqp_uri, transport_options={"confirm_publish": True}) as connection:
        Producer(connection.channel()).publish(json.dumps({"args": [], "kwargs": {}}),
                                               exchange=Exchange("nameko-rpc", type="topic", durable=True),
                                               routing_key="shelter.list_sites", content_type="application/json",
                                               content_encoding="utf-8", delivery_mode=2)
    wait_until(lambda: queue_depth(shelter.amqp_uri, "rpc-shelter") == 0, message="the request taken")
    with shelter.client() as client:
        assert client.shelter.list_sites() is not None
    assert not shelter.container._died.ready()
