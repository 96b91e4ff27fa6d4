"""The event contract and typed errors, without a broker."""
import json
import logging
import uuid

import pytest

from haven_kernel.catalogue import catalogue
from haven_kernel.errors import EventContractError, ValidationError, flatten_messages
from haven_kernel.events import ENVELOPE_FIELDS
from haven_kernel.logs import JsonFormatter
from haven_kernel.reference import age_band, is_specific_need


def summary(**overrides):
    data = {
        "household_id": str(uuid.uuid4()), "registration_number": "HV-1234-ABCD", "site_id": str(uuid.uuid4()),
        "size": 2, "status": "active", "version": 1,
        "by_sex_age": {"female": {"18-59": 1}, "male": {"0-4": 1}},
        "specific_needs": {"SC-CH": 1}, "origin": {"adm1": "Sofala", "adm2": "Buzi"}, "displacement_date": None,
        "org": "IOM", "registered_at": "2026-11-28T10:00:00+00:00",
    }
    data.update(overrides)
    return data


def test_envelope_has_the_contract_fields_and_parses_back():
    envelope = catalogue.envelope("registration", "household_registered", summary(), correlation_id="c-1")
    assert tuple(envelope) == ENVELOPE_FIELDS
    assert envelope["schema_version"] == 1 and envelope["occurred_at"].endswith("+00:00")
    event = catalogue.parse(json.loads(json.dumps(envelope)))
    assert event.correlation_id == "c-1" and event.data["size"] == 2


@pytest.mark.parametrize("field, value", [
    ("given_name", "Amélia"), ("date_of_birth", "1990-04-02"), ("phone", "+258841234567"), ("members", []),
])
def test_personal_fields_cannot_be_published(field, value):
    with pytest.raises(EventContractError, match=field):
        catalogue.envelope("registration", "household_registered", summary(**{field: value}))


def test_invalid_data_and_unknown_types_are_refused():
    with pytest.raises(EventContractError, match="size"):
        catalogue.envelope("registration", "household_registered", summary(size=0))
    with pytest.raises(EventContractError, match="not in the catalogue"):
        catalogue.envelope("registration", "household_exploded", {})
    envelope = catalogue.envelope("registration", "household_registered", summary())
    with pytest.raises(EventContractError, match="v2"):
        catalogue.parse({**envelope, "schema_version": 2})
    with pytest.raises(EventContractError, match="malformed envelope"):
        catalogue.parse({**envelope, "event_id": "nope"})


def test_every_catalogue_entry_names_its_consumers():
    for entry in catalogue.all():
        assert entry.consumers, f"{entry.source}.{entry.name} has no consumer: its events would go nowhere"
        assert entry.description


def test_validation_error_names_fields_in_dotted_form():
    flat = flatten_messages({"members": {0: {"sex": ["Must be one of: female, male, other, unknown."]}},
                             "site_id": ["Missing data for required field."]})
    assert flat == {"members.0.sex": ["Must be one of: female, male, other, unknown."],
                    "site_id": ["Missing data for required field."]}
    error = ValidationError(flat)
    assert json.loads(str(error)) == flat
    assert ValidationError(str(error)).errors == flat, "round-trips through nameko's error serialisation"


def test_logs_are_json_with_correlation_id_and_withhold_foreign_exception_messages():
    formatter = JsonFormatter()
    try:
        raise RuntimeError("duplicate key (given_name)=(Amélia)")
    except RuntimeError as exc:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed: %s", (exc,), exc_info=True)
        record.exc_info = (RuntimeError, exc, exc.__traceback__)
    record.correlation_id = "corr-9"
    record.given_name = "Amélia"
    line = json.loads(formatter.format(record))
    assert line["correlation_id"] == "corr-9" and line["error_type"] == "RuntimeError"
    assert "Amélia" not in json.dumps(line, ensure_ascii=False)


def test_reference_lists():
    assert all(is_specific_need(c) for c in ("SC-CH", "SV-VA", "DS-PM", "WR", "PG", "ER-XX"))
    assert not any(is_specific_need(c) for c in ("SC-XX", "ZZ", "", None, "sc-ch"))
    assert [age_band(a) for a in (0, 4, 5, 17, 18, 59, 60, 99)] == ["0-4", "0-4", "5-17", "5-17", "18-59",
                                                                    "18-59", "60+", "60+"]
