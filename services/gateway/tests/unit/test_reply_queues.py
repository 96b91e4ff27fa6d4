"""The reply queues the client declares are those the broker accounts allow (haven_kernel.broker, bus-trust): a
partner's ``reply.<user>.<uuid4 hex>`` (decision 1), and the gateway's, under its own service account
``haven-gateway``, named as a service's (``rpc.reply-gateway-<uuid>``, bound with the uuid)."""
import re

import pytest

from haven_client.client import partner_reply_queue, service_reply_queue
from haven_contracts import catalogue
from haven_kernel import broker

pytestmark = pytest.mark.unit


def allowed(permissions, queue, key):
    topic_read = permissions["topics"][broker.RPC_EXCHANGE]["read"]
    return all(re.match(permissions[kind], queue) for kind in ("configure", "write", "read")) and \
        bool(re.match(topic_read, key))


def test_the_gateway_declares_only_what_its_service_account_may():
    queue, key = service_reply_queue("gateway")("haven-gateway")
    assert allowed(broker.service_permissions("gateway", catalogue), queue, key)
    partner_style = partner_reply_queue("haven-gateway")
    assert not allowed(broker.service_permissions("gateway", catalogue), *partner_style)


def test_a_partner_declares_only_what_its_account_may():
    queue, key = partner_reply_queue("iom-kobo")
    assert queue == key and re.fullmatch(r"reply\.iom-kobo\.[0-9a-f]{32}", queue)
    permissions = broker.partner_permissions("iom-kobo")
    assert allowed(permissions, queue, key)
    assert not allowed(permissions, *partner_reply_queue("unhcr-odk"))
