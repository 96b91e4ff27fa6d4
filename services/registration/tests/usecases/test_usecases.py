"""Registration's use cases on a SQLite unit of work, without a broker: the rules in milliseconds, and the SQLite
side of the repository (what `make run` uses by default), which the service tier on PostgreSQL does not reach."""
from datetime import date

import pytest
import sqlalchemy as sa

from haven_kernel.db import OutboxEvent
from haven_kernel.errors import Conflict, NotFound, ValidationError
from haven_registration import domain
from haven_registration.changes import Changes
from haven_registration.models import PossibleDuplicate, SiteReplica
from haven_registration.register import Registration
from haven_registration.search import Households
from haven_registration.service import RegistrationService

SITE = "11111111-1111-4111-8111-111111111111"
TODAY = date(2026, 11, 28)


class Shelter:
    """The fallback lookup, as the shelter ServiceRpc answers it."""

    def __init__(self, sites):
        self.sites, self.asked = sites, []

    def get_site(self, site_id):
        self.asked.append(site_id)
        if site_id not in self.sites:
            raise NotFound(f"site {site_id} does not exist")
        return {"site_id": site_id, "name": "Dondo", "site_type": "transit_centre", "adm1": "Sofala",
                "adm2": "Dondo", "lat": None, "lon": None, "status": self.sites[site_id]}


@pytest.fixture
def unit(sqlite_unit):
    """Registration's unit of work on SQLite, migrated by its own revisions (the kernel's middle tier)."""
    return sqlite_unit(RegistrationService, "registration:write", org="IOM", sub="tester")


def family(site_id=SITE, size=3, consent=True, born="1990-04-02", **extra):
    names = ("Amina", "Baraka", "Chausiku", "Dalila", "Elimu", "Faraji")
    return {"site_id": site_id, "consent": consent, **extra, "members": [
        {**({"given_name": names[i % 6], "family_name": f"Juma{i // 6}"} if consent else {}), "sex": "female",
         "date_of_birth": born, "relationship": "head" if i == 0 else "other_relative"} for i in range(size)]}


def test_a_site_not_in_the_replica_is_asked_once_and_a_closed_or_unknown_one_refuses(unit):
    shelter = Shelter({SITE: "open", "22222222-2222-4222-8222-222222222222": "closed"})
    register = Registration(unit, site_lookup=shelter, today=TODAY)
    results = register.register_many([family(), family(), family("22222222-2222-4222-8222-222222222222"),
                                      family("33333333-3333-4333-8333-333333333333")])
    assert [r.get("error", {}).get("type") for r in results] == [None, None, "Conflict", "NotFound"]
    assert shelter.asked == [SITE, "22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333"]
    assert unit.session.get(SiteReplica, SITE).status == "open"
    unit.commit()
    assert len(unit.session.execute(sa.select(OutboxEvent)).all()) == 2


def test_duplicates_are_found_in_the_call_and_in_the_database_on_sqlite(unit):
    register = Registration(unit, site_lookup=Shelter({SITE: "open"}), today=TODAY)
    first = register.register(family(), field="household")
    assert first["possible_duplicates"] == []
    again = register.register_many([family(), family(born="1950-01-01")])
    assert sorted(d["other_household_id"] for d in again[0]["possible_duplicates"]) == [first["household_id"]] * 3
    assert again[1]["possible_duplicates"] == [], "same names, another birth date: not likely the same people"
    unit.commit()
    read = Households(unit, today=TODAY).get(first["household_id"])
    assert {d["other_household_id"] for d in read["possible_duplicates"]} == {again[0]["household_id"]}


def test_an_adversarial_call_stays_within_the_caps_on_sqlite(unit, monkeypatch):
    monkeypatch.setattr(domain, "MAX_LINKS_PER_CALL", 300)
    register = Registration(unit, site_lookup=Shelter({SITE: "open"}), today=TODAY)
    results = register.register_many([family(size=30) for _ in range(40)])
    pairs = unit.session.execute(sa.select(sa.func.count()).select_from(PossibleDuplicate)).scalar_one() // 2
    per_member = max(unit.session.execute(sa.select(sa.func.count()).select_from(PossibleDuplicate)
                                          .group_by(PossibleDuplicate.member_id)).scalars())
    assert pairs == 300 == sum(len(r["possible_duplicates"]) for r in results)
    assert per_member == domain.MAX_LINKS_PER_MEMBER


def test_one_consent_rule_for_registrations_and_changes(unit):
    register = Registration(unit, site_lookup=Shelter({SITE: "open"}), today=TODAY)
    with pytest.raises(ValidationError) as refused:
        register.register(family(consent=False, phone="+258 84 123 4567"), field="household")
    assert list(refused.value.errors) == ["household.consent"]
    anonymous = register.register(family(consent=False), field="household")
    unit.commit()
    changes = Changes(unit, today=TODAY)
    with pytest.raises(ValidationError) as refused:  # consent given, but nobody named
        changes.update(anonymous["household_id"], {"consent": True})
    assert list(refused.value.errors) == [f"changes.members.{i}.{n}" for i in range(3)
                                          for n in ("given_name", "family_name")]
    unit.rollback()  # as the entrypoint does after an error
    with pytest.raises(ValidationError) as refused:  # no consent, a phone number
        changes.update(anonymous["household_id"], {"phone": "+258 84 123 4567"})
    assert list(refused.value.errors) == ["changes.consent"]
    unit.rollback()
    with pytest.raises(Conflict):
        changes.relocate(anonymous["household_id"], SITE)
