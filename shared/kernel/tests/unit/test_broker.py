"""The broker accounts' permission patterns (haven_kernel.broker) and who a consumer expects an event from
(haven_kernel.messaging.producers), as the broker and the consumer match them: tested on the real broker in
tests/integration/test_broker_accounts.py; here, what each pattern lets through, name by name."""
import re

import pytest
from marshmallow import Schema, fields

from haven_kernel import broker
from haven_kernel.events import Catalogue
from haven_kernel.messaging.producers import producer_user


class Data(Schema):
    n = fields.Integer()


def catalogue():
    found = Catalogue()
    found.register("ledger", "entry_recorded", Data, consumers=("tally", "audit"))
    found.register("ledger", "entry_voided", Data, consumers=("audit",))
    found.register("tally", "total_changed", Data, consumers=("audit",))
    return found


def allows(pattern, name):
    return re.fullmatch(pattern, name) is not None if pattern.startswith("^") else re.search(pattern, name)


def test_a_service_reads_and_declares_only_its_own_queues_and_publishes_only_its_own_events():
    tally = broker.service_permissions("tally", catalogue())
    for queue in ("rpc-tally", "rpc.reply-tally-3f2a", "haven.tally.ledger.entry_recorded",
                  "haven.tally.dead-letters", "haven.tally.ledger.entry_recorded.retry-1000ms"):
        assert allows(tally["read"], queue) and allows(tally["configure"], queue), queue
    for queue in ("rpc-ledger", "rpc.reply-ledger-3f2a", "haven.audit.ledger.entry_recorded", "reply.partner.ab"):
        assert not allows(tally["read"], queue), queue
    assert allows(tally["configure"], "haven.audit.tally.total_changed"), "the relay declares its consumers' queues"
    assert not allows(tally["read"], "haven.audit.tally.total_changed"), "...without reading them"
    assert allows(tally["write"], "tally.events") and not allows(tally["write"], "ledger.events")
    assert allows(tally["read"], "ledger.events") and not allows(tally["read"], "audit.events")
    topics = tally["topics"]
    assert topics["ledger.events"]["read"] == "^(entry_recorded)$", "only the types it consumes"
    assert allows(topics["nameko-rpc"]["read"], "tally.*")
    assert allows(topics["nameko-rpc"]["read"], "0b5e0a4c-9d1f-4f7e-8a57-2c3d4e5f6a7b")
    for key in ("#", "ledger.*", "tally.#", "reply.partner.0123456789abcdef0123456789abcdef"):
        assert not allows(topics["nameko-rpc"]["read"], key), key


def test_a_partner_calls_services_and_reads_only_its_own_replies():
    permissions = broker.partner_permissions("ngo-one")
    mine = "reply.ngo-one.0123456789abcdef0123456789abcdef"
    assert allows(permissions["configure"], mine) and allows(permissions["read"], mine)
    for name in ("reply.ngo-two.0123", "rpc-ledger", "ledger.events", "amq.default", "nameko-rpc"):
        assert not allows(permissions["configure"], name), name
    assert not allows(permissions["write"], "amq.default") and not allows(permissions["write"], "ledger.events")
    rpc = permissions["topics"]["nameko-rpc"]
    assert allows(rpc["write"], "ledger.record") and allows(rpc["read"], mine)
    for key in ("x.y.z", "reply.ngo-two.0123456789abcdef0123456789abcdef", "#", "ledger"):
        assert not allows(rpc["write"], key), key
    for key in ("#", "ledger.*", "reply.ngo-two.0123456789abcdef0123456789abcdef", "reply.ngo-one.#"):
        assert not allows(rpc["read"], key), key


@pytest.mark.parametrize("name", ["guest", "haven-shelter", "a.b", "A", "x", "ngo one"])
def test_a_partner_name_that_could_be_confused_is_refused(name):
    with pytest.raises(ValueError):
        broker.add_partner(None, "/", name, prefix="haven-")


def test_a_consumer_expects_each_event_from_its_producers_account(monkeypatch):
    for variable in ("HAVEN_BROKER_USERS", "HAVEN_BROKER_USER_PREFIX"):
        monkeypatch.delenv(variable, raising=False)
    assert producer_user("registration", "reporting", "haven-reporting") == "haven-registration"
    assert producer_user("registration", "reporting", "guest") == "guest", "one shared account: itself"
    assert producer_user("registration", "reporting", "guest", {"HAVEN_BROKER_USERS": "registration=reg"}) == "reg"
    monkeypatch.setenv("HAVEN_BROKER_USER_PREFIX", "t1-")
    assert producer_user("registration", "reporting", "t1-reporting") == "t1-registration"
