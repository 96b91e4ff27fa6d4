"""Every read (open, list hit) and every change of a case writes an access-log row: who, organisation, case, what."""
from sqlalchemy import select

from haven_protection import cases, sharing
from haven_protection.models import AccessLog
from haven_protection.testing import act, case_payload, run


def log_rows(unit):
    with unit._session_factory() as session:
        return [(r.sub, r.org, r.case_id, r.action, r.detail) for r in
                session.execute(select(AccessLog).order_by(AccessLog.id)).scalars()]


def test_every_read_and_change_is_in_the_log_including_each_list_hit(unit, desk):
    first = run(unit, lambda: cases.open_case(desk, case_payload()))["case_id"]
    second = run(unit, lambda: cases.open_case(desk, case_payload("gbv", name="Someone Else")))["case_id"]
    run(unit, lambda: cases.get_case(desk, first))
    run(unit, lambda: cases.list_cases(desk, {"limit": 10, "offset": 0}))
    run(unit, lambda: cases.update_case(desk, second, {"risk": "medium"}))
    act(unit, "iom_manager")
    run(unit, lambda: cases.list_cases(desk, {"case_type": "gbv", "limit": 10, "offset": 0}))
    assert log_rows(unit) == [
        ("ana", "IOM", first, "change", "opened"),
        ("ana", "IOM", second, "change", "opened"),
        ("ana", "IOM", first, "open", "case"),
        ("ana", "IOM", first, "list", "list hit"),
        ("ana", "IOM", second, "list", "list hit"),
        ("ana", "IOM", second, "change", "risk"),
        ("iom-manager", "IOM", second, "list", "list hit"),
    ]


def test_a_read_refused_or_of_nothing_writes_nothing(unit, desk):
    case_id = run(unit, lambda: cases.open_case(desk, case_payload()))["case_id"]
    before = log_rows(unit)
    act(unit, "ben")
    assert run(unit, lambda: cases.list_cases(desk, {"limit": 10, "offset": 0}))["items"] == []
    act(unit, "admin")
    try:
        run(unit, lambda: cases.get_case(desk, case_id))
    except Exception:
        pass
    assert log_rows(unit) == before


def test_a_referral_and_its_answer_are_logged_on_both_sides(unit, desk):
    case_id = run(unit, lambda: cases.open_case(desk, case_payload("gbv")))["case_id"]
    run(unit, lambda: cases.record_consent(desk, case_id, {"kind": "services", "given": True, "date": "2026-11-20"}))
    referral_id = run(unit, lambda: sharing.refer_case(desk, case_id, {"to_org": "UNHCR",
                                                                      "service_type": "health"}))["referral_id"]
    act(unit, "unhcr_manager")
    run(unit, lambda: sharing.answer_referral(desk, referral_id, {"accept": True}))
    run(unit, lambda: cases.get_case(desk, case_id))  # the answer is an acknowledgement: the case is read apart
    assert [(sub, action, detail) for sub, _, _, action, detail in log_rows(unit)][-4:] == [
        ("ana", "change", "consent:services"), ("ana", "refer", "to UNHCR"),
        ("unhcr-manager", "referral", "accepted"), ("unhcr-manager", "open", "case")]
