"""Haven's contracts: the catalogue built from the producer modules, what events may carry, the reference lists."""
import logging.config
import uuid

import pytest

import haven_contracts
from haven_contracts import catalogue, registration, shelter
from haven_contracts.personal import PERSONAL_FIELDS
from haven_contracts.disclosure import suppress, suppress_counts, threshold_from_config
from haven_contracts.reference import (PROTECTION_GROUPS, SPECIFIC_NEEDS, age_band, is_protection_need,
                                       is_specific_need, needs_by_group, protection_needs)
from haven_contracts.testing import household_event, protection_needs as protection_needs_event, site_needs
from haven_kernel.errors import EventContractError


def summary(**overrides):
    return {**household_event(str(uuid.uuid4()), size=2), **overrides}


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
    assert all(is_specific_need(c) for c in ("SC-CH", "SV-VA", "DS-PM", "WR", "PG", "ER-XX", "SC-UC", "SC-SC",
                                             "LP-UP", "SV-GM", "CR-CH", "SM-DP"))
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


def test_the_code_list_is_the_domain_pages_table():
    """docs/domain.md §3 is the field fact: every sub-code its table lists is valid, in its group."""
    import pathlib
    import re
    page = (pathlib.Path(__file__).resolve().parents[3] / "docs" / "domain.md").read_text()
    table = page[page.index("| Group | Meaning | Sub-codes |"):page.index("Rules Haven builds on the list")]
    listed = set(re.findall(r"`([A-Z]{2}-[A-Z]{2})`", table))
    assert {"SC-UC", "SC-SC", "SV-VA", "LP-UP"} <= listed
    assert listed == {code for codes in SPECIFIC_NEEDS.values() for code in codes}


def test_protection_groups_and_what_leaves_registration():
    assert set(PROTECTION_GROUPS) == {"SC", "CR", "SV", "TR", "LP"}
    assert is_protection_need("SV") and is_protection_need("SC-UC") and is_protection_need("LP-VA")
    assert not any(is_protection_need(c) for c in ("DS-PM", "ER", "SC-XX", None))
    assert protection_needs({"SV": 1, "DS-PM": 2, "SC-UC": 0, "CR-CP": 1}) == {"CR-CP": 1, "SV": 1}
    assert needs_by_group({"SC-UC": 1, "SC-SC": 2, "DS-PM": 1, "ER": 0}) == {"SC": 3, "DS": 1}


def test_household_events_carry_no_specific_needs_from_v2():
    for name in ("household_registered", "household_updated", "household_departed", "household_relocated"):
        latest = catalogue.get("registration", name)
        assert latest.version == 3 and "specific_needs" not in latest.schema().fields
        assert "specific_needs" not in catalogue.get("registration", name, 2).schema().fields
        assert "specific_needs" in catalogue.get("registration", name, 1).schema().fields, "v1 still accepted"
    with pytest.raises(EventContractError, match="specific_needs"):
        catalogue.envelope("registration", "household_registered", summary(specific_needs={"SV": 1}))


def test_household_events_v3_carry_when_a_household_was_collected_and_nothing_of_who_or_where():
    for name in ("household_registered", "household_updated", "household_departed", "household_relocated"):
        fields_v3 = set(catalogue.get("registration", name, 3).schema().fields)
        assert fields_v3 - set(catalogue.get("registration", name, 2).schema().fields) == {"collected_at"}
        assert not fields_v3 & {"enumerator_id", "device_id", "place", "lat", "lon", "provenance"}
    collected = summary(collected_at="2026-11-27T08:15:00+00:00")
    assert catalogue.parse(catalogue.envelope("registration", "household_registered", collected)).data == collected
    assert catalogue.parse(catalogue.envelope("registration", "household_registered",
                                              summary(collected_at=None))).data["collected_at"] is None
    with pytest.raises(EventContractError, match="collected_at"):  # its time zone, as registered_at
        catalogue.envelope("registration", "household_registered", summary(collected_at="2026-11-27T08:15:00"))
    with pytest.raises(EventContractError, match="enumerator_id"):
        catalogue.envelope("registration", "household_registered", summary(enumerator_id="ENUM-1"))
    v2 = catalogue.envelope("registration", "household_registered", summary(), ) | {"schema_version": 2}
    assert catalogue.parse(v2).schema_version == 2, "v2 still accepted"


def test_protection_needs_go_to_protection_alone_and_counts_to_reporting():
    entry = catalogue.get("registration", "household_protection_needs")
    assert entry.consumers == ("protection",) and entry.confidential
    assert catalogue.get("registration", "site_needs_counted").consumers == ("reporting",)
    site, household = str(uuid.uuid4()), str(uuid.uuid4())
    data = protection_needs_event(site, household, {"SV": 1, "SC-UC": 2})
    assert catalogue.parse(catalogue.envelope("registration", "household_protection_needs", data)).data == data
    with pytest.raises(EventContractError, match="specific_needs"):  # another group's code is refused at the source
        catalogue.envelope("registration", "household_protection_needs", {**data, "specific_needs": {"DS-PM": 1}})
    counted = site_needs(site, {"SV": 1, "DS": 3}, version=4)
    assert catalogue.parse(catalogue.envelope("registration", "site_needs_counted", counted)).data == counted
    for extra in ({"household_id": household}, {"needs": {"SV-VA": 1}}):  # no household, groups only
        with pytest.raises(EventContractError):
            catalogue.envelope("registration", "site_needs_counted", {**counted, **extra})


@pytest.mark.parametrize("threshold, shown", [(5, [0, "<5", "<5", 5, 12]), (3, [0, "<3", 3, 5, 12]),
                                              (1, [0, 1, 3, 5, 12]), (0, [0, 1, 3, 5, 12])])
def test_small_cell_suppression(threshold, shown):
    assert [suppress(n, threshold) for n in (0, 1, 3, 5, 12)] == shown
    assert suppress_counts({"SV": 1, "DS": 0}, threshold) == {"SV": shown[1], "DS": 0}


def test_the_suppression_threshold_comes_from_config():
    assert threshold_from_config({}) == 5 and threshold_from_config({"SMALL_CELL_THRESHOLD": "10"}) == 10
    assert threshold_from_config({"SMALL_CELL_THRESHOLD": 0}) == 0
    for bad in ("five", -1, 2.5, True):
        with pytest.raises(ValueError, match="SMALL_CELL_THRESHOLD"):
            threshold_from_config({"SMALL_CELL_THRESHOLD": bad})
