"""Offline field sync's use cases on SQLite (the middle tier): provenance kept and published as collected_at only,
keys per organisation, and a household collected before it synced may depart from its collection day."""
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from haven_kernel.db import FieldSyncKey, OutboxEvent
from haven_kernel.fieldsync import FieldSync
from haven_registration.changes import Changes
from haven_registration.models import Household, SiteReplica
from haven_registration.register import Registration
from haven_registration.search import Households
from haven_registration.service import RegistrationService

SITE = "11111111-1111-4111-8111-111111111111"
NOW = datetime.now(timezone.utc)


@pytest.fixture
def unit(sqlite_unit):
    unit = sqlite_unit(RegistrationService, "registration:write", "registration:read", org="IOM", sub="phone")
    with unit.transaction():
        unit.session.add(SiteReplica(site_id=SITE, name="Dondo", site_type="transit_centre", adm1="Sofala",
                                     adm2="Dondo", lat=None, lon=None, status="open", as_of=NOW))
    return unit


def household(name="Juma", days=3, **provenance):
    return {"site_id": SITE, "consent": True,
            "members": [{"given_name": "Amina", "family_name": name, "sex": "female", "age_years": 30,
                         "relationship": "head"}],
            "provenance": {"collected_at": (NOW - timedelta(days=days)).isoformat(), **provenance}}


def sync(unit, items, **rules):
    with unit.transaction():
        return Registration(unit, field_sync=FieldSync(**rules)).sync(items)


def test_provenance_is_kept_and_only_the_collection_time_is_published(unit):
    record = household(enumerator_id="ENUM-7", device_id="kobo:a1b2",
                       place={"lat": -19.6, "lon": 34.7, "accuracy_m": 12.5, "site_id": SITE})
    created = sync(unit, [{"key": "form-1", "record": record}])[0]
    assert created["outcome"] == "created" and created["version"] == 1
    read = Households(unit).get(created["household_id"])
    assert read["provenance"] == {"collected_at": read["provenance"]["collected_at"],
                                  "place": {"lat": -19.6, "lon": 34.7, "accuracy_m": 12.5, "site_id": SITE},
                                  "enumerator_id": "ENUM-7", "device_id": "kobo:a1b2"}
    assert datetime.fromisoformat(read["provenance"]["collected_at"]) == NOW - timedelta(days=3)
    event = unit.events("household_registered")[0]
    assert datetime.fromisoformat(event["collected_at"]) == NOW - timedelta(days=3)
    assert "ENUM-7" not in str(event) and "kobo" not in str(event) and "-19.6" not in str(event)


def test_a_household_registered_directly_has_no_provenance(unit):
    with unit.transaction():
        created = Registration(unit).register({**household(), "provenance": None}, field="household")
    assert Households(unit).get(created["household_id"])["provenance"] is None
    assert unit.events("household_registered")[0]["collected_at"] is None


def test_keys_belong_to_the_organisation(unit):
    assert sync(unit, [{"key": "form-1", "record": household()}])[0]["outcome"] == "created"
    unit.act_as("registration:write", org="NRC")
    assert sync(unit, [{"key": "form-1", "record": household()}])[0]["outcome"] == "created"
    assert unit.count(Household) == 2
    assert sorted(unit.session.execute(sa.select(FieldSyncKey.org)).scalars()) == ["IOM", "NRC"]


def test_an_invalid_item_writes_nothing_and_the_window_is_the_rules(unit):
    answers = sync(unit, [{"key": "a", "record": household(days=10)}, {"key": "b", "record": household(days=3)}],
                   window=timedelta(days=7))
    assert [a["outcome"] for a in answers] == ["invalid", "created"]
    assert answers[0]["error"]["errors"].keys() == {"household.provenance.collected_at"}
    assert unit.count(Household) == 1 and unit.count(FieldSyncKey) == 1
    assert len(unit.session.execute(sa.select(OutboxEvent)).all()) == 1


def test_register_households_takes_provenance_with_the_single_calls_field_names(unit):
    with unit.transaction():
        results = Registration(unit).register_many([household(), household(days=40)])
    assert "household_id" in results[0]
    assert results[1]["error"]["errors"].keys() == {"household.provenance.collected_at"}


def test_a_household_may_depart_from_the_day_it_was_collected(unit):
    created = sync(unit, [{"key": "form-1", "record": household(days=5)}])[0]
    on = (NOW - timedelta(days=4)).date()
    assert on < date.today()
    with unit.transaction():
        departed = Changes(unit).depart(created["household_id"], "returned_home", on.isoformat())
    assert departed["status"] == "departed"
