"""Every RPC method against bad input: a ValidationError naming the field, nothing stored, the service answers."""
import uuid

import pytest

from haven_kernel.db import OutboxEvent
from haven_kernel.errors import NotFound, ValidationError

SITE = "11111111-1111-4111-8111-111111111111"
HUGE = "x" * 100_000


def base_household(**overrides):
    data = {"site_id": SITE, "consent": True, "members": [
        {"given_name": "Fátima", "family_name": "Sitoe", "sex": "female", "age_years": 34, "relationship": "head"},
        {"given_name": "Zito", "family_name": "Sitoe", "sex": "male", "age_years": 3, "relationship": "child"},
    ]}
    data.update(overrides)
    return data


def with_member(index, **fields):
    data = base_household()
    data["members"][index] = {**data["members"][index], **fields}
    return data


def without(key):
    data = base_household()
    del data[key]
    return data


def member_without(index, key):
    data = base_household()
    del data["members"][index][key]
    return data


REGISTER_CASES = [
    ("no site", without("site_id"), "household.site_id"),
    ("no members", without("members"), "household.members"),
    ("site not a uuid", base_household(site_id="camp-7"), "household.site_id"),
    ("site a number", base_household(site_id=7), "household.site_id"),
    ("members not a list", base_household(members="four"), "household.members"),
    ("member not an object", base_household(members=["x"]), "household.members.0"),
    ("unknown sex", with_member(0, sex="F"), "household.members.0.sex"),
    ("sex missing", member_without(1, "sex"), "household.members.1.sex"),
    ("relationship unknown", with_member(1, relationship="cousin"), "household.members.1.relationship"),
    ("two heads", with_member(1, relationship="head"), "household.members"),
    ("no head", with_member(0, relationship="spouse"), "household.members"),
    ("31 members", base_household(members=[base_household()["members"][0]] + [base_household()["members"][1]] * 30),
     "household.members"),
    ("future birth date", with_member(1, date_of_birth="2999-01-01", age_years=None), "household.members.1"),
    ("birth date not a date", with_member(0, date_of_birth="02/04/1990"), "household.members.0"),
    ("age and birth date", with_member(0, date_of_birth="1990-01-01"), "household.members.0.age_years"),
    ("no age nor birth date", member_without(0, "age_years"), "household.members.0.date_of_birth"),
    ("age a string", with_member(0, age_years="34"), "household.members.0.age_years"),
    ("age 150", with_member(0, age_years=150), "household.members.0.age_years"),
    ("unknown needs code", with_member(0, specific_needs=["XX-YY"]), "household.members.0.specific_needs.0"),
    ("needs not a list", with_member(0, specific_needs="SC-CH"), "household.members.0.specific_needs"),
    ("huge name", with_member(0, given_name=HUGE), "household.members.0.given_name"),
    ("empty name", with_member(0, given_name="  "), "household.members.0.given_name"),
    ("name is None", with_member(0, given_name=None), "household.members.0.given_name"),
    ("names without consent", base_household(consent=False), "household.consent"),
    ("missing names with consent", member_without(0, "given_name"), "household.members.0.given_name"),
    ("bad phone", base_household(phone="call me"), "household.phone"),
    ("consent a word", base_household(consent="perhaps"), "household.consent"),
    ("origin not an object", base_household(origin="Buzi"), "household.origin"),
    ("unexpected field", base_household(religion="x"), "household.religion"),
    ("unexpected member field", with_member(0, ethnicity="x"), "household.members.0.ethnicity"),
    ("future displacement", base_household(displacement_date="2999-01-01"), "household.displacement_date"),
]


# Text that used to be stored, or to fail in the database as an InternalError (issue 10, point 6).
HOSTILE_TEXT = [
    ("lone surrogate in a name", with_member(0, given_name="Ami\ud800na"), "household.members.0.given_name"),
    ("NUL in a name", with_member(1, family_name="Sit\x00oe"), "household.members.1.family_name"),
    ("name of zero-width characters", with_member(0, given_name="\u200b\u200d\ufeff"),
     "household.members.0.given_name"),
    ("name of control characters", with_member(0, family_name="\x07\x1b"), "household.members.0.family_name"),
    ("right-to-left override in a name", with_member(0, given_name="\u202eamit\u00e1F"),
     "household.members.0.given_name"),
    ("bidi isolate in free text", base_household(origin={"adm1": "Sofala\u2067", "adm2": "Buzi"}),
     "household.origin.adm1"),
    ("phone with a trailing newline", base_household(phone="+258 84 123 4567\n"), "household.phone"),
]


@pytest.fixture
def site(registration):
    return registration.open_site(site_id=SITE)


@pytest.mark.parametrize("payload,field", [case[1:] for case in HOSTILE_TEXT], ids=[case[0] for case in HOSTILE_TEXT])
def test_hostile_text_is_a_validation_error(registration, site, payload, field):
    with registration.client() as client:
        with pytest.raises(ValidationError) as error:
            client.registration.register_household(payload)
        assert list(error.value.errors) == [field]
        results = client.registration.register_households([payload, base_household()])
        assert results[0]["error"]["type"] == "ValidationError" and "error" not in results[1]
    from haven_registration.models import Household
    assert registration.count(Household) == 1


def assert_nothing_stored(registration):
    from haven_registration.models import Household, Member
    assert registration.count(Household) == 0 and registration.count(Member) == 0
    assert registration.count(OutboxEvent) == 0


def test_register_household_bad_inputs(registration, site):
    with registration.client() as client:
        for label, payload, field in REGISTER_CASES:
            with pytest.raises(ValidationError) as error:
                client.registration.register_household(payload)
            named = list(error.value.errors)
            assert any(f == field or f.startswith(field + ".") for f in named), f"{label}: {named} lacks {field}"
        for payload, field in ((None, "household"), ([], "household"), ("household", "household"),
                               (HUGE, "household")):
            with pytest.raises(ValidationError) as error:
                client.registration.register_household(payload)
            assert list(error.value.errors) == [field]
        assert_nothing_stored(registration)
        # still answering, and a good household goes through afterwards
        assert client.registration.register_household(base_household())["size"] == 2


def test_wrong_arguments_are_validation_errors(registration, site):
    with registration.client() as client:
        with pytest.raises(ValidationError) as error:
            client.registration.register_household()
        assert "_arguments" in error.value.errors
        with pytest.raises(ValidationError):
            client.registration.get_household("a", "b")
        with pytest.raises(ValidationError):
            client.registration.search_households(colour="blue")
    assert_nothing_stored(registration)


@pytest.mark.parametrize("value", [None, 7, "", "not-a-uuid", HUGE, ["x"], {"id": 1}])
def test_bad_household_ids(registration, site, value):
    with registration.client() as client:
        for call in (lambda: client.registration.get_household(value),
                     lambda: client.registration.update_household(value, {"phone": "+258 84 111 2222"}),
                     lambda: client.registration.record_departure(value, "returned_home", "2026-11-28"),
                     lambda: client.registration.relocate_household(value, SITE)):
            with pytest.raises(ValidationError) as error:
                call()
            assert list(error.value.errors) == ["household_id"]
        with pytest.raises(NotFound):
            client.registration.get_household(str(uuid.uuid4()))
    assert_nothing_stored(registration)


def test_bad_changes_departures_relocations_and_searches(registration, site):
    with registration.client() as client:
        household = client.registration.register_household(base_household())
        hid = household["household_id"]
        member_id = client.registration.get_household(hid)["members"][1]["member_id"]
        version = client.registration.get_household(hid)["version"]
        cases = [
            (lambda: client.registration.update_household(hid, None), "changes"),
            (lambda: client.registration.update_household(hid, {}), "changes"),
            (lambda: client.registration.update_household(hid, {"height": 2}), "changes.height"),
            (lambda: client.registration.update_household(hid, {"members": {"remove": [member_id, member_id]}}),
             "changes.members.remove"),
            (lambda: client.registration.update_household(hid, {"members": {"update": [
                {"member_id": member_id, "relationship": "head"}]}}), "changes.members"),
            (lambda: client.registration.update_household(hid, {"members": {"update": [
                {"member_id": str(uuid.uuid4()), "sex": "male"}]}}), "changes.members.update.0.member_id"),
            (lambda: client.registration.update_household(hid, {"consent": False}), "changes.consent"),
            (lambda: client.registration.update_household(hid, {"members": {"add": [  # consent: every member named
                {"family_name": "Sitoe", "sex": "male", "age_years": 1, "relationship": "child"}]}}),
             "changes.members.add.0.given_name"),
            (lambda: client.registration.record_departure(hid, "bored", "2026-11-28"), "reason"),
            (lambda: client.registration.record_departure(hid, "returned_home", "tomorrow"), "date"),
            (lambda: client.registration.record_departure(hid, "returned_home", "2999-01-01"), "date"),
            (lambda: client.registration.record_departure(hid, None, None), "reason"),
            (lambda: client.registration.relocate_household(hid, "elsewhere"), "to_site_id"),
            (lambda: client.registration.search_households(limit=0), "limit"),
            (lambda: client.registration.search_households(limit="10"), "limit"),
            (lambda: client.registration.search_households(offset=-1), "offset"),
            (lambda: client.registration.search_households(site_id="x"), "site_id"),
            (lambda: client.registration.search_households(name=HUGE), "name"),
            (lambda: client.registration.search_households(name="!!!"), "name"),
        ]
        for call, field in cases:
            with pytest.raises(ValidationError) as error:
                call()
            assert any(f == field or f.startswith(field + ".") for f in error.value.errors), (field, error.value)
        after = client.registration.get_household(hid)
        assert after["version"] == version and after["status"] == "active" and after["size"] == 2
        with pytest.raises(NotFound):
            client.registration.relocate_household(hid, str(uuid.uuid4()))
