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
