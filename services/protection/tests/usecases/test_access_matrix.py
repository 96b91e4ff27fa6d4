"""The access matrix: for each situation of a case (its own organisation's, referred before / after acceptance /
after revocation or decline, transfer pending / accepted) and each actor (the assigned caseworker, another
caseworker of the organisation, its manager, another organisation's manager and caseworker, an organisation it was
never shared with, admin), every RPC method of the service is called and must be allowed, NotFound or Forbidden as
the table says. A change is rolled back after each cell, so each cell sees the same situation.

The expectations are written out here, not derived from domain.py: a rule that changes breaks a cell."""
import pytest

from haven_kernel.errors import Forbidden, NotFound
from haven_kernel.service import SHARING_METHODS
from haven_kernel.testing.rpc_auth import rpc_methods

from haven_protection import access, cases, follow_ups, sharing
from haven_protection.service import ProtectionService
from haven_protection.testing import SITE, act, case_payload, run

ACTORS = ("ana", "ben", "iom_manager", "unhcr_manager", "uma", "wfp_manager", "admin")


class Undo(Exception):
    """Raised inside a cell's transaction to roll its change back."""


def attempt(unit, call):
    try:
        with unit.transaction():
            call()
            raise Undo
    except Undo:
        return "ok"
    except NotFound:
        return "NotFound"
    except Forbidden:
        return "Forbidden"


def _given(desk, case_id):
    for kind in ("services", "share"):
        cases.record_consent(desk, case_id, {"kind": kind, "given": True, "date": "2026-11-20"})


def situation(unit, desk, name):
    """Build ``name``: an IOM child-protection case assigned to ana (both consents given), then what the
    situation adds. Returns {case_id, referral_id, transfer_id}."""
    act(unit, "ana")
    ids = {"case_id": run(unit, lambda: cases.open_case(desk, case_payload()))["case_id"]}
    run(unit, lambda: _given(desk, ids["case_id"]))
    if name.startswith("referred"):
        ids["referral_id"] = run(unit, lambda: sharing.refer_case(
            desk, ids["case_id"], {"to_org": "UNHCR", "service_type": "family_tracing"}))["referral_id"]
        if name in ("referred_accepted", "referred_revoked"):
            act(unit, "unhcr_manager")
            run(unit, lambda: sharing.answer_referral(desk, ids["referral_id"], {"accept": True, "caseworker": "uma"}))
        if name == "referred_declined":
            act(unit, "unhcr_manager")
            run(unit, lambda: sharing.answer_referral(desk, ids["referral_id"], {"accept": False}))
        if name == "referred_revoked":
            act(unit, "ana")
            run(unit, lambda: sharing.revoke_referral(desk, ids["referral_id"]))
    if name.startswith("transfer"):
        act(unit, "iom_manager")
        ids["transfer_id"] = run(unit, lambda: sharing.transfer_case(desk, ids["case_id"], "UNHCR"))["transfer_id"]
        if name == "transferred":
            act(unit, "unhcr_manager")
            run(unit, lambda: sharing.answer_transfer(desk, ids["transfer_id"], {"accept": True, "caseworker": "uma"}))
    return ids


# How each actor stands to the case in each situation: cw (its caseworker), mgr (its owner's manager), ref (the
# organisation it is referred to, accepted), none (may not see it).
_OWN = {"ana": "cw", "ben": "none", "iom_manager": "mgr", "unhcr_manager": "none", "uma": "none",
        "wfp_manager": "none", "admin": "none"}
STANDING = {
    "own": _OWN,
    "referred_pending": _OWN,
    "referred_accepted": {**_OWN, "unhcr_manager": "ref", "uma": "ref"},
    "referred_revoked": _OWN,
    "referred_declined": _OWN,
    "transfer_pending": _OWN,
    "transferred": {"ana": "none", "ben": "none", "iom_manager": "none", "unhcr_manager": "mgr", "uma": "cw",
                    "wfp_manager": "none", "admin": "none"},
}

# What each case method answers for each standing.
CASE_METHODS = {
    #                 cw           mgr    ref          none
    "get_case":       ("ok",        "ok",  "ok",        "NotFound"),
    "update_case":    ("ok",        "ok",  "Forbidden", "NotFound"),
    "change_status":  ("ok",        "ok",  "Forbidden", "NotFound"),
    "record_consent": ("ok",        "ok",  "Forbidden", "NotFound"),
    "record_action":  ("ok",        "ok",  "Forbidden", "NotFound"),
    "assign_case":    ("Forbidden", "ok",  "Forbidden", "NotFound"),
    "refer_case":     ("ok",        "ok",  "Forbidden", "NotFound"),
    "transfer_case":  ("Forbidden", "ok",  "Forbidden", "NotFound"),
}
COLUMN = {"cw": 0, "mgr": 1, "ref": 2, "none": 3}


def case_calls(desk, ids):
    case_id = ids["case_id"]
    return {
        "get_case": lambda: cases.get_case(desk, case_id),
        "update_case": lambda: cases.update_case(desk, case_id, {"risk": "low"}),
        "change_status": lambda: cases.change_status(desk, case_id, {"status": "assessment"}),
        "record_consent": lambda: cases.record_consent(desk, case_id, {"kind": "share", "given": True,
                                                                       "date": "2026-11-21"}),
        "record_action": lambda: cases.record_action(desk, case_id, {"kind": "follow_up", "due_on": "2026-12-01"}),
        "assign_case": lambda: cases.assign_case(desk, case_id, {"caseworker": "ben"}),
        "refer_case": lambda: sharing.refer_case(desk, case_id, {"to_org": "WFP", "service_type": "basic_needs"}),
        "transfer_case": lambda: sharing.transfer_case(desk, case_id, "WFP"),
    }


@pytest.mark.parametrize("name", list(STANDING))
def test_every_case_method_answers_each_actor_as_the_table_says(unit, desk, name):
    ids = situation(unit, desk, name)
    found = {}
    for actor in ACTORS:
        for method, call in case_calls(desk, ids).items():
            if method == "transfer_case" and name == "transfer_pending" and STANDING[name][actor] == "mgr":
                continue  # a second transfer while one waits is a Conflict (tested in test_sharing)
            act(unit, actor)
            found[actor, method] = attempt(unit, call)
    expected = {(actor, method): CASE_METHODS[method][COLUMN[STANDING[name][actor]]]
                for actor, method in found}
    assert found == expected


@pytest.mark.parametrize("name", list(STANDING))
def test_a_list_shows_a_case_to_exactly_those_who_may_see_it(unit, desk, name):
    ids = situation(unit, desk, name)
    listed = {}
    for actor in ACTORS:
        act(unit, actor)
        items = run(unit, lambda: cases.list_cases(desk, {"limit": 50, "offset": 0}))["items"]
        listed[actor] = ids["case_id"] in [item["case_id"] for item in items]
    assert listed == {actor: STANDING[name][actor] != "none" for actor in ACTORS}


# The answers to a referral or transfer, and the log and inbox reads, by situation and actor.
@pytest.mark.parametrize("name, method, allowed", [
    ("referred_pending", "answer_referral", {"unhcr_manager"}),
    ("referred_pending", "revoke_referral", {"ana", "iom_manager"}),
    ("referred_accepted", "answer_referral", set()),  # answered already: Conflict for the receiver, below
    ("referred_accepted", "revoke_referral", {"ana", "iom_manager"}),
    ("transfer_pending", "answer_transfer", {"unhcr_manager"}),
])
def test_referrals_and_transfers_are_answered_by_the_receiver_and_revoked_by_the_sender(unit, desk, name, method,
                                                                                          allowed):
    ids = situation(unit, desk, name)
    calls = {"answer_referral": lambda: sharing.answer_referral(desk, ids["referral_id"], {"accept": True}),
             "revoke_referral": lambda: sharing.revoke_referral(desk, ids["referral_id"]),
             "answer_transfer": lambda: sharing.answer_transfer(desk, ids["transfer_id"], {"accept": False})}
    found = {}
    for actor in ACTORS:
        act(unit, actor)
        try:
            found[actor] = attempt(unit, calls[method])
        except Exception as error:  # a Conflict: seen, but not answerable now
            found[actor] = type(error).__name__
    hidden = {"answer_referral": "NotFound", "answer_transfer": "NotFound", "revoke_referral": "NotFound"}
    expected = {actor: "ok" if actor in allowed else hidden[method] for actor in ACTORS}
    if name == "referred_accepted":
        expected.update(unhcr_manager="Forbidden" if method == "revoke_referral" else "Conflict",
                        uma="Forbidden" if method == "revoke_referral" else "NotFound")
    assert found == expected


@pytest.mark.parametrize("name", ["referred_pending", "transfer_pending"])
def test_only_the_receiving_manager_sees_what_waits_for_an_answer(unit, desk, name):
    situation(unit, desk, name)
    seen = {}
    for actor in ACTORS:
        act(unit, actor)
        waiting = run(unit, lambda: sharing.incoming(desk))
        seen[actor] = len(waiting["referrals"]) + len(waiting["transfers"])
    assert seen == {actor: 1 if actor == "unhcr_manager" else 0 for actor in ACTORS}


def test_the_access_log_is_read_by_managers_only_and_only_their_organisations(unit, desk):
    ids = situation(unit, desk, "referred_accepted")
    seen = {}
    for actor in ACTORS:
        act(unit, actor)
        try:
            rows = run(unit, lambda: access.read_log(unit, ids["case_id"]))["items"]
            seen[actor] = sorted({row["org"] for row in rows})
        except Forbidden:
            seen[actor] = "Forbidden"
    assert seen == {"ana": "Forbidden", "ben": "Forbidden", "uma": "Forbidden", "admin": "Forbidden",
                    "iom_manager": ["IOM", "UNHCR"],  # its case: everyone's reads and changes
                    "unhcr_manager": ["UNHCR"],  # not its case: its own staff's only
                    "wfp_manager": []}


def test_opening_a_case_needs_a_protection_role_and_admin_is_no_way_around(unit, desk):
    found = {}
    for actor in ACTORS:
        act(unit, actor)
        found[actor] = attempt(unit, lambda: cases.open_case(desk, case_payload()))
    assert found == {"ana": "ok", "ben": "ok", "iom_manager": "ok", "unhcr_manager": "ok", "uma": "ok",
                     "wfp_manager": "ok", "admin": "Forbidden"}


def test_follow_ups_are_seen_and_worked_by_the_focal_organisation_only(unit, desk):
    from haven_protection.testing import needs_event, SETTINGS
    event = needs_event(SITE, {"SC-UC": 1})
    with unit.applying(event):
        [follow_up_id] = follow_ups.on_protection_needs(unit, event, SETTINGS)
    found = {}
    for actor in ACTORS:
        act(unit, actor)
        listed = run(unit, lambda: follow_ups.list_follow_ups(desk))["items"]
        found[actor] = (len(listed),
                        attempt(unit, lambda: follow_ups.close(desk, follow_up_id, "Reunified")),
                        attempt(unit, lambda: follow_ups.convert(desk, follow_up_id, case_payload())))
    iom = (1, "ok", "ok")
    hidden = (0, "NotFound", "NotFound")
    assert found == {"ana": iom, "ben": iom, "iom_manager": iom, "unhcr_manager": hidden, "uma": hidden,
                     "wfp_manager": hidden, "admin": hidden}


COVERED = (set(CASE_METHODS) | {"list_cases", "answer_referral", "revoke_referral", "answer_transfer",
                                "list_incoming", "read_access_log", "open_case", "list_follow_ups",
                                "convert_follow_up", "close_follow_up"})


def test_the_matrix_covers_every_rpc_method_of_the_service():
    assert set(rpc_methods(ProtectionService)) == COVERED


def test_no_organisation_wide_sharing_agreement_goes_around_consent():
    """The kernel gives every service grant/revoke/list_sharing; protection withdraws them (cases are shared by
    referral or transfer only)."""
    assert not set(SHARING_METHODS) & set(rpc_methods(ProtectionService))
