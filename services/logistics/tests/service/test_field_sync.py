"""Offline field sync of distributions (issue 16 point 5), on the real broker and database: a distribution recorded
offline carries its provenance (collected_at, place, enumerator and device ids) and is dated the day it was made;
`sync_distributions` answers each item of a device's batch created / already_synced / conflict / invalid /
unavailable; the whole batch sent again (after a lost reply, or a connection killed after the commit) takes stock
once and records nothing twice."""
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from haven_kernel.db import OutboxEvent
from haven_kernel.errors import ValidationError
from haven_kernel.testing import drop_after_commit

from haven_logistics.models import Distribution

pytestmark = pytest.mark.service

DAYS_AGO = 3
MOZAMBIQUE = timezone(timedelta(hours=2))


def collected(days_ago=DAYS_AGO, hour=9):
    """A collection time ``days_ago`` days back, at ``hour`` local time in Mozambique (UTC+2)."""
    day = date.today() - timedelta(days=days_ago)
    return datetime(day.year, day.month, day.day, hour, 30, tzinfo=MOZAMBIQUE)


def provenance(days_ago=DAYS_AGO, device="collect:tablet-07"):
    return {"collected_at": collected(days_ago).isoformat(), "place": {"lat": -19.84, "lon": 34.87, "accuracy_m": 8},
            "enumerator_id": "ENUM-0042", "device_id": device}


def world(logistics, client, households=3, stock=10):
    site_id, _, store = logistics.world(client, stock=stock)
    starts = (date.today() - timedelta(days=10)).isoformat()
    round_id = client.logistics.create_round({"site_id": site_id, "warehouse_id": store, "item_code": "KIT-SHELTER",
                                              "starts_on": starts, "ends_on": date.today().isoformat()})["round_id"]
    return store, round_id, logistics.households(site_id, households)


def on_hand(client, store):
    return client.logistics.stock_on_hand(store, "KIT-SHELTER")["items"][0]["on_hand"]


def recorded_events(logistics):
    return logistics.count(OutboxEvent, OutboxEvent.event_type == "distribution_recorded")


def test_a_device_batch_answers_per_item_and_a_resent_batch_takes_stock_once(logistics):
    with logistics.client() as client:
        store, round_id, households = world(logistics, client)
        unknown = str(uuid.uuid4())  # registration's event has not reached logistics yet
        batch = [{"key": f"uuid:form-{n}", "record": {"round_id": round_id, "household_id": h,
                                                      "provenance": provenance()}}
                 for n, h in enumerate(households)]
        batch += [{"key": "uuid:form-future", "record": {"round_id": round_id, "household_id": households[0],
                                                         "provenance": {**provenance(),
                                                                        "collected_at": collected(-2).isoformat()}}},
                  {"key": "uuid:form-unknown", "record": {"round_id": round_id, "household_id": unknown,
                                                          "provenance": provenance()}}]
        first = client.logistics.sync_distributions(batch)
        assert [r["outcome"] for r in first] == ["created"] * 3 + ["invalid", "unavailable"]
        assert [r["key"] for r in first] == [item["key"] for item in batch]
        assert first[3]["error"]["type"] == "ValidationError"
        assert list(first[3]["error"]["errors"]) == ["distribution.provenance.collected_at"]  # as the single call
        created = first[0]
        assert created["distributed_on"] == collected().date().isoformat()  # the day it was made, not today
        assert created["provenance"]["device_id"] == "collect:tablet-07"
        assert on_hand(client, store) == 7

        again = client.logistics.sync_distributions(batch)  # the device got no answer: it sends it all again
        assert [r["outcome"] for r in again] == ["already_synced"] * 3 + ["invalid", "unavailable"]
        assert [r["distribution_id"] for r in again[:3]] == [r["distribution_id"] for r in first[:3]]
        assert on_hand(client, store) == 7
        assert client.logistics.get_round(round_id)["households_reached"] == 3
    assert logistics.count(Distribution) == 3
    assert recorded_events(logistics) == 3


def test_a_key_synced_with_another_record_is_a_conflict_and_a_second_device_is_refused(logistics):
    with logistics.client() as client:
        store, round_id, (first, second, third) = world(logistics, client)
        (created,) = client.logistics.sync_distributions([{"key": "k-1", "record": {
            "round_id": round_id, "household_id": first, "provenance": provenance()}}])
        # The form was edited on the phone after it was sent: the same key, another household.
        (edited,) = client.logistics.sync_distributions([{"key": "k-1", "record": {
            "round_id": round_id, "household_id": second, "provenance": provenance()}}])
        assert edited["outcome"] == "conflict"
        assert (edited["distribution_id"], edited["household_id"]) == (created["distribution_id"], first)
        # Another device recorded the same household for the same round: refused, naming the first record.
        (twice,) = client.logistics.sync_distributions([{"key": "other-device-9", "record": {
            "round_id": round_id, "household_id": first, "provenance": provenance(device="collect:tablet-11")}}])
        assert twice["outcome"] == "invalid" and twice["error"]["type"] == "Conflict"
        assert created["distribution_id"] in twice["error"]["message"]
        assert on_hand(client, store) == 9
        # A record refused as invalid kept no key: corrected, it is sent again with its key and recorded.
        (late,) = client.logistics.sync_distributions([{"key": "k-3", "record": {
            "round_id": round_id, "household_id": third, "provenance": provenance(days_ago=45)}}])
        assert late["outcome"] == "invalid"
        assert "sync window" in late["error"]["errors"]["distribution.provenance.collected_at"][0]
        (fixed,) = client.logistics.sync_distributions([{"key": "k-3", "record": {
            "round_id": round_id, "household_id": third, "provenance": provenance(days_ago=1)}}])
        assert fixed["outcome"] == "created"
        assert on_hand(client, store) == 8
    assert logistics.count(Distribution) == 2


def test_a_batch_whose_connection_died_after_the_commit_sent_again_takes_stock_once(logistics):
    with logistics.client() as client:
        store, round_id, households = world(logistics, client, households=2)
    batch = [{"key": f"scope:{h}", "record": {"round_id": round_id, "household_id": h, "provenance": provenance()}}
             for h in households]
    drop_after_commit(logistics.amqp_uri, logistics.writer, "logistics", "sync_distributions", args=[batch],
                      committed=lambda: logistics.count(Distribution) == 2)
    with logistics.client() as client:  # no idempotency key: the device resends its batch as it is
        again = client.logistics.sync_distributions(batch)
        assert [r["outcome"] for r in again] == ["already_synced"] * 2
        assert on_hand(client, store) == 8
    assert logistics.count(Distribution) == 2
    assert recorded_events(logistics) == 2


def test_a_single_distribution_with_provenance_is_checked_and_dated_the_day_it_was_made(logistics):
    with logistics.client() as client:
        store, round_id, (household, other) = world(logistics, client, households=2)
        before = logistics.table_counts()
        for bad, field in (({"collected_at": collected(-1).isoformat()}, "distribution.provenance.collected_at"),
                           ({"collected_at": collected(40).isoformat()}, "distribution.provenance.collected_at"),
                           ({"collected_at": "2026-11-20T06:00:00"}, "distribution.provenance.collected_at"),
                           ({**provenance(), "enumerator_id": "Rosa Tembe"}, "distribution.provenance.enumerator_id")):
            with pytest.raises(ValidationError) as error:
                client.logistics.record_distribution({"round_id": round_id, "household_id": household,
                                                      "provenance": bad})
            assert list(error.value.errors) == [field], bad
        with pytest.raises(ValidationError) as error:
            client.logistics.record_distribution({"round_id": round_id, "household_id": household,
                                                  "distributed_on": date.today().isoformat(),
                                                  "provenance": provenance()})
        assert list(error.value.errors) == ["distribution.distributed_on"]  # after it was collected
        with pytest.raises(ValidationError) as error:
            client.logistics.record_distribution({"round_id": round_id, "household_id": household})
        assert list(error.value.errors) == ["distribution.distributed_on"]
        assert logistics.table_counts() == before
        made = client.logistics.record_distribution({"round_id": round_id, "household_id": household,
                                                     "provenance": provenance(days_ago=2)})
        assert made["distributed_on"] == (date.today() - timedelta(days=2)).isoformat()
        # The bulk call checks provenance as the single call does, with the same field names.
        (refused,) = client.logistics.record_distributions([{"round_id": round_id, "household_id": other,
                                                             "provenance": provenance(days_ago=40)}])
        assert list(refused["error"]["errors"]) == ["distribution.provenance.collected_at"]
        assert on_hand(client, store) == 9
