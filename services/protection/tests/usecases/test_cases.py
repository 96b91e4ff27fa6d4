"""Cases on the service's unit of work over SQLite: open, read, list, change, workflow, consent, GBV names."""
import pytest
from sqlalchemy import select, text

from haven_kernel.errors import Conflict, Forbidden, NotFound, ValidationError

from haven_protection import cases
from haven_protection.models import Case
from haven_protection.testing import OTHER_SITE, SITE, act, case_payload, run


def test_a_caseworker_opens_a_case_and_reads_it_back_decrypted(unit, desk):
    opened = run(unit, lambda: cases.open_case(desk, case_payload()))
    assert (opened["caseworker"], opened["org"], opened["status"]) == ("ana", "IOM", "new")
    case = run(unit, lambda: cases.get_case(desk, opened["case_id"]))
    assert case["person"]["name"] == "Amina Test" and case["narrative"] == "Found alone near the river."
    assert (case["uasc_status"], case["risk"], case["specific_needs"]) == ("unaccompanied", "high", ["SC-UC"])
    with unit.engine.connect() as connection:
        row = connection.execute(text("SELECT person_sealed, narrative_sealed FROM cases")).one()
    assert "Amina" not in str(row) and "river" not in str(row) and row[0].startswith("k1:")
    [event] = unit.events("case_opened")
    assert event["site_id"] == SITE and event["adm1"] == "Sofala" and set(event) == {
        "case_id", "case_type", "risk", "status", "site_id", "adm1", "version", "at"}


def test_a_gbv_case_shows_its_name_only_to_its_caseworker_and_never_in_a_list(unit, desk):
    opened = run(unit, lambda: cases.open_case(desk, case_payload("gbv", name="Zainab Secret")))
    assert run(unit, lambda: cases.get_case(desk, opened["case_id"]))["person"]["name"] == "Zainab Secret"
    listed = run(unit, lambda: cases.list_cases(desk, {"limit": 10, "offset": 0}))["items"]
    assert [item["name"] for item in listed] == [None]
    act(unit, "iom_manager")
    managed = run(unit, lambda: cases.get_case(desk, opened["case_id"]))
    assert managed["person"] is None and managed["person_withheld"] and managed["narrative"] is None
    assert "Zainab" not in repr(run(unit, lambda: cases.list_cases(desk, {"limit": 10, "offset": 0})))
    [event] = unit.events("case_opened")
    assert (event["site_id"], event["adm1"]) == (None, "Sofala"), "a GBV event carries no site"


def test_a_child_protection_case_lists_its_name_to_those_who_see_it(unit, desk):
    run(unit, lambda: cases.open_case(desk, case_payload()))
    run(unit, lambda: cases.open_case(desk, case_payload("general_protection", name="Other Person",
                                                         site_id=OTHER_SITE)))
    page = run(unit, lambda: cases.list_cases(desk, {"site_id": SITE, "limit": 10, "offset": 0}))
    assert [item["name"] for item in page["items"]] == ["Amina Test"] and page["next_offset"] is None


def test_the_workflow_moves_one_step_closes_and_reopens(unit, desk):
    case_id = run(unit, lambda: cases.open_case(desk, case_payload()))["case_id"]
    for status in ("assessment", "case_plan", "services", "closed", "assessment"):
        moved = run(unit, lambda: cases.change_status(desk, case_id, {"status": status}))
        assert (moved["status"], moved["changed"]) == (status, ["status"])
    assert moved["version"] == 6
    assert set(run(unit, lambda: cases.get_case(desk, case_id))["status_dates"]) == {"new", "assessment", "case_plan", "services", "closed"}
    with pytest.raises(Conflict), unit.transaction():
        cases.change_status(desk, case_id, {"status": "services"})
    assert [e["status"] for e in unit.events("case_status_changed")] == [
        "assessment", "case_plan", "services", "closed", "assessment"]


def test_consent_is_recorded_with_its_date_and_by_whom(unit, desk):
    case_id = run(unit, lambda: cases.open_case(desk, case_payload()))["case_id"]
    acked = run(unit, lambda: cases.record_consent(desk, case_id, {"kind": "services", "given": True,
                                                                   "date": "2026-11-20"}))
    assert (acked["version"], acked["changed"]) == (2, ["consents.services"])
    case = run(unit, lambda: cases.get_case(desk, case_id))
    assert case["consents"]["services"] == {"given": True, "date": "2026-11-20", "by": "ana"}
    assert case["consents"]["share"] == {"given": None, "date": None, "by": None}


def test_services_and_follow_up_visits_keep_their_notes_sealed(unit, desk):
    case_id = run(unit, lambda: cases.open_case(desk, case_payload()))["case_id"]
    acked = run(unit, lambda: cases.record_action(desk, case_id, {"kind": "service", "service_type": "family_tracing",
                                                                  "provider_org": "ICRC", "note": "Uncle in Beira"}))
    assert "Beira" not in repr(acked) and acked["changed"] == ["actions"]
    case = run(unit, lambda: cases.get_case(desk, case_id))
    assert [a["action_id"] for a in case["actions"]] == [acked["action_id"]]
    assert [(a["kind"], a["service_type"], a["note"]) for a in case["actions"]] == [
        ("service", "family_tracing", "Uncle in Beira")]
    with unit.engine.connect() as connection:
        assert "Beira" not in str(connection.execute(text("SELECT * FROM case_actions")).all())


def test_a_manager_assigns_and_the_new_caseworker_sees_the_case(unit, desk):
    case_id = run(unit, lambda: cases.open_case(desk, case_payload()))["case_id"]
    act(unit, "iom_manager")
    run(unit, lambda: cases.assign_case(desk, case_id, {"caseworker": "ben"}))
    act(unit, "ben")
    assert run(unit, lambda: cases.get_case(desk, case_id))["caseworker"] == "ben"
    act(unit, "ana")
    with pytest.raises(NotFound), unit.transaction():
        cases.get_case(desk, case_id)


def test_a_caseworker_cannot_open_a_case_for_someone_else_nor_can_a_reader(unit, desk):
    with pytest.raises(Forbidden), unit.transaction():
        cases.open_case(desk, case_payload(caseworker="ben"))
    unit.act_as("protection:read", "protection:write", org="IOM", sub="reader")
    with pytest.raises(Forbidden), unit.transaction():
        cases.open_case(desk, case_payload())
    assert unit.count(Case) == 0


@pytest.mark.parametrize("change, field", [
    ({"case_type": "other"}, "case.case_type"),
    ({"risk": "extreme"}, "case.risk"),
    ({"site_id": "not-a-uuid"}, "case.site_id"),
    ({"site_id": "11111111-2222-4333-8444-555555555555"}, "case.site_id"),
    ({"person": {"sex": "female"}}, "case.person.name"),
    ({"person": {"household_id": "11111111-2222-4333-8444-555555555555"}}, "case.person.member_id"),
    ({"person": {"name": "A\u202eB"}}, "case.person.name"),
    ({"specific_needs": ["XX-YY"]}, "case.specific_needs.0"),
    ({"concerns": ["Drop table"]}, "case.concerns.0"),
    ({"narrative": "x" * 20001}, "case.narrative"),
    ({"org": "UNHCR"}, "case.org"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_changes(unit, desk, change, field):
    with pytest.raises(ValidationError) as error, unit.transaction():
        cases.open_case(desk, case_payload(**change))
    assert list(error.value.errors) == [field]
    assert unit.count(Case) == 0 and unit.events() == []


def test_an_unknown_or_malformed_case_id_is_not_found_or_refused(unit, desk):
    with pytest.raises(NotFound), unit.transaction():
        cases.get_case(desk, "11111111-2222-4333-8444-555555555555")
    with pytest.raises(ValidationError), unit.transaction():
        cases.get_case(desk, "nope")
    with pytest.raises(ValidationError), unit.transaction():
        cases.list_cases(desk, {"limit": 0, "offset": 0})


def test_an_update_changes_only_what_it_names_and_tells_reporting_of_risk(unit, desk):
    case_id = run(unit, lambda: cases.open_case(desk, case_payload()))["case_id"]
    acked = run(unit, lambda: cases.update_case(desk, case_id, {"risk": "low", "narrative": "Reunified soon."}))
    assert (acked["version"], acked["changed"], acked["risk"]) == (2, ["narrative", "risk"], "low")
    assert "Reunified" not in repr(acked), "a change's reply carries no narrative"
    case = run(unit, lambda: cases.get_case(desk, case_id))
    assert (case["risk"], case["narrative"], case["person"]["name"]) == ("low", "Reunified soon.", "Amina Test")
    assert [e["risk"] for e in unit.events("case_updated")] == ["low"]
    with pytest.raises(ValidationError), unit.transaction():
        cases.update_case(desk, case_id, {})
    with unit._session_factory() as session:
        assert session.execute(select(Case.version)).scalar_one() == 2
