"""Haven's contracts: the catalogue built from the producer modules, what events may carry, the reference lists."""
import logging.config
import uuid

import pytest

import haven_contracts
from haven_contracts import catalogue, registration, shelter
from haven_contracts.personal import PERSONAL_FIELDS
from haven_contracts.reference import age_band, is_specific_need
from haven_contracts.testing import household_event
from haven_kernel.errors import EventContractError


def summary(**overrides):
    return {**household_event(str(uuid.uuid4()), size=2, specific_needs={"SC-CH": 1}), **overrides}


def test_the_catalogue_holds_every_producer_module_and_only_its_own_events():
    names = [module.__name__ for module in haven_contracts.PRODUCERS]
    assert {registration, shelter} <= set(haven_contracts.PRODUCERS), "and any generated service's module"
    assert "haven_contracts.testing" not in names and names == sorted(names)
    for module in haven_contracts.PRODUCERS:
        assert {entry.source for entry in module.EVENTS} <= {module.SOURCE}
        assert module.__name__.rsplit(".", 1)[1] == module.SOURCE, "a producer's module is named after it"
    assert len(catalogue.all()) == sum(len(module.EVENTS) for module in haven_contracts.PRODUCERS)


def test_every_catalogue_entry_names_its_consumers():
    for entry in catalogue.all():
        assert entry.consumers, f"{entry.source}.{entry.name} has no consumer: its events would go nowhere"
        assert entry.description


@pytest.mark.parametrize("field, value", [
    ("given_name", "Amélia"), ("date_of_birth", "1990-04-02"), ("phone", "+258841234567"), ("members", []),
])
def test_personal_fields_cannot_be_published(field, value):
    assert field in PERSONAL_FIELDS
    with pytest.raises(EventContractError, match=field):
        catalogue.envelope("registration", "household_registered", summary(**{field: value}))


def test_no_event_schema_has_a_personal_field():
    for entry in catalogue.all():
        assert not set(entry.schema().fields) & PERSONAL_FIELDS - {"name"}, f"{entry.source}.{entry.name}"


def test_a_household_summary_round_trips():
    envelope = catalogue.envelope("registration", "household_registered", summary(), correlation_id="c-1")
    event = catalogue.parse(envelope)
    assert event.source == "registration" and event.data["size"] == 2


def test_the_logging_config_of_a_service_redacts_personal_fields():
    """What each config.yml wires: the kernel's formatter, given the contracts' personal-data names."""
    config = {"version": 1, "formatters": {"json": {"()": "haven_kernel.logs.JsonFormatter",
                                                    "personal_keys": "ext://haven_contracts.personal.PERSONAL_FIELDS"}},
              "handlers": {}, "loggers": {}}
    configurator = logging.config.DictConfigurator(config)
    formatter = configurator.configure_formatter(configurator.config["formatters"]["json"])
    assert formatter.personal_keys == PERSONAL_FIELDS


def test_reference_lists():
    assert all(is_specific_need(c) for c in ("SC-CH", "SV-VA", "DS-PM", "WR", "PG", "ER-XX"))
    assert not any(is_specific_need(c) for c in ("SC-XX", "ZZ", "", None, "sc-ch"))
    assert [age_band(a) for a in (0, 4, 5, 17, 18, 59, 60, 99)] == ["0-4", "0-4", "5-17", "5-17", "18-59",
                                                                    "18-59", "60+", "60+"]


def test_the_site_replica_is_fed_by_site_events_that_carry_its_fields():
    spec = shelter.SITE_REPLICA
    events = {entry.name: entry for entry in shelter.EVENTS}
    for name in spec.events:
        schema = events[name].schema()
        assert {spec.key, *spec.fields} <= set(schema.fields), name
        assert "registration" in events[name].consumers
    assert spec.source == shelter.SOURCE and spec.scopes == ("shelter:read",)
