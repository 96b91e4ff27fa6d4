"""Referral with consent (or a recorded override), and transfer."""
import pytest
from sqlalchemy import select, text

from haven_kernel.errors import Conflict, Forbidden, NotFound

from haven_protection import cases, sharing
from haven_protection.models import Referral
from haven_protection.testing import act, case_payload, run

TRACING = {"to_org": "UNHCR", "service_type": "family_tracing"}


def consent(desk, case_id, kind, given=True):
    return cases.record_consent(desk, case_id, {"kind": kind, "given": given, "date": "2026-11-20"})


@pytest.mark.parametrize("case_type, consents, refused", [
    ("child_protection", (), True),
    ("child_protection", ("services",), True),
    ("child_protection", ("share",), True),
    ("child_protection", ("services", "share"), False),
    ("gbv", (), True),
    ("gbv", ("share",), True),
    ("gbv", ("services",), False),
    ("general_protection", ("services",), True),
    ("general_protection", ("share",), False),
])
def test_a_referral_needs_the_consent_its_case_type_needs(unit, desk, case_type, consents, refused):
    case_id = run(unit, lambda: cases.open_case(desk, case_payload(case_type)))["case_id"]
    for kind in consents:
        run(unit, lambda: consent(desk, case_id, kind))
    if refused:
        with pytest.raises(Forbidden) as error, unit.transaction():
            sharing.refer_case(desk, case_id, TRACING)
        assert "consent missing" in str(error.value)
        assert unit.count(Referral) == 0 and unit.events("case_referred") == []
    else:
        assert run(unit, lambda: sharing.refer_case(desk, case_id, TRACING))["status"] == "pending"


def test_consent_refused_is_not_consent(unit, desk):
    case_id = run(unit, lambda: cases.open_case(desk, case_payload("gbv")))["case_id"]
    run(unit, lambda: consent(desk, case_id, "services", given=False))
    with pytest.raises(Forbidden), unit.transaction():
        sharing.refer_case(desk, case_id, TRACING)


def test_an_override_needs_the_scope_and_a_reason_and_is_recorded(unit, desk):
    case_id = run(unit, lambda: cases.open_case(desk, case_payload()))["case_id"]
    with pytest.raises(Forbidden), unit.transaction():
        sharing.refer_case(desk, case_id, {**TRACING, "override_reason": "Life-threatening"})
    act(unit, "overrider")
    with pytest.raises(Forbidden) as error, unit.transaction():
        sharing.refer_case(desk, case_id, TRACING)
    assert "reason" in str(error.value)
    made = run(unit, lambda: sharing.refer_case(desk, case_id, {**TRACING, "override_reason": "Child in danger"}))
    assert (made["consent_override"], made["status"], made["version"]) == (True, "pending", 1)
    assert "danger" not in repr(made), "the reply is an acknowledgement: no reason"
    [event] = unit.events("case_referred")
    assert event["consent_override"] is True and "override_reason" not in event
    with unit.engine.connect() as connection:
        assert "danger" not in str(connection.execute(text("SELECT * FROM referrals")).all())
    shown = run(unit, lambda: cases.get_case(desk, case_id))["referrals"]
    assert [(r["consent_override"], r["override_reason"]) for r in shown] == [(True, "Child in danger")]
    log = [row for row in unit.session.execute(text("SELECT action, detail FROM access_log")).all()]
    assert ("refer", "to UNHCR; consent override (services,share)") in log


def test_a_referral_is_accepted_then_revoked_and_the_receiver_loses_sight(unit, desk):
    case_id = run(unit, lambda: cases.open_case(desk, case_payload()))["case_id"]
    run(unit, lambda: (consent(desk, case_id, "services"), consent(desk, case_id, "share")))
    referral_id = run(unit, lambda: sharing.refer_case(desk, case_id, TRACING))["referral_id"]
    act(unit, "unhcr_manager")
    with pytest.raises(NotFound), unit.transaction():
        cases.get_case(desk, case_id)
    answered = run(unit, lambda: sharing.answer_referral(desk, referral_id, {"accept": True}))
    assert (answered["status"], answered["assigned_to"], answered["version"]) == ("accepted", "unhcr-manager", 2)
    seen = run(unit, lambda: cases.get_case(desk, case_id))
    assert seen["person"]["name"] == "Amina Test" and seen["narrative"] is None, "the narrative stays at home"
    act(unit, "ana")
    run(unit, lambda: sharing.revoke_referral(desk, referral_id))
    act(unit, "unhcr_manager")
    with pytest.raises(NotFound), unit.transaction():
        cases.get_case(desk, case_id)
    assert [e["status"] for e in unit.events("case_referred")] == ["pending", "accepted", "revoked"]


def test_a_transfer_moves_ownership_when_the_receiver_accepts(unit, desk):
    case_id = run(unit, lambda: cases.open_case(desk, case_payload("general_protection")))["case_id"]
    act(unit, "iom_manager")
    with pytest.raises(Forbidden), unit.transaction():
        sharing.transfer_case(desk, case_id, "UNHCR")
    run(unit, lambda: consent(desk, case_id, "share"))
    transfer_id = run(unit, lambda: sharing.transfer_case(desk, case_id, "UNHCR"))["transfer_id"]
    with pytest.raises(Conflict), unit.transaction():
        sharing.transfer_case(desk, case_id, "WFP")
    act(unit, "unhcr_manager")
    answered = run(unit, lambda: sharing.answer_transfer(desk, transfer_id, {"accept": True}))
    assert (answered["status"], answered["version"], answered["case_version"]) == ("accepted", 2, 3)
    taken = run(unit, lambda: cases.get_case(desk, case_id))
    assert (taken["org"], taken["caseworker"], taken["your_standing"]) == ("UNHCR", None, "manager")
    act(unit, "iom_manager")
    with pytest.raises(NotFound), unit.transaction():
        cases.get_case(desk, case_id)
    with unit._session_factory() as session:
        assert session.execute(select(Referral)).all() == []
    assert [e["status"] for e in unit.events("case_transferred")] == ["pending", "accepted"]
