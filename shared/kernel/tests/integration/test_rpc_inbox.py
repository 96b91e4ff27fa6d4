"""The RPC inbox: a write request (``@rpc(..., idempotent=True)``) has its effect once, whether the broker delivers
its message again or the caller sends it again with the same idempotency key."""
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from haven_kernel import idempotency
from haven_kernel.clock import utcnow
from haven_kernel.db import RpcRequest
from haven_kernel.errors import Conflict
from haven_kernel.testing import deliver_again, drop_after_commit, make_token, rpc_client


def entries(toys):
    return sorted(row.amount for row in toys.rows("ledger", toys.Entry))


def test_the_same_idempotency_key_twice_has_one_effect_and_the_same_reply(toys):
    toys.start(toys.Ledger)
    with rpc_client(toys.amqp_uri, toys.token, idempotency_key="wfp-batch-7") as client:
        first = client.ledger.record(5)
        again = client.ledger.record(5)
    assert again == first
    assert entries(toys) == [5]


def test_a_bulk_call_sent_again_is_answered_without_applying_it_again(toys):
    toys.start(toys.Ledger)
    with rpc_client(toys.amqp_uri, toys.token, idempotency_key="bulk-1") as client:
        kept = client.ledger.record_each([1, -2, 3])
        assert client.ledger.record_each([1, -2, 3]) == kept == [1, 3]
    assert entries(toys) == [1, 3]


def test_the_same_key_for_another_request_is_a_conflict_and_changes_nothing(toys):
    toys.start(toys.Ledger)
    with rpc_client(toys.amqp_uri, toys.token, idempotency_key="k-1") as client:
        client.ledger.record(5)
        try:
            client.ledger.record(6)
            raise AssertionError("a second request under a used key was applied")
        except Conflict as exc:
            assert "another request" in str(exc)
    assert entries(toys) == [5]


def test_keys_belong_to_the_organisation_and_a_failed_call_keeps_none(toys):
    toys.start(toys.Ledger)
    unhcr = make_token("ledger:write", org="UNHCR")
    with rpc_client(toys.amqp_uri, toys.token, idempotency_key="shared") as wfp_client:
        try:
            wfp_client.ledger.record(7, then_fail=True)
        except Conflict:
            pass
        wfp_client.ledger.record(7)
    with rpc_client(toys.amqp_uri, unhcr, idempotency_key="shared") as unhcr_client:
        unhcr_client.ledger.record(7)
    assert entries(toys) == [7, 7], "the failed call stored nothing; UNHCR's key is its own"
    assert sorted(row.org for row in toys.rows("ledger", RpcRequest)) == ["UNHCR", "WFP"]


def test_a_malformed_key_is_refused(toys):
    toys.start(toys.Ledger)
    with rpc_client(toys.amqp_uri, toys.token, idempotency_key="x" * 201) as client:
        try:
            client.ledger.record(5)
            raise AssertionError("accepted")
        except Exception as exc:
            assert "idempotency_key" in str(exc)
    assert entries(toys) == []


def test_the_same_message_delivered_again_is_answered_from_the_inbox(toys):
    """What the broker does when a service died after its commit, before its acknowledgement: the request comes
    again with the same AMQP identity (and no idempotency key)."""
    toys.start(toys.Ledger)
    replies = deliver_again(toys.amqp_uri, toys.token, "ledger", "record", args=[9])
    assert [reply["error"] for reply in replies] == [None, None]
    assert replies[0]["result"] == replies[1]["result"]
    assert entries(toys) == [9]


def test_a_call_whose_connection_dies_after_the_commit_is_answered_when_sent_again(toys):
    """The partner's connection is killed once the call committed: the reply is lost; sent again with its key, it is
    answered with the first reply and done once."""
    toys.start(toys.Ledger)
    drop_after_commit(toys.amqp_uri, toys.token, "ledger", "record", args=[4], idempotency_key="lost-reply",
                      committed=lambda: entries(toys) == [4])
    with rpc_client(toys.amqp_uri, toys.token, idempotency_key="lost-reply") as client:
        again = client.ledger.record(4)
    assert [row.id for row in toys.rows("ledger", toys.Entry)] == [again]
    assert entries(toys) == [4]


def test_two_calls_with_one_key_at_once_apply_it_once(toys):
    toys.start(toys.Ledger)
    with rpc_client(toys.amqp_uri, toys.token, idempotency_key="race") as client:
        calls = [client.ledger.record.call_async(11) for _ in range(4)]
        results = {call.result() for call in calls}
    assert len(results) == 1 and entries(toys) == [11]


def test_requests_older_than_the_retention_are_purged(toys):
    toys.start(toys.Ledger)
    with rpc_client(toys.amqp_uri, toys.token, idempotency_key="old") as client:
        client.ledger.record(1)
    engine = sa.create_engine(toys.url("ledger"))
    try:
        with engine.begin() as connection:
            connection.execute(sa.update(RpcRequest).values(created_at=utcnow() - timedelta(hours=25)))
        with Session(engine) as session, session.begin():
            assert idempotency.purge(session, utcnow() - idempotency.retention({})) == 1
    finally:
        engine.dispose()
    with rpc_client(toys.amqp_uri, toys.token, idempotency_key="old") as client:
        client.ledger.record(1)
    assert entries(toys) == [1, 1], "a key reused after the retention is a new request"


def test_retention_is_configurable():
    assert idempotency.retention({}) == timedelta(hours=24)
    assert idempotency.retention({"RPC_INBOX_RETENTION_HOURS": "2"}) == timedelta(hours=2)

