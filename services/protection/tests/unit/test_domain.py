"""The protection service's rules alone: no broker, no database."""
import itertools

import pytest

from haven_protection import domain
from haven_protection.domain import CaseAccess, Sharing, Viewer

pytestmark = pytest.mark.unit

CW, MGR = domain.CASEWORKER, domain.MANAGER


def viewer(org, sub, *scopes):
    return Viewer(sub, org, frozenset(scopes))


CASE = CaseAccess("IOM", "ana", "child_protection")


@pytest.mark.parametrize("who, case, expected", [
    (viewer("IOM", "ana", CW), CASE, "caseworker"),
    (viewer("IOM", "ben", CW), CASE, None),
    (viewer("IOM", "boss", MGR), CASE, "manager"),
    (viewer("IOM", "ana", CW, MGR), CASE, "manager"),
    (viewer("IOM", "ana"), CASE, None),  # no protection role: the sub alone is nothing
    (viewer("IOM", "root", "admin"), CASE, None),
    (viewer("IOM", "root", "admin", "protection:read", "protection:write"), CASE, None),
    (viewer("UNHCR", "boss", MGR), CASE, None),
    (viewer("UNHCR", "boss", MGR), CaseAccess("IOM", "ana", "gbv", (Sharing("UNHCR", "pending"),)), None),
    (viewer("UNHCR", "boss", MGR), CaseAccess("IOM", "ana", "gbv", (Sharing("UNHCR", "accepted", "uma"),)),
     "referred"),
    (viewer("UNHCR", "uma", CW), CaseAccess("IOM", "ana", "gbv", (Sharing("UNHCR", "accepted", "uma"),)),
     "referred"),
    (viewer("UNHCR", "ulf", CW), CaseAccess("IOM", "ana", "gbv", (Sharing("UNHCR", "accepted", "uma"),)), None),
    (viewer("UNHCR", "boss", MGR), CaseAccess("IOM", "ana", "gbv", (Sharing("UNHCR", "revoked", "uma"),)), None),
    (viewer("UNHCR", "boss", MGR), CaseAccess("IOM", "ana", "gbv", (Sharing("UNHCR", "declined"),)), None),
    (viewer("WFP", "boss", MGR), CaseAccess("IOM", "ana", "gbv", (Sharing("UNHCR", "accepted", "uma"),)), None),
    (viewer("IOM", "ana", CW), CaseAccess("IOM", None, "gbv"), None),  # unassigned: managers only
])
def test_who_stands_where_to_a_case(who, case, expected):
    assert domain.standing(who, case) == expected


@pytest.mark.parametrize("standing, case_type, in_list, shown", [
    ("caseworker", "gbv", False, True), ("caseworker", "gbv", True, False),
    ("manager", "gbv", False, False), ("manager", "gbv", True, False), ("referred", "gbv", False, False),
    ("caseworker", "child_protection", True, True), ("manager", "child_protection", True, True),
    ("referred", "general_protection", False, True), (None, "child_protection", False, False),
])
def test_a_gbv_name_is_shown_only_to_its_caseworker_on_the_case_itself(standing, case_type, in_list, shown):
    assert domain.shows_name(standing, case_type, in_list) is shown


@pytest.mark.parametrize("case_type, consents, missing", [
    ("child_protection", {}, ["services", "share"]),
    ("child_protection", {"services": True, "share": False}, ["share"]),
    ("child_protection", {"services": True, "share": True}, []),
    ("gbv", {"services": None, "share": True}, ["services"]),
    ("gbv", {"services": True}, []),
    ("general_protection", {"services": True}, ["share"]),
])
def test_a_referral_needs_the_consents_of_its_case_type(case_type, consents, missing):
    assert domain.missing_consents(case_type, consents) == missing


def test_an_override_needs_the_scope_and_a_reason():
    plain, overrider = viewer("IOM", "ana", CW), viewer("IOM", "ana", CW, domain.CONSENT_OVERRIDE)
    assert domain.referral_override(plain, [], None) is None
    assert "consent missing" in domain.referral_override(plain, ["share"], "urgent")
    assert "reason" in domain.referral_override(overrider, ["share"], None)
    assert domain.referral_override(overrider, ["share"], "urgent") is None


def test_the_workflow_goes_one_step_on_or_closes_and_a_closed_case_reopens_to_assessment():
    assert domain.next_statuses("new") == ("assessment", "closed")
    assert domain.next_statuses("services") == ("closed",)
    assert domain.next_statuses("closed") == ("assessment",)
    assert not domain.may_move("new", "services") and not domain.may_move("closed", "new")


def test_every_walk_along_the_workflow_stays_in_it():
    for steps in itertools.product(domain.WORKFLOW, repeat=4):
        status = "new"
        for to in steps:
            if domain.may_move(status, to):
                status = to
            assert status in domain.WORKFLOW


def test_follow_up_needs_are_counted_by_group_and_only_the_configured_ones():
    needs = {"SC-UC": 1, "SC-SC": 2, "CR-CP": 0, "SV": 1, "DS-PM": 3}
    assert domain.follow_up_needs(needs, ("SC", "CR", "SV")) == {"SC": 3, "SV": 1}
    assert domain.follow_up_needs(needs, ("DS",)) == {"DS": 3}
    assert domain.follow_up_needs({}, ("SC",)) == {}


def test_gbv_places_carry_no_site():
    assert domain.event_place("gbv", "s", "Sofala") == (None, "Sofala")
    assert domain.event_place("child_protection", "s", "Sofala") == ("s", "Sofala")
    assert domain.follow_up_place("SV", "s", "Sofala") == (None, "Sofala")
    assert domain.follow_up_place("SC", "s", "Sofala") == ("s", "Sofala")


def test_a_full_page_may_have_a_next_one_and_a_short_page_is_the_last():
    assert domain.next_offset(0, 50, 50) == 50
    assert domain.next_offset(50, 50, 49) is None
