"""Follow-up from registration: one task per need per household, for the site's focal organisation."""
import pytest

from haven_contracts.testing import Events
from haven_kernel.errors import Conflict

from haven_protection import cases, follow_ups
from haven_protection.models import FollowUp
from haven_protection.settings import ProtectionSettings
from haven_protection.testing import KEYS, OTHER_SITE, SETTINGS, SITE, act, case_payload, needs_event, run


def apply(unit, event, settings=SETTINGS):
    with unit.applying(event):
        return follow_ups.on_protection_needs(unit, event, settings)


def test_one_follow_up_per_need_even_when_the_event_comes_twice_or_after_an_update(unit):
    events, household = Events(), "3c1e2a44-1111-4a2b-9c3d-5e6f7a8b9c0d"
    first = needs_event(SITE, {"SC-UC": 2, "CR-CP": 1, "LP-ND": 1}, household, events=events)
    assert len(apply(unit, first)) == 2
    assert apply(unit, first) == []
    update = needs_event(SITE, {"SC-UC": 2, "CR-CP": 1, "SV": 1}, household, version=2, events=events)
    assert len(apply(unit, update)) == 1
    assert sorted((e["need"], e["site_id"], e["adm1"]) for e in unit.events("follow_up_opened")) == [
        ("CR", SITE, "Sofala"), ("SC", SITE, "Sofala"), ("SV", None, "Sofala")]
    assert unit.count(FollowUp) == 3


def test_most_households_need_no_follow_up(unit):
    assert apply(unit, needs_event(SITE, {"LP-ND": 1, "SC-UC": 0})) == []
    assert unit.count(FollowUp) == 0 and unit.events() == []


def test_the_follow_up_goes_to_the_sites_focal_organisation(unit):
    settings = ProtectionSettings(keys=KEYS, focal_orgs={SITE: "UNICEF"}, default_focal_org="UNHCR")
    apply(unit, needs_event(SITE, {"SC-SC": 1}), settings)
    apply(unit, needs_event(OTHER_SITE, {"SC-SC": 1}), settings)
    apply(unit, needs_event(OTHER_SITE, {"SC-SC": 1}, org="IRC"), ProtectionSettings(keys=KEYS))
    with unit._session_factory() as session:
        assert sorted(row.org for row in session.query(FollowUp)) == ["IRC", "UNHCR", "UNICEF"]


def test_a_site_not_yet_known_is_retried_not_refused(unit):
    with pytest.raises(follow_ups.SiteNotYetKnown):
        apply(unit, needs_event("99999999-2222-4333-8444-555555555555", {"SC-UC": 1}))
    assert unit.count(FollowUp) == 0


def test_a_caseworker_turns_a_follow_up_into_a_case_or_closes_it_with_a_reason(unit, desk):
    opened = apply(unit, needs_event(SITE, {"SC-UC": 1, "CR-CP": 1}))
    converted = run(unit, lambda: follow_ups.convert(desk, opened[0], case_payload()))
    assert converted["follow_up_id"] == opened[0] and converted["caseworker"] == "ana"
    assert (converted["follow_up_status"], converted["follow_up_version"]) == ("converted", 2)
    closed = run(unit, lambda: follow_ups.close(desk, opened[1], "Family found the same day"))
    assert (closed["status"], closed["version"]) == ("closed", 2) and "Family" not in repr(closed)
    assert [item["closed_by"] for item in run(unit, lambda: follow_ups.list_follow_ups(desk, status="closed"))[
        "items"]] == ["ana"]
    with pytest.raises(Conflict), unit.transaction():
        follow_ups.close(desk, opened[0], "again")
    assert [(e["status"]) for e in unit.events("follow_up_closed")] == ["converted", "closed"]
    assert run(unit, lambda: follow_ups.list_follow_ups(desk))["items"] == []
    assert len(run(unit, lambda: follow_ups.list_follow_ups(desk, status=None))["items"]) == 2
    act(unit, "iom_manager")
    assert run(unit, lambda: cases.get_case(desk, converted["case_id"]))["follow_up_id"] == opened[0]


def test_a_departed_household_opens_nothing_new(unit):
    assert apply(unit, needs_event(SITE, {"SC-UC": 1}, version=3, status="departed", cause="departed")) == []
    assert unit.count(FollowUp) == 0
