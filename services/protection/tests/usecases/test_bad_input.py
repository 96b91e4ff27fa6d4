"""Bad input to every change: a ValidationError naming the field, nothing changed, no event."""
import pytest

from haven_kernel.errors import ValidationError

from haven_protection import access, cases, follow_ups, sharing
from haven_protection.models import AccessLog, Referral
from haven_protection.testing import SETTINGS, SITE, act, case_payload, needs_event, run


@pytest.fixture
def case_id(unit, desk):
    return run(unit, lambda: cases.open_case(desk, case_payload()))["case_id"]


@pytest.mark.parametrize("call, field", [
    (lambda d, c: cases.update_case(d, c, {"risk": "severe"}), "changes.risk"),
    (lambda d, c: cases.update_case(d, c, {"narrative": "a\x00b"}), "changes.narrative"),
    (lambda d, c: cases.update_case(d, c, {"name": "x"}), "changes.name"),
    (lambda d, c: cases.change_status(d, c, {"status": "archived"}), "status"),
    (lambda d, c: cases.change_status(d, c, {"status": "assessment", "date": "2999-01-01"}), "date"),
    (lambda d, c: cases.record_consent(d, c, {"kind": "services", "given": "yes", "date": "2026-11-20"}),
     "consent.given"),
    (lambda d, c: cases.record_consent(d, c, {"kind": "photos", "given": True, "date": "2026-11-20"}),
     "consent.kind"),
    (lambda d, c: cases.record_action(d, c, {"kind": "service"}), "action.service_type"),
    (lambda d, c: cases.record_action(d, c, {"kind": "visit"}), "action.kind"),
    (lambda d, c: cases.assign_case(d, c, {"caseworker": " "}), "caseworker"),
    (lambda d, c: sharing.refer_case(d, c, {"to_org": "UNHCR", "service_type": "teleportation"}),
     "referral.service_type"),
    (lambda d, c: sharing.refer_case(d, c, {"to_org": "=cmd|'/c calc'!A1", "service_type": "health"}),
     "referral.to_org"),
    (lambda d, c: sharing.refer_case(d, c, {"to_org": "IOM", "service_type": "health"}), "referral.to_org"),
    (lambda d, c: sharing.answer_referral(d, "not-an-id", {"accept": True}), "referral_id"),
    (lambda d, c: sharing.answer_transfer(d, "not-an-id", {"accept": True}), "transfer_id"),
    (lambda d, c: sharing.incoming(d, limit=1000), "limit"),
    (lambda d, c: follow_ups.list_follow_ups(d, status="maybe"), "status"),
    (lambda d, c: follow_ups.close(d, "not-an-id", "reason"), "follow_up_id"),
    (lambda d, c: access.read_log(d.unit, "not-an-id"), "case_id"),
    (lambda d, c: cases.get_case(d, 42), "case_id"),
])
def test_bad_input_is_refused_naming_the_field(unit, desk, case_id, call, field):
    act(unit, "iom_manager")
    logged, events = unit.count(AccessLog), len(unit.events())
    with pytest.raises(ValidationError) as error, unit.transaction():
        call(desk, case_id)
    assert list(error.value.errors) == [field]
    assert (unit.count(AccessLog), len(unit.events()), unit.count(Referral)) == (logged, events, 0)


def test_a_follow_up_closed_without_a_reason_is_refused(unit, desk):
    event = needs_event(SITE, {"SC-UC": 1})
    with unit.applying(event):
        [follow_up_id] = follow_ups.on_protection_needs(unit, event, SETTINGS)
    with pytest.raises(ValidationError) as error, unit.transaction():
        follow_ups.close(desk, follow_up_id, "   ")
    assert list(error.value.errors) == ["reason"]
