"""Outbox: state and events commit together; events wait while nothing can publish them; each goes out once."""
import urllib.parse

import pytest

from haven_kernel.db import OutboxEvent
from haven_kernel.errors import Conflict, InternalError
from haven_kernel.messaging import OutboxRelay, consumer_queue_name
from haven_kernel.testing import TcpGate, queue_depth, wait_until



def relay_of(container):
    return next(d for d in container.dependencies if isinstance(d, OutboxRelay))


def unsent(toys):
    return [row for row in toys.rows("ledger", OutboxEvent) if row.published_at is None]


def test_events_wait_while_relay_is_stopped_and_go_out_once_after(toys, record_events):
    ledger = toys.start(toys.Ledger)
    relay_of(ledger).pause()
    recorder = record_events(toys.amqp_uri, "ledger")
    with toys.client() as client:
        ids = [client.ledger.record(amount) for amount in (1, 2, 3)]
    assert len(toys.rows("ledger", toys.Entry)) == 3, "the registrations committed"
    recorder.drain(1.0)
    assert recorder.events() == [] and len(unsent(toys)) == 3, "their events wait in the outbox"

    relay_of(ledger).resume()
    recorder.wait_for("entry_recorded", count=3)
    recorder.drain(1.5)
    assert [e["data"]["entry_id"] for e in recorder.events()] == ids, "each published once, in order"
    wait_until(lambda: not unsent(toys), message="outbox rows marked published")


def test_events_wait_while_broker_refuses_connections(toys, record_events):
    parts = urllib.parse.urlsplit(toys.amqp_uri)
    gate = TcpGate(parts.hostname, parts.port or 5672)  # closed: connections to it are refused
    ledger = toys.start(toys.Ledger, OUTBOX_AMQP_URI=gate.uri_for(toys.amqp_uri))
    recorder = record_events(toys.amqp_uri, "ledger")
    try:
        with toys.client() as client:
            first = client.ledger.record(10)
            second = client.ledger.record(20)
        metrics = relay_of(ledger).metrics
        wait_until(lambda: metrics.outbox_publish_failures._value.get() >= 2, message="relay retried and failed")
        recorder.drain(0.5)
        assert recorder.events() == [] and len(unsent(toys)) == 2

        gate.open()  # the broker is reachable again
        recorder.wait_for("entry_recorded", count=2, timeout=20)
        recorder.drain(1.5)
        assert [e["data"]["entry_id"] for e in recorder.events()] == [first, second]
    finally:
        gate.close()


def test_killed_between_commit_and_publish_the_event_goes_out_after_restart(toys, record_events, start_service):
    recorder = record_events(toys.amqp_uri, "ledger")
    ledger = toys.start(toys.Ledger)
    relay_of(ledger).pause()
    with toys.client() as client:
        entry_id = client.ledger.record(5)
    ledger.kill()  # the process dies with the event committed but not published
    assert len(unsent(toys)) == 1
    recorder.drain(0.5)
    assert recorder.events() == []

    toys.start(toys.Ledger)  # restart on the same database
    recorder.wait_for("entry_recorded")
    recorder.drain(1.5)
    assert [e["data"]["entry_id"] for e in recorder.events()] == [entry_id]


def test_rolled_back_change_publishes_nothing(toys, record_events):
    toys.start(toys.Ledger)
    recorder = record_events(toys.amqp_uri, "ledger")
    with toys.client() as client:
        with pytest.raises(Conflict):
            client.ledger.record(7, then_fail=True)
        assert client.ledger.record(8)  # the service still answers
    recorder.wait_for("entry_recorded")
    recorder.drain(1.0)
    assert [e["data"]["amount"] for e in recorder.events()] == [8]
    assert [row.amount for row in toys.rows("ledger", toys.Entry)] == [8]


def test_an_event_that_breaks_its_schema_is_refused_at_the_source(toys, record_events):
    toys.start(toys.Ledger)
    recorder = record_events(toys.amqp_uri, "ledger")
    with toys.client() as client:
        with pytest.raises(InternalError) as error:
            client.ledger.record_invalid_event()
        assert "reference" in str(error.value) and "entry_id" not in str(error.value), "no internals leak"
    recorder.drain(1.0)
    assert recorder.events() == [] and toys.rows("ledger", toys.Entry) == [] and toys.rows("ledger", OutboxEvent) == []


def test_consumer_queue_exists_before_the_consumer_ever_started(toys):
    """An event published before its consumer first started waits in the consumer's queue."""
    toys.start(toys.Ledger)
    with toys.client() as client:
        client.ledger.record(3)
    queue = consumer_queue_name("tally", "ledger", "entry_recorded")
    wait_until(lambda: queue_depth(toys.amqp_uri, queue) == 1, message="event waiting in tally's queue")


def test_a_rolled_back_savepoint_takes_its_events_with_it(toys, record_events):
    toys.start(toys.Ledger)
    recorder = record_events(toys.amqp_uri, "ledger")
    with toys.client() as client:
        assert client.ledger.record_each([1, -2, 3, -4, 5]) == [1, 3, 5]
    recorder.wait_for("entry_recorded", count=3)
    recorder.drain(1.0)
    assert [e["data"]["amount"] for e in recorder.events()] == [1, 3, 5], "no event for what was rolled back"
    assert sorted(row.amount for row in toys.rows("ledger", toys.Entry)) == [1, 3, 5]
    assert len(toys.rows("ledger", OutboxEvent)) == 3


def test_a_savepoint_whose_own_flush_fails_takes_its_events_with_it(toys):
    import uuid

    import sqlalchemy as sa
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm import sessionmaker

    from haven_kernel.db import UnitOfWork

    engine = sa.create_engine(toys.url("ledger"))
    factory = sessionmaker(engine, expire_on_commit=False)
    try:
        unit = UnitOfWork(factory, "ledger", {}, toys.catalogue)
        taken = str(uuid.uuid4())
        with unit.savepoint():
            unit.session.add(toys.Entry(id=taken, amount=1))
            unit.emit("entry_recorded", {"entry_id": taken, "amount": 1})
        with pytest.raises(IntegrityError):
            with unit.savepoint():
                unit.session.add(toys.Entry(id=taken, amount=2))  # conflicts only when the savepoint is released
                unit.emit("entry_recorded", {"entry_id": taken, "amount": 2})
        unit.commit()  # the transaction goes on without the block
        unit.close()

        alone = UnitOfWork(factory, "ledger", {}, toys.catalogue)
        alone.emit("entry_recorded", {"entry_id": str(uuid.uuid4()), "amount": 3})  # no table touched
        alone.commit()
        alone.close()
    finally:
        engine.dispose()
    assert [row.amount for row in toys.rows("ledger", toys.Entry)] == [1]
    assert sorted(row.envelope["data"]["amount"] for row in toys.rows("ledger", OutboxEvent)) == [1, 3]
