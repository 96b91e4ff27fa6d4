"""Registration rules without a broker or a database."""
import re
from datetime import date

from haven_registration import domain
from haven_registration.domain import Person, duplicate_score

ON = date(2026, 11, 28)


def member(sex, born, relationship="child", needs=()):
    return {"sex": sex, "date_of_birth": born, "relationship": relationship, "specific_needs": list(needs)}


def test_composition_needs_one_head_and_one_to_thirty_members():
    head = member("female", date(1990, 1, 1), "head")
    assert domain.composition_errors([head]) == {}
    assert "Exactly one" in domain.composition_errors([head, dict(head)])["members"][0]
    assert "Exactly one" in domain.composition_errors([member("male", date(2000, 1, 1))])["members"][0]
    assert "1 to 30" in domain.composition_errors([])["members"][0]
    assert "got 31" in domain.composition_errors([head] + [member("male", date(2010, 1, 1))] * 30)["members"][0]


def test_summary_counts_by_sex_age_band_and_needs():
    members = [member("female", date(1990, 4, 2), "head", ["SP"]), member("male", date(2022, 11, 29)),
               member("male", date(2021, 11, 28), needs=["SC-CH", "DS-PM"]), member("other", date(1950, 1, 1)),
               member("unknown", date(2008, 11, 28), needs=["SC-CH"])]
    by_sex_age, needs = domain.summarize(members, ON)
    assert by_sex_age["female"]["18-59"] == 1
    assert by_sex_age["male"]["0-4"] == 1, "turns 4 tomorrow: still 0-4"
    assert by_sex_age["male"]["5-17"] == 1, "turned 5 today"
    assert by_sex_age["other"]["60+"] == 1 and by_sex_age["unknown"]["18-59"] == 1, "18 today"
    assert sum(sum(b.values()) for b in by_sex_age.values()) == 5
    assert needs == {"DS-PM": 1, "SC-CH": 2, "SP": 1}


def test_registration_numbers_are_short_and_unambiguous():
    numbers = {domain.new_registration_number() for _ in range(2000)}
    assert len(numbers) == 2000
    assert all(re.fullmatch(r"HV-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", n) for n in numbers)


def test_names_compare_without_case_accents_or_spacing():
    assert domain.normalize_name("  AMÉLIA   Nhantumbo ") == "amelia nhantumbo"
    assert domain.normalize_name("José-María") == "jose maria"
    assert domain.phonetic_key("Mohammed", "Ali") == domain.phonetic_key("Mohamed", "Aly")


def person(name="amelia nhantumbo", born=date(1990, 4, 2), estimated=False, phone=None):
    given, family = name.split()
    return Person(name, domain.phonetic_key(given, family), born, estimated, phone)


def test_duplicate_score_uses_sahana_weights():
    assert duplicate_score(person(), person()) == 5  # names +2, birth date +3
    assert duplicate_score(person(phone="+258 84 123 4567"), person(phone="841234567")) == 6  # phone +1
    assert duplicate_score(person(phone="+258 84 123 4567"), person(phone="+258 87 000 0000")) == 4  # phone -1
    assert duplicate_score(person(), person(born=date(1961, 9, 30))) == 0  # birth date -2
    assert duplicate_score(person(), person(name="rosa macuacua")) == 1  # names -2
    # An estimated birth date agrees within a year.
    assert duplicate_score(person(born=date(1990, 11, 28), estimated=True), person()) == 5
    assert duplicate_score(person(born=date(1985, 11, 28), estimated=True), person()) == 0


def test_one_consent_rule_for_names_and_phone():
    named = [("members.0", {"given_name": "Amina", "family_name": "Juma"})]
    nameless = [("members.0", {}), ("members.add.0", {"given_name": "Zito"})]
    assert domain.consent_errors(True, "+258 84 123 4567", named) == {}
    assert domain.consent_errors(True, None, nameless) == {
        "members.0.given_name": ["Missing data for required field."],
        "members.0.family_name": ["Missing data for required field."],
        "members.add.0.family_name": ["Missing data for required field."]}
    assert domain.consent_errors(False, None, [("members.0", {})]) == {}
    refused = domain.consent_errors(False, "+258 84 123 4567", named)
    assert list(refused) == ["consent"] and "members.0.given_name, members.0.family_name, phone" in refused["consent"][0]


def test_a_member_is_made_one_way_with_its_keys_and_an_estimated_birth_date():
    made = domain.new_member({"given_name": "José", "family_name": "Sitoe", "sex": "male", "age_years": 7,
                              "relationship": "child"}, 2, "h-1", ON)
    assert made["household_id"] == "h-1" and made["position"] == 2 and made["relationship_to_head"] == "child"
    assert (made["name_key"], made["phonetic_key"]) == domain.name_keys("José", "Sitoe") == ("jose sitoe", "JS ST")
    assert made["date_of_birth_estimated"] and made["date_of_birth"].year == 2019 and made["specific_needs"] == []


class Candidate:
    def __init__(self, id, person):
        self.id, self.person = id, person


def test_possible_duplicates_are_capped_per_member_and_per_call():
    me = person()
    same = [Candidate(f"c{i}", person(phone="+258 84 123 4567" if i % 2 else None)) for i in range(20)]
    found = domain.best_matches(me, same, threshold=3)
    assert len(found) == domain.MAX_LINKS_PER_MEMBER
    assert [score for _, score in found] == [5] * domain.MAX_LINKS_PER_MEMBER  # best first (no phone: 5)
    assert domain.best_matches(me, same, threshold=3, already={"c0", "c1", "c2", "c3", "c4", "c5"})[0][0].id == "c6"

    budget = domain.LinkBudget(limit=7)
    assert len(domain.best_matches(me, same, 3, budget=budget)) == 5 and budget.left == 2
    assert len(domain.best_matches(me, same, 3, budget=budget)) == 2 and budget.spent
    assert domain.best_matches(me, same, 3, budget=budget) == [] and budget.capped == 3
    assert domain.best_matches(me, [Candidate("x", person(name="rosa macuacua"))], 3) == []


def test_a_household_is_registered_at_an_open_site_the_replica_knows():
    import pytest
    from haven_kernel.errors import Conflict, NotFound
    domain.require_open("s-1", "open")
    with pytest.raises(NotFound):
        domain.require_open("s-1", None)
    with pytest.raises(Conflict):
        domain.require_open("s-1", "closed")
