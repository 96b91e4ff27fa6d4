"""The test factories every service's tests import: what they build is what the contracts accept, and a factory
refuses data its event would refuse."""
import pytest

from haven_contracts import catalogue
from haven_contracts.reference import empty_sex_age
from haven_contracts.testing import (Events, household_departed, household_event, household_registered,
                                     household_relocated, household_updated, sex_age, sex_age_of, site_event)


def people(block):
    return sum(sum(bands.values()) for bands in block.values())


@pytest.mark.parametrize("factory, event_type", [
    (household_registered, "household_registered"), (household_updated, "household_updated"),
    (household_departed, "household_departed"), (household_relocated, "household_relocated"),
])
def test_each_household_factory_builds_data_its_event_accepts(factory, event_type):
    data = factory("5b0c7a8e-3f4d-4c1e-9a61-2f8d0c4b7e21")
    event = catalogue.parse(catalogue.envelope("registration", event_type, data))
    assert event.data["site_id"] == "5b0c7a8e-3f4d-4c1e-9a61-2f8d0c4b7e21" and event.data["size"] == 4
    assert people(event.data["by_sex_age"]) == 4
    assert {"given_name", "family_name", "date_of_birth", "phone", "members"}.isdisjoint(event.data)


def test_the_event_type_follows_from_the_fields_given():
    site = "5b0c7a8e-3f4d-4c1e-9a61-2f8d0c4b7e21"
    assert household_event(site, status="departed")["reason"] == "returned_home"
    assert household_event(site, reason="deceased", departure_date="2026-11-27")["status"] == "departed"
    moved = household_event(site, from_site_id="7d3f2a10-0b4c-4f5e-8a61-2f8d0c4b7e22", version=2)
    assert moved["to_site_id"] == site and "reason" not in moved
    assert household_event(site, changed=["origin"])["changed"] == ["origin"]
    assert "changed" not in household_event(site) and household_event(site)["status"] == "active"


def test_size_and_by_sex_age_agree():
    site = "5b0c7a8e-3f4d-4c1e-9a61-2f8d0c4b7e21"
    assert [people(sex_age_of(n)) for n in (1, 2, 3, 7)] == [1, 2, 3, 7]
    assert sex_age_of(5)["female"] == {"0-4": 0, "5-17": 2, "18-59": 1, "60+": 0}
    assert household_event(site, size=1)["by_sex_age"]["female"]["18-59"] == 1
    assert household_event(site, by_sex_age=sex_age(female_60=1, male_0_4=2))["size"] == 3
    with pytest.raises(ValueError, match="size 2 but by_sex_age counts 3"):
        household_event(site, size=2, by_sex_age=sex_age(female_60=1, male_0_4=2))


def test_a_factory_refuses_what_the_contract_refuses_naming_the_field():
    with pytest.raises(ValueError, match="site_type"):
        site_event(site_type="palace")
    with pytest.raises(ValueError, match="given_name"):
        household_event("5b0c7a8e-3f4d-4c1e-9a61-2f8d0c4b7e21", given_name="Amélia")
    with pytest.raises(ValueError, match="reason"):
        site_event(reason="flooded")  # only a closed site's event says why
    with pytest.raises(ValueError, match="sex_age: 'female_18'"):
        sex_age(female_18=1)
    with pytest.raises(ValueError, match="household_moved"):
        household_event("5b0c7a8e-3f4d-4c1e-9a61-2f8d0c4b7e21", event_type="household_moved")


def test_site_events_open_and_closed():
    opened = site_event(name="Mandruzi", adm2="Dondo")
    assert (opened["name"], opened["adm2"], opened["status"]) == ("Mandruzi", "Dondo", "open")
    closed = site_event(opened["site_id"], status="closed", reason="flooded")
    for event_type, data in (("site_opened", opened), ("site_updated", opened), ("site_closed", closed)):
        assert catalogue.parse(catalogue.envelope("shelter", event_type, data)).data == data
    assert sex_age() == empty_sex_age()


def test_events_tick_one_second_each_unless_told():
    events = Events()
    first = events.event("shelter", "site_opened", events.site())
    second = events.event("registration", "household_registered", events.household(first.data["site_id"]),
                          origin_org="UNHCR")
    assert (second.occurred_at - first.occurred_at).total_seconds() == 1 and second.origin_org == "UNHCR"
    at = events.tick(3600)
    assert events.envelope("shelter", "site_updated", first.data, at=at)["occurred_at"] == at.isoformat()
