"""Offline field sync (issue 16 point 5) on the real broker and PostgreSQL: a phone's batch of households, each with
its key and its provenance, answered per item; the same batch sent again after any failure doubles nothing."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from kombu import Connection, Exchange, Producer, Queue

from haven_kernel.db import FieldSyncKey, OutboxEvent
from haven_kernel.errors import ValidationError
from haven_kernel.testing import wait_until

from haven_registration.models import Household, Member

pytestmark = pytest.mark.service


def ago(**delta):
    return (datetime.now(timezone.utc) - timedelta(**delta)).isoformat()


def collected(make_household, site_id, family_name, days=3, **provenance):
    household = make_household(site_id)
    for member in household["members"]:
        member["family_name"] = family_name
    household["provenance"] = {"collected_at": ago(days=days), "enumerator_id": "ENUM-0042",
                               "device_id": "collect:Hx83kd0Qz", "place": {"pcode": "MZ0705"}, **provenance}
    return household


def registered_events(registration):
    with registration.database.session_factory() as session:
        return [row.envelope for row in session.query(OutboxEvent).order_by(OutboxEvent.id)
                if row.event_type == "household_registered"]


def test_a_batch_is_answered_per_item_and_sent_again_doubles_nothing(registration, make_household):
    site_id = registration.open_site()
    bad = collected(make_household, site_id, "Sitoe")
    bad["members"][0]["sex"] = "robot"
    batch = [{"key": "uuid:form-1", "record": collected(make_household, site_id, "Nhantumbo")},
             {"key": "uuid:form-2", "record": bad},
             {"key": "uuid:form-3", "record": collected(make_household, site_id, "Macuácua", days=45)},
             {"key": "uuid:form-4", "record": collected(make_household, site_id, "Chissano", days=1)}]
    with registration.client() as client:
        first = client.registration.sync_households(batch)
        assert [(r["key"], r["outcome"]) for r in first] == [
            ("uuid:form-1", "created"), ("uuid:form-2", "invalid"), ("uuid:form-3", "invalid"),
            ("uuid:form-4", "created")]
        # An invalid item says what register_household would raise for that household.
        assert first[1]["error"]["type"] == "ValidationError"
        assert list(first[1]["error"]["errors"]) == ["household.members.0.sex"]
        with pytest.raises(ValidationError) as single:
            client.registration.register_household(bad)
        assert first[1]["error"]["errors"] == single.value.errors
        assert list(first[2]["error"]["errors"]) == ["household.provenance.collected_at"]
        assert "older than 30 days" in first[2]["error"]["errors"]["household.provenance.collected_at"][0]

        read = client.registration.get_household(first[0]["household_id"])
        assert read["provenance"]["enumerator_id"] == "ENUM-0042"
        assert read["provenance"]["place"] == {"pcode": "MZ0705"}
        assert read["provenance"]["device_id"] == "collect:Hx83kd0Qz"
        assert datetime.fromisoformat(read["provenance"]["collected_at"]) == \
            datetime.fromisoformat(batch[0]["record"]["provenance"]["collected_at"])
        events_before = registered_events(registration)
        assert len(events_before) == 2
        event = events_before[0]["data"]
        assert events_before[0]["schema_version"] == 3
        assert datetime.fromisoformat(event["collected_at"]) == \
            datetime.fromisoformat(batch[0]["record"]["provenance"]["collected_at"])
        assert not {"enumerator_id", "device_id", "place", "provenance"} & set(event)

        again = client.registration.sync_households(batch)  # a new request (no idempotency key): the sync keys
    assert [r["outcome"] for r in again] == ["already_synced", "invalid", "invalid", "already_synced"]
    assert again[0]["household_id"] == first[0]["household_id"] and again[0]["version"] == 1
    assert again[3]["household_id"] == first[3]["household_id"]
    assert registration.count(Household) == 2
    assert registration.count(Member) == 8
    assert registered_events(registration) == events_before, "no second event in the outbox"
    assert registration.count(FieldSyncKey) == 2


def test_the_same_key_with_a_changed_household_is_a_conflict_with_its_current_version(registration, make_household):
    site_id = registration.open_site()
    record = collected(make_household, site_id, "Nhantumbo")
    with registration.client() as client:
        created = client.registration.sync_households([{"key": "phone-7/42", "record": record}])[0]
        household_id = created["household_id"]
        client.registration.update_household(household_id, {"phone": "+258 84 999 0000"}, expected_version=1)
        edited = {**record, "phone": "+258 82 555 1234"}  # edited on the phone after it was sent
        answer = client.registration.sync_households([{"key": "phone-7/42", "record": edited}])[0]
        assert answer["outcome"] == "conflict"
        assert (answer["household_id"], answer["version"]) == (household_id, 2)
        same = client.registration.sync_households([{"key": "phone-7/42", "record": record}])[0]
        assert (same["outcome"], same["version"]) == ("already_synced", 2)
        assert client.registration.get_household(household_id)["phone"] == "+258 84 999 0000"
    assert registration.count(Household) == 1


def test_a_future_or_too_old_collection_time_is_invalid_with_its_field(registration, make_household):
    site_id = registration.open_site()
    future = collected(make_household, site_id, "Sitoe")
    future["provenance"]["collected_at"] = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    naive = collected(make_household, site_id, "Sitoe")
    naive["provenance"]["collected_at"] = "2026-11-27T08:00:00"
    with registration.client() as client:
        answers = client.registration.sync_households([
            {"key": "a", "record": future}, {"key": "b", "record": naive},
            {"key": "c", "record": collected(make_household, site_id, "Sitoe", days=31)}])
        for answer in answers:
            assert answer["outcome"] == "invalid"
            assert list(answer["error"]["errors"]) == ["household.provenance.collected_at"], answer
        with pytest.raises(ValidationError) as whole:
            client.registration.sync_households([{"key": "x", "record": future}] * 501)
        assert list(whole.value.errors) == ["items"]
    assert registration.count(Household) == 0 and registration.count(FieldSyncKey) == 0


def test_the_window_is_configurable(amqp_uri, database_url, start_service, make_household):
    from haven_registration.testing import start_registration
    registration = start_registration(amqp_uri, database_url, start_service, FIELD_SYNC_WINDOW_DAYS=60)
    site_id = registration.open_site()
    with registration.client() as client:
        answer = client.registration.sync_households(
            [{"key": "k", "record": collected(make_household, site_id, "Sitoe", days=45)}])[0]
    assert answer["outcome"] == "created"


def test_the_batch_sent_again_after_the_connection_died_past_the_commit(registration, make_household):
    """The phone's link drops after registration committed and before the reply reached it: the reply has nowhere
    to go. The phone sends the whole batch again (a new request: no idempotency key) and nothing is doubled."""
    site_id = registration.open_site()
    batch = [{"key": f"uuid:{uuid.uuid4()}", "record": collected(make_household, site_id, name)}
             for name in ("Nhantumbo", "Sitoe", "Chissano")]
    with Connection(registration.amqp_uri) as connection:
        channel = connection.channel()
        exchange = Exchange("nameko-rpc", type="topic", durable=True)
        reply_queue = Queue(f"rpc.reply-phone-{uuid.uuid4().hex}", exchange=exchange, exclusive=True,
                            auto_delete=True)
        reply_queue.routing_key = reply_queue.name
        reply_queue(channel).declare()
        Producer(channel).publish(
            {"args": [], "kwargs": {"items": batch}}, exchange=exchange, routing_key="registration.sync_households",
            reply_to=reply_queue.name, correlation_id=str(uuid.uuid4()), serializer="json",
            headers={"nameko.authorization": f"Bearer {registration.writer}"}, declare=[exchange])
    # The connection is closed: its reply queue is gone with it.
    wait_until(lambda: registration.count(Household) == 3, timeout=30, message="the first batch committed")
    with registration.client() as client:
        again = client.registration.sync_households(batch)
        assert [a["outcome"] for a in again] == ["already_synced"] * 3
        assert client.registration.search_households(site_id=site_id)["total"] == 3
    assert registration.count(Household) == 3
    assert len(registered_events(registration)) == 3


def test_two_phones_sending_one_key_at_once_register_it_once(registration, make_household):
    site_id = registration.open_site()
    batch = [{"key": "shared-form", "record": collected(make_household, site_id, "Nhantumbo")}]
    with registration.client() as client:
        calls = [client.registration.sync_households.call_async(batch) for _ in range(4)]
        outcomes = sorted(call.result()[0]["outcome"] for call in calls)
    assert outcomes == ["already_synced"] * 3 + ["created"]
    assert registration.count(Household) == 1
