"""Offline field sync (haven_kernel.fieldsync): the provenance rules (future, skew, window, place, identifiers) and
the sync helper's per-item outcomes on a toy record table over SQLite."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from marshmallow import Schema, fields
from sqlalchemy.orm import sessionmaker

from haven_kernel.context import CALLER_CONTEXT_KEY
from haven_kernel.db import FieldSyncBase, FieldSyncKey, KernelBase, UnitOfWork
from haven_kernel.errors import Conflict, ServiceUnavailable, ValidationError
from haven_kernel.events import Catalogue
from haven_kernel.fieldsync import CLOCK_SKEW, FieldSync, ProvenanceSchema, item_error, payload_hash, sync_items, \
    window_from_config
from haven_kernel.jsonschema import field_schema
from haven_kernel.validation import load

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def at(delta):
    return (NOW + delta).isoformat()


def provenance(**fields_):
    return load(ProvenanceSchema(), {"collected_at": at(-timedelta(days=3)), **fields_}, field="provenance")


# -- provenance ---------------------------------------------------------------------------------------------------------
def test_a_collection_time_needs_its_time_zone():
    with pytest.raises(ValidationError) as caught:
        provenance(collected_at="2026-11-28T09:30:00")
    assert list(caught.value.errors) == ["provenance.collected_at"]


def test_the_future_beyond_the_clock_skew_is_refused_and_within_it_accepted():
    sync = FieldSync(now=NOW)
    late = {"collected_at": NOW + CLOCK_SKEW + timedelta(minutes=1)}
    assert list(sync.errors(late, "household.provenance")) == ["household.provenance.collected_at"]
    assert "future" in sync.errors(late)["provenance.collected_at"][0]
    assert sync.errors({"collected_at": NOW + CLOCK_SKEW - timedelta(minutes=1)}) == {}


def test_the_schema_refuses_a_time_in_the_future_by_the_real_clock():
    with pytest.raises(ValidationError) as caught:
        provenance(collected_at=(datetime.now(timezone.utc) + timedelta(hours=2)).isoformat())
    assert caught.value.errors == {"provenance.collected_at": [
        "Must not be in the future (a clock up to 10 minutes fast is allowed)."]}


def test_older_than_the_window_is_refused_with_the_field_path():
    sync = FieldSync(window=timedelta(days=30), now=NOW)
    assert sync.errors({"collected_at": NOW - timedelta(days=29, hours=23)}) == {}
    with pytest.raises(ValidationError) as caught:
        sync.check({"collected_at": NOW - timedelta(days=31)}, "household.provenance")
    assert list(caught.value.errors) == ["household.provenance.collected_at"]
    assert "older than 30 days" in caught.value.errors["household.provenance.collected_at"][0]


def test_the_window_comes_from_config():
    assert window_from_config({}) == timedelta(days=30)
    assert window_from_config({"FIELD_SYNC_WINDOW_DAYS": "90"}) == timedelta(days=90)
    assert FieldSync.from_config({"FIELD_SYNC_WINDOW_DAYS": 7}, now=NOW).errors(
        {"collected_at": NOW - timedelta(days=8)})
    for bad in ("0", "-3", "1.5", "a month"):
        with pytest.raises(ValueError, match="FIELD_SYNC_WINDOW_DAYS"):
            window_from_config({"FIELD_SYNC_WINDOW_DAYS": bad})


def test_a_place_is_a_point_a_site_or_an_area():
    assert provenance(place={"lat": -19.84, "lon": 34.87, "accuracy_m": 8})["place"]["lat"] == -19.84
    assert provenance(place={"pcode": "MZ0705"})["place"] == {"pcode": "MZ0705"}
    cases = {
        "lat": {"lat": 91, "lon": 0},
        "lon": {"lat": -19.8},
        "place": {},
    }
    for path, place in cases.items():
        with pytest.raises(ValidationError) as caught:
            provenance(place=place)
        assert f"provenance.{path}" in caught.value.errors or f"provenance.place.{path}" in caught.value.errors, \
            (path, caught.value.errors)
    with pytest.raises(ValidationError) as caught:
        provenance(place={"pcode": "Beira city"})
    assert list(caught.value.errors) == ["provenance.place.pcode"]


def test_enumerator_and_device_are_identifiers_not_names():
    loaded = provenance(enumerator_id="ENUM-0042", device_id="collect:Hx83kd0Qz")
    assert loaded["enumerator_id"] == "ENUM-0042"
    with pytest.raises(ValidationError) as caught:
        provenance(enumerator_id="Maria Lopez", device_id="x" * 101)
    assert set(caught.value.errors) == {"provenance.enumerator_id", "provenance.device_id"}


def test_the_references_say_what_the_validator_checks():
    schema = field_schema(fields.Nested(ProvenanceSchema))
    assert "FIELD_SYNC_WINDOW_DAYS" in schema["properties"]["collected_at"]["description"]
    items = field_schema(sync_items(ProvenanceSchema, max_batch=50))
    assert items["maxItems"] == 50 and set(items["items"]["required"]) == {"key", "record"}


def test_a_bulk_item_error_has_the_single_calls_type_and_field_map():
    error = item_error(ValidationError({"household.members.0.sex": ["Must be one of: female, male."]}), key="k")
    assert error == {"key": "k", "error": {"type": "ValidationError", "message": error["error"]["message"],
                                           "errors": {"household.members.0.sex": ["Must be one of: female, male."]}}}
    assert item_error(Conflict("site is closed"))["error"] == {"type": "Conflict", "message": "site is closed",
                                                               "errors": {}}


def test_the_payload_hash_ignores_key_order_only():
    assert payload_hash({"a": 1, "b": [1, 2]}) == payload_hash({"b": [1, 2], "a": 1})
    assert payload_hash({"a": 1, "b": [1, 2]}) != payload_hash({"a": 1, "b": [2, 1]})


# -- the sync helper on a toy table -----------------------------------------------------------------------------------
class NoteSchema(Schema):
    text = fields.String(required=True)
    provenance = fields.Nested(ProvenanceSchema)


notes = sa.Table("notes", sa.MetaData(),
                 sa.Column("id", sa.Integer, primary_key=True), sa.Column("text", sa.String),
                 sa.Column("version", sa.Integer))


@pytest.fixture
def world():
    engine = sa.create_engine("sqlite://")
    KernelBase.metadata.create_all(engine)
    FieldSyncBase.metadata.create_all(engine)
    notes.metadata.create_all(engine)
    units = []

    def unit_for(org):
        unit = UnitOfWork(sessionmaker(engine), "notebook",
                          {"correlation_id": "c", CALLER_CONTEXT_KEY: {"sub": "phone", "org": org, "scopes": []}},
                          Catalogue.of())
        units.append(unit)
        return unit
    yield unit_for
    for unit in units:
        unit.close()
    engine.dispose()


class Notebook:
    """A toy service's use case: the single call (``add``) and its sync."""

    def __init__(self, unit, sync=None):
        self.unit, self.sync_rules = unit, sync or FieldSync(now=NOW)

    def add(self, record):
        data = load(NoteSchema(), record, field="note")
        self.sync_rules.check(data.get("provenance"), "note.provenance")
        if data["text"] == "shelter is down":
            raise ServiceUnavailable("shelter did not answer")
        if data["text"] == "closed":
            raise Conflict("the site is closed")
        new_id = self.unit.session.execute(notes.insert().values(text=data["text"], version=1)).inserted_primary_key[0]
        return {"note_id": str(new_id), "version": 1}

    def current(self, note_id):
        row = self.unit.session.execute(sa.select(notes).where(notes.c.id == int(note_id))).first()
        return {"version": row.version} if row else None

    def sync(self, items):
        with _Tx(self.unit):
            return self.sync_rules.sync(self.unit, "note", items, self.add, self.current, id_field="note_id")


class _Tx:
    def __init__(self, unit):
        self.unit = unit

    def __enter__(self):
        return self.unit

    def __exit__(self, kind, exc, tb):
        if kind is None:
            self.unit.commit()
        else:
            self.unit.rollback()


def note(text, days_ago=3):
    return {"text": text, "provenance": {"collected_at": at(-timedelta(days=days_ago)), "device_id": "dev-1"}}


def count(unit, table=notes):
    return unit.session.execute(sa.select(sa.func.count()).select_from(table)).scalar()


def test_a_batch_answers_each_item_in_order_and_a_resend_doubles_nothing(world):
    unit = world("IOM")
    batch = [{"key": "a", "record": note("first")},
             {"key": "b", "record": {"text": 5}},
             {"key": "c", "record": note("too old", days_ago=40)},
             {"key": "d", "record": note("closed")},
             {"key": "e", "record": note("shelter is down")},
             {"key": "f", "record": note("second")}]
    first = Notebook(unit).sync(batch)
    assert [(r["key"], r["outcome"]) for r in first] == [
        ("a", "created"), ("b", "invalid"), ("c", "invalid"), ("d", "invalid"), ("e", "unavailable"),
        ("f", "created")]
    assert first[1]["error"] == {"type": "ValidationError", "message": first[1]["error"]["message"],
                                 "errors": {"note.text": ["Not a valid string."]}}
    assert list(first[2]["error"]["errors"]) == ["note.provenance.collected_at"]
    assert first[3]["error"]["type"] == "Conflict" and first[4]["error"]["type"] == "ServiceUnavailable"
    assert count(unit) == 2 and count(unit, FieldSyncKey.__table__) == 2

    again = Notebook(unit).sync(batch)
    assert [r["outcome"] for r in again] == ["already_synced", "invalid", "invalid", "invalid", "unavailable",
                                             "already_synced"]
    assert again[0] == {"key": "a", "note_id": first[0]["note_id"], "version": 1, "outcome": "already_synced"}
    assert count(unit) == 2


def test_the_same_key_with_another_record_is_a_conflict_with_the_current_version(world):
    unit = world("IOM")
    created = Notebook(unit).sync([{"key": "a", "record": note("first")}])[0]
    with _Tx(unit):
        unit.session.execute(notes.update().values(version=3))
    answer = Notebook(unit).sync([{"key": "a", "record": note("first, edited on the phone")}])[0]
    assert answer["outcome"] == "conflict" and answer["note_id"] == created["note_id"] and answer["version"] == 3
    assert count(unit) == 1


def test_one_key_twice_in_a_batch_is_applied_once(world):
    unit = world("IOM")
    answers = Notebook(unit).sync([{"key": "a", "record": note("x")}, {"key": "a", "record": note("x")},
                                   {"key": "a", "record": note("y")}])
    assert [a["outcome"] for a in answers] == ["created", "already_synced", "conflict"]
    assert count(unit) == 1


def test_keys_are_per_organisation(world):
    assert Notebook(world("IOM")).sync([{"key": "a", "record": note("x")}])[0]["outcome"] == "created"
    unit = world("UNHCR")
    assert Notebook(unit).sync([{"key": "a", "record": note("x")}])[0]["outcome"] == "created"
    assert count(unit) == 2


def test_an_invalid_item_may_be_sent_again_corrected_with_its_key(world):
    unit = world("IOM")
    assert Notebook(unit).sync([{"key": "a", "record": {"text": 5}}])[0]["outcome"] == "invalid"
    assert Notebook(unit).sync([{"key": "a", "record": note("fixed")}])[0]["outcome"] == "created"


def test_bad_items_and_batches(world):
    unit = world("IOM")
    answers = Notebook(unit).sync(["nope", {"key": "", "record": note("x")}, {"key": "k", "record": [], "x": 1}])
    assert [a["outcome"] for a in answers] == ["invalid"] * 3
    assert set(answers[0]["error"]["errors"]) == {"_schema"}
    assert set(answers[1]["error"]["errors"]) == {"key"}
    assert set(answers[2]["error"]["errors"]) == {"record", "x"}
    for items in ([], "items", [{"key": "k", "record": {}}] * 6):
        with pytest.raises(ValidationError) as caught:
            Notebook(unit, FieldSync(max_batch=5, now=NOW)).sync(items)
        assert list(caught.value.errors) == ["items"]
    assert count(unit) == 0 and count(unit, FieldSyncKey.__table__) == 0
