"""The event contract mechanism and typed errors, without a broker, on a catalogue of the test's own."""
import json
import logging
import uuid

import pytest
from marshmallow import Schema, fields, validate

from haven_kernel.errors import EventContractError, ValidationError, flatten_messages
from haven_kernel.events import ENVELOPE_FIELDS, Catalogue, EventType
from haven_kernel.logs import JsonFormatter


class ParcelSent(Schema):
    """A parcel left the depot."""

    parcel_id = fields.UUID(required=True)
    weight_kg = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


catalogue = Catalogue.of(EventType("depot", "parcel_sent", ParcelSent, consumers=("tracker",)))


def parcel(**overrides):
    return {"parcel_id": str(uuid.uuid4()), "weight_kg": 3, **overrides}


def test_envelope_has_the_contract_fields_and_parses_back():
    envelope = catalogue.envelope("depot", "parcel_sent", parcel(), correlation_id="c-1")
    assert tuple(envelope) == ENVELOPE_FIELDS
    assert envelope["schema_version"] == 1 and envelope["occurred_at"].endswith("+00:00")
    event = catalogue.parse(json.loads(json.dumps(envelope)))
    assert event.correlation_id == "c-1" and event.data["weight_kg"] == 3


def test_unknown_fields_cannot_be_published():
    with pytest.raises(EventContractError, match="recipient"):
        catalogue.envelope("depot", "parcel_sent", parcel(recipient="Amélia"))


def test_invalid_data_and_unknown_types_are_refused():
    with pytest.raises(EventContractError, match="weight_kg"):
        catalogue.envelope("depot", "parcel_sent", parcel(weight_kg=0))
    with pytest.raises(EventContractError, match="not in the catalogue"):
        catalogue.envelope("depot", "parcel_exploded", {})
    envelope = catalogue.envelope("depot", "parcel_sent", parcel())
    with pytest.raises(EventContractError, match="v2"):
        catalogue.parse({**envelope, "schema_version": 2})
    with pytest.raises(EventContractError, match="malformed envelope"):
        catalogue.parse({**envelope, "event_id": "nope"})


def test_an_entry_is_described_by_its_schema_and_registered_once():
    entry = catalogue.get("depot", "parcel_sent")
    assert entry.description == "A parcel left the depot." and entry.consumers == ("tracker",)
    assert [e.name for e in catalogue.consumed_by("tracker")] == ["parcel_sent"]
    with pytest.raises(ValueError, match="registered twice"):
        catalogue.add(EventType("depot", "parcel_sent", ParcelSent))


def test_validation_error_names_fields_in_dotted_form():
    flat = flatten_messages({"members": {0: {"sex": ["Must be one of: female, male, other, unknown."]}},
                             "site_id": ["Missing data for required field."]})
    assert flat == {"members.0.sex": ["Must be one of: female, male, other, unknown."],
                    "site_id": ["Missing data for required field."]}
    error = ValidationError(flat)
    assert json.loads(str(error)) == flat
    assert ValidationError(str(error)).errors == flat, "round-trips through nameko's error serialisation"


def test_logs_are_json_with_correlation_id_and_withhold_foreign_exception_messages():
    formatter = JsonFormatter(personal_keys={"given_name"})
    try:
        raise RuntimeError("duplicate key (given_name)=(Amélia)")
    except RuntimeError as exc:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed: %s", (exc,), exc_info=True)
        record.exc_info = (RuntimeError, exc, exc.__traceback__)
    record.correlation_id = "corr-9"
    record.given_name = "Amélia"
    line = json.loads(formatter.format(record))
    assert line["correlation_id"] == "corr-9" and line["error_type"] == "RuntimeError"
    assert line["given_name"] == "[redacted]"
    assert "Amélia" not in json.dumps(line, ensure_ascii=False)


def test_a_confidential_event_goes_to_its_consumers_queues_only():
    """The relay's routes: the topic exchange for an ordinary event; each consumer's queue (default exchange) for a
    confidential one, so nothing bound to ``<source>.events`` receives it."""
    from types import SimpleNamespace

    from haven_kernel.messaging.relay import OutboxRelay

    catalogue = Catalogue()
    catalogue.register("clinic", "visit_logged", Schema, consumers=("ledger", "tally"))
    catalogue.register("clinic", "referral_made", Schema, consumers=("casework",), confidential=True)
    relay = SimpleNamespace(source="clinic", database=SimpleNamespace(catalogue=catalogue))
    assert OutboxRelay._routes(relay, "clinic.events", "visit_logged") == [("clinic.events", "visit_logged")]
    assert OutboxRelay._routes(relay, "clinic.events", "referral_made") == [
        ("", "haven.casework.clinic.referral_made")]
