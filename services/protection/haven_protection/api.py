"""Protection's RPC contracts: what a partner must know of each method (haven_kernel.contract). Arguments come from
the schemas the methods validate with; example calls and replies from real calls (examples.json), with placeholder
people only. Besides the method's scope (`protection:read` / `protection:write`) the caller's role decides what it
sees and may do: `protection:caseworker` (the cases assigned to it, `sub`), `protection:manager` (every case of its
organisation, the access log, answers to referrals and transfers), `protection:consent_override`; `admin` sees no
case (services/protection/README.md)."""
from marshmallow import fields, validate

from haven_kernel.contract import RpcContract, load_examples
from haven_kernel.validation import UUIDString

from .domain import MAX_PAGE
from .schemas import (ActionSchema, AnswerSchema, AssignSchema, CaseChangeSchema, CaseQuery, CaseSchema,
                      CloseSchema, ConsentSchema, FollowUpQuery, LogQuery, ReferralSchema, StatusSchema)

EXAMPLES = load_examples(__name__.rpartition(".")[0])
CASE_REPLY = ("The case as its caller may see it: `case_id`, `case_type`, `status`, `risk`, `org`, `caseworker`, "
              "`site_id`, `person` (null and `person_withheld` when the caller may not see who it is), `narrative` "
              "(the owner side only; a GBV narrative only its assigned caseworker), `consents`, `actions`, "
              "`referrals`, `transfers`, `status_dates`, `version`.")
NO_CASE = "no case has this `case_id`, or the caller may not see it"
NOT_YOURS = "the caller's role may not do this to the case"
PAGE = "`items` and `next_offset` (null on the last page)."


def _page():
    """limit and offset with the method's defaults (the schema requires them once the defaults are applied)."""
    return {"limit": fields.Integer(strict=True, load_default=50, validate=validate.Range(min=1, max=MAX_PAGE)),
            "offset": fields.Integer(strict=True, load_default=0, validate=validate.Range(min=0))}


def _optional(schema, name, default=None):
    """A query schema's field as an optional keyword with ``default``."""
    field = schema().fields[name]
    field.required, field.load_default, field.allow_none = False, default, True
    return field


def _case_id():
    return UUIDString(required=True)


OPEN_CASE = RpcContract(
    "Open a protection case (child protection, GBV, general protection) for a registered member or someone not "
    "registered. Names, identifying details and the narrative are encrypted at rest and never leave the service; "
    "its events carry type, risk, status and place only (a GBV case's events carry no site).",
    args={"case": CaseSchema}, reply=CASE_REPLY, writes=True, example=EXAMPLES.get("open_case"),
    errors={"ValidationError": "a field of `case` is missing or wrong (`case.person.name`, `case.site_id` not a "
                               "known site...)",
            "Forbidden": "the caller is neither `protection:caseworker` nor `protection:manager`, or a caseworker "
                         "names another caseworker"})

GET_CASE = RpcContract(
    "One case, as the caller's role may see it; the read is written to the access log.",
    args={"case_id": _case_id()}, reply=CASE_REPLY, example=EXAMPLES.get("get_case"),
    errors={"NotFound": NO_CASE})

LIST_CASES = RpcContract(
    "The cases the caller may see, filtered by any of site, type, status and risk (keywords). A GBV case's name never "
    "appears in a list.",
    args={"site_id": _optional(CaseQuery, "site_id"), "case_type": _optional(CaseQuery, "case_type"),
          "status": _optional(CaseQuery, "status"), "risk": _optional(CaseQuery, "risk"), **_page()},
    reply=PAGE + " An item: `case_id`, `case_type`, `name` (or null), `risk`, `status`, `site_id`, ...",
    example=EXAMPLES.get("list_cases"))

UPDATE_CASE = RpcContract(
    "Change a case's person, concerns, specific needs, risk, site or narrative; only the fields given change.",
    args={"case_id": _case_id(), "changes": CaseChangeSchema}, reply=CASE_REPLY, writes=True,
    example=EXAMPLES.get("update_case"),
    errors={"ValidationError": "`changes` is empty or a field is wrong (`changes.<field>`)", "NotFound": NO_CASE,
            "Forbidden": NOT_YOURS})

CHANGE_STATUS = RpcContract(
    "Move a case one step along its workflow: new, assessment, case_plan, services, closed (a closed case reopens "
    "to assessment), as of `date` (today when not given).",
    args={"case_id": _case_id(), **StatusSchema().fields}, reply=CASE_REPLY, writes=True,
    example=EXAMPLES.get("change_status"),
    errors={"NotFound": NO_CASE, "Forbidden": NOT_YOURS,
            "Conflict": "the case's status does not move to this one (the message names the next ones)"})

RECORD_CONSENT = RpcContract(
    "Record the person's (or guardian's) consent to services or to sharing, given or withdrawn, as of a day.",
    args={"case_id": _case_id(), "consent": ConsentSchema}, reply=CASE_REPLY, writes=True,
    example=EXAMPLES.get("record_consent"), errors={"NotFound": NO_CASE, "Forbidden": NOT_YOURS})

RECORD_ACTION = RpcContract(
    "Record a service given or planned (with its provider) or a follow-up visit on a case.",
    args={"case_id": _case_id(), "action": ActionSchema}, reply=CASE_REPLY, writes=True,
    example=EXAMPLES.get("record_action"),
    errors={"ValidationError": "a field of `action` is wrong (`action.service_type` missing for a service...)",
            "NotFound": NO_CASE, "Forbidden": NOT_YOURS})

ASSIGN_CASE = RpcContract(
    "A manager assigns the case to a caseworker (the token `sub` of that caseworker).",
    args={"case_id": _case_id(), **AssignSchema().fields}, reply=CASE_REPLY, writes=True,
    example=EXAMPLES.get("assign_case"), errors={"NotFound": NO_CASE, "Forbidden": "the caller is not a manager of "
                                                                                    "the case's organisation"})

REFER_CASE = RpcContract(
    "Refer a case to another organisation for a service. The case type's consents are needed, unless a caller with "
    "`protection:consent_override` gives an `override_reason` (recorded, and flagged in the event).",
    args={"case_id": _case_id(), "referral": ReferralSchema},
    reply="The referral: `referral_id`, `case_id`, `from_org`, `to_org`, `service_type`, `status` (pending), ...",
    writes=True, example=EXAMPLES.get("refer_case"),
    errors={"ValidationError": "a field of `referral` is wrong, or `to_org` is the case's own organisation",
            "NotFound": NO_CASE, "Forbidden": "the caller may not refer the case, or a consent is missing and there "
                                              "is no override"})

def _answer(what, more=""):
    """The contract of answering a referral or a transfer (``what``): the receiving organisation's manager's."""
    return RpcContract(
        f"A manager of the receiving organisation accepts (optionally naming its caseworker) or declines a {what}"
        f"{more}.", args={f"{what}_id": UUIDString(required=True), **AnswerSchema().fields},
        reply=f"The {what}.", writes=True, example=EXAMPLES.get(f"answer_{what}"),
        errors={"NotFound": f"no {what} has this id for the caller's organisation",
                "Forbidden": "the caller is not a manager of the receiving organisation",
                "Conflict": f"the {what} is no longer pending"})


ANSWER_REFERRAL = _answer("referral", "; while it is accepted, that organisation sees the case")

REVOKE_REFERRAL = RpcContract(
    "The referring organisation withdraws a referral: the other organisation no longer sees the case.",
    args={"referral_id": UUIDString(required=True)}, reply="The referral.", writes=True,
    example=EXAMPLES.get("revoke_referral"),
    errors={"NotFound": "no referral has this id", "Forbidden": NOT_YOURS,
            "Conflict": "the referral is already declined or revoked"})

TRANSFER_CASE = RpcContract(
    "Ask another organisation to take over a case (its sharing consent is needed); the case changes hands when a "
    "manager there accepts.",
    args={"case_id": _case_id(), "to_org": ReferralSchema().fields["to_org"]},
    reply="The transfer: `transfer_id`, `case_id`, `from_org`, `to_org`, `status` (pending), ...", writes=True,
    example=EXAMPLES.get("transfer_case"),
    errors={"ValidationError": "`to_org` is the case's own organisation", "NotFound": NO_CASE,
            "Forbidden": "the caller may not transfer the case, or its sharing consent is missing",
            "Conflict": "the case already has a transfer waiting for an answer"})

ANSWER_TRANSFER = _answer("transfer")

LIST_INCOMING = RpcContract(
    "Referrals and transfers to the caller's organisation waiting for an answer (type and risk only, no names).",
    args=_page(), reply=PAGE, example=EXAMPLES.get("list_incoming"))

READ_ACCESS_LOG = RpcContract(
    "Managers only: who read or changed which case, when (insert-only), newest first; one case's or all of the "
    "organisation's.",
    args={"case_id": _optional(LogQuery, "case_id"), **_page()},
    reply=PAGE + " An entry: `at`, `sub`, `org`, `case_id`, `case_org`, `action`, `detail`.",
    example=EXAMPLES.get("read_access_log"), errors={"Forbidden": "the caller is not `protection:manager`"})

LIST_FOLLOW_UPS = RpcContract(
    "The follow-ups protection opened for households whose registration recorded a protection need (SC, CR, SV, ...) "
    "at the sites the caller's organisation is the protection focal point for; by status (default open).",
    args={"site_id": _optional(FollowUpQuery, "site_id"), "status": _optional(FollowUpQuery, "status", "open"),
          **_page()},
    reply=PAGE + " An item: `follow_up_id`, `household_id`, `need`, `site_id`, `status`, ...",
    example=EXAMPLES.get("list_follow_ups"))

CONVERT_FOLLOW_UP = RpcContract(
    "Open a case from a follow-up (at the follow-up's site); the follow-up becomes `converted`.",
    args={"follow_up_id": UUIDString(required=True), "case": CaseSchema}, reply=CASE_REPLY, writes=True,
    example=EXAMPLES.get("convert_follow_up"),
    errors={"ValidationError": "a field of `case` is missing or wrong", "NotFound": "no open follow-up has this id",
            "Forbidden": "the case is not at the follow-up's site, or the caller may not open cases",
            "Conflict": "the follow-up is already converted or closed"})

CLOSE_FOLLOW_UP = RpcContract(
    "Close a follow-up without a case, with a reason (kept by protection only).",
    args={"follow_up_id": UUIDString(required=True), **CloseSchema().fields}, reply="The follow-up.", writes=True,
    example=EXAMPLES.get("close_follow_up"),
    errors={"NotFound": "no follow-up has this id", "Conflict": "the follow-up is already converted or closed"})

# Who may, beyond the scope (domain.py decides; services/protection/README.md): shown under each method's scope.
_OWNER = ("roles: the case's organisation's `protection:manager`, or its assigned `protection:caseworker`; `admin` "
          "is no way around it")
_ROLES = {
    OPEN_CASE: "roles: `protection:caseworker` (for themselves) or `protection:manager`",
    GET_CASE: "roles: the case's organisation's `protection:manager` or assigned `protection:caseworker`, or, while "
              "a referral is accepted, the receiving organisation's manager and caseworker; `admin` sees no case",
    LIST_CASES: "roles: as `get_case`, case by case", UPDATE_CASE: _OWNER, CHANGE_STATUS: _OWNER,
    RECORD_CONSENT: _OWNER, RECORD_ACTION: _OWNER, ASSIGN_CASE: "roles: the case's organisation's "
                                                                "`protection:manager`",
    REFER_CASE: _OWNER + "; without the consents, `protection:consent_override` with an `override_reason`",
    ANSWER_REFERRAL: "roles: the receiving organisation's `protection:manager`", REVOKE_REFERRAL: _OWNER,
    TRANSFER_CASE: "roles: the case's organisation's `protection:manager`",
    ANSWER_TRANSFER: "roles: the receiving organisation's `protection:manager`",
    LIST_INCOMING: "roles: `protection:manager`", READ_ACCESS_LOG: "roles: `protection:manager`",
    LIST_FOLLOW_UPS: "roles: `protection:caseworker` or `protection:manager` of the site's focal organisation",
    CONVERT_FOLLOW_UP: "roles: `protection:caseworker` or `protection:manager` of the site's focal organisation",
    CLOSE_FOLLOW_UP: "roles: `protection:caseworker` or `protection:manager` of the site's focal organisation",
}
for _contract, _roles in _ROLES.items():
    _contract.notes = _roles
