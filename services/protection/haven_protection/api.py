"""Protection's RPC contracts: what a partner must know of each method (haven_kernel.contract). Arguments come from
the schemas the methods validate with; example calls and replies from real calls (examples.json), with placeholder
people only. Besides the method's scope (`protection:read` / `protection:write`) the caller's role decides what it
sees and may do: `protection:caseworker` (the cases assigned to it, `sub`), `protection:manager` (every case of its
organisation, the access log, answers to referrals and transfers), `protection:consent_override`; `admin` sees no
case (services/protection/README.md).

Every change replies with an acknowledgement (ids, `version`, `status`, what changed), never a person, narrative,
note or reason: a retry with the same idempotency key is answered from the RPC inbox, which keeps replies in plain
JSON; the partner reads the case with `get_case`. Changes take the `version` their caller read as
`expected_version`."""
from marshmallow import fields, validate

from haven_kernel import versions
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
CASE_ACK = ("An acknowledgement, never the person or the narrative (read the case with `get_case`): `case_id`, "
            "`case_type`, `status`, `risk`, `org`, `caseworker`, `version` (after the change) and `changed` (the "
            "names of what changed).")
REFERRAL_ACK = ("An acknowledgement: `referral_id`, `case_id`, `from_org`, `to_org`, `service_type`, `status`, "
                "`assigned_to`, `consent_override`, `version` (never the override's reason).")
TRANSFER_ACK = "An acknowledgement: `transfer_id`, `case_id`, `from_org`, `to_org`, `status`, `version`."
NO_CASE = "no case has this `case_id`, or the caller may not see it"


def _stale(what):
    return f"`expected_version` is given and the {what}'s `version` differs (it changed since it was read)"


def _conflict(what, more=None):
    """The Conflict entry: a stale `expected_version`, and ``more`` when the method has another."""
    return {"Conflict": _stale(what) + ("; or " + more if more else "")}


CASE_VERSION = versions.expected_version_field("case")
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
    args={"case": CaseSchema}, reply=CASE_ACK, writes=True, example=EXAMPLES.get("open_case"),
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
    args={"case_id": _case_id(), "changes": CaseChangeSchema, "expected_version": CASE_VERSION}, reply=CASE_ACK,
    writes=True, example=EXAMPLES.get("update_case"),
    errors={"ValidationError": "`changes` is empty or a field is wrong (`changes.<field>`)", "NotFound": NO_CASE,
            "Forbidden": NOT_YOURS, **_conflict("case")})

CHANGE_STATUS = RpcContract(
    "Move a case one step along its workflow: new, assessment, case_plan, services, closed (a closed case reopens "
    "to assessment), as of `date` (today when not given).",
    args={"case_id": _case_id(), **StatusSchema().fields, "expected_version": CASE_VERSION}, reply=CASE_ACK,
    writes=True, example=EXAMPLES.get("change_status"),
    errors={"NotFound": NO_CASE, "Forbidden": NOT_YOURS,
            **_conflict("case", "the case's status does not move to this one (the message names the next ones)")})

RECORD_CONSENT = RpcContract(
    "Record the person's (or guardian's) consent to services or to sharing, given or withdrawn, as of a day.",
    args={"case_id": _case_id(), "consent": ConsentSchema, "expected_version": CASE_VERSION}, reply=CASE_ACK,
    writes=True, example=EXAMPLES.get("record_consent"),
    errors={"NotFound": NO_CASE, "Forbidden": NOT_YOURS, **_conflict("case")})

RECORD_ACTION = RpcContract(
    "Record a service given or planned (with its provider) or a follow-up visit on a case.",
    args={"case_id": _case_id(), "action": ActionSchema, "expected_version": CASE_VERSION},
    reply=CASE_ACK[:-1] + ", and the new `action_id`.", writes=True, example=EXAMPLES.get("record_action"),
    errors={"ValidationError": "a field of `action` is wrong (`action.service_type` missing for a service...)",
            "NotFound": NO_CASE, "Forbidden": NOT_YOURS, **_conflict("case")})

ASSIGN_CASE = RpcContract(
    "A manager assigns the case to a caseworker (the token `sub` of that caseworker).",
    args={"case_id": _case_id(), **AssignSchema().fields, "expected_version": CASE_VERSION}, reply=CASE_ACK,
    writes=True, example=EXAMPLES.get("assign_case"),
    errors={"NotFound": NO_CASE, "Forbidden": "the caller is not a manager of the case's organisation",
            **_conflict("case")})

REFER_CASE = RpcContract(
    "Refer a case to another organisation for a service. The case type's consents are needed, unless a caller with "
    "`protection:consent_override` gives an `override_reason` (recorded, and flagged in the event).",
    args={"case_id": _case_id(), "referral": ReferralSchema, "expected_version": CASE_VERSION},
    reply=REFERRAL_ACK + " Its `status` is pending.", writes=True, example=EXAMPLES.get("refer_case"),
    errors={"ValidationError": "a field of `referral` is wrong, or `to_org` is the case's own organisation",
            "NotFound": NO_CASE, "Forbidden": "the caller may not refer the case, or a consent is missing and there "
                                              "is no override", **_conflict("case")})

def _answer(what, reply, more=""):
    """The contract of answering a referral or a transfer (``what``): the receiving organisation's manager's."""
    return RpcContract(
        f"A manager of the receiving organisation accepts (optionally naming its caseworker) or declines a {what}"
        f"{more}.", args={f"{what}_id": UUIDString(required=True), **AnswerSchema().fields,
                          "expected_version": versions.expected_version_field(what)},
        reply=reply, writes=True, example=EXAMPLES.get(f"answer_{what}"),
        errors={"NotFound": f"no {what} has this id for the caller's organisation",
                "Forbidden": "the caller is not a manager of the receiving organisation",
                **_conflict(what, f"the {what} is no longer pending")})


ANSWER_REFERRAL = _answer("referral", REFERRAL_ACK + " Accepted, read the case with `get_case`.",
                          "; while it is accepted, that organisation sees the case")

REVOKE_REFERRAL = RpcContract(
    "The referring organisation withdraws a referral: the other organisation no longer sees the case.",
    args={"referral_id": UUIDString(required=True), "expected_version": versions.expected_version_field("referral")},
    reply=REFERRAL_ACK, writes=True, example=EXAMPLES.get("revoke_referral"),
    errors={"NotFound": "no referral has this id", "Forbidden": NOT_YOURS,
            **_conflict("referral", "the referral is already declined or revoked")})

TRANSFER_CASE = RpcContract(
    "Ask another organisation to take over a case (its sharing consent is needed); the case changes hands when a "
    "manager there accepts.",
    args={"case_id": _case_id(), "to_org": ReferralSchema().fields["to_org"], "expected_version": CASE_VERSION},
    reply=TRANSFER_ACK + " Its `status` is pending.", writes=True, example=EXAMPLES.get("transfer_case"),
    errors={"ValidationError": "`to_org` is the case's own organisation", "NotFound": NO_CASE,
            "Forbidden": "the caller may not transfer the case, or its sharing consent is missing",
            **_conflict("case", "the case already has a transfer waiting for an answer")})

ANSWER_TRANSFER = _answer("transfer", TRANSFER_ACK + " and `case_version` (the case's, after an acceptance moved "
                                                     "it); accepted, read the case with `get_case`.")

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
    args={"follow_up_id": UUIDString(required=True), "case": CaseSchema,
          "expected_version": versions.expected_version_field("follow-up")},
    reply=CASE_ACK[:-1] + ", with `follow_up_id`, `follow_up_status` (converted) and `follow_up_version`.",
    writes=True, example=EXAMPLES.get("convert_follow_up"),
    errors={"ValidationError": "a field of `case` is missing or wrong", "NotFound": "no open follow-up has this id",
            "Forbidden": "the case is not at the follow-up's site, or the caller may not open cases",
            **_conflict("follow-up", "the follow-up is already converted or closed")})

CLOSE_FOLLOW_UP = RpcContract(
    "Close a follow-up without a case, with a reason (kept by protection only).",
    args={"follow_up_id": UUIDString(required=True), **CloseSchema().fields,
          "expected_version": versions.expected_version_field("follow-up")},
    reply="An acknowledgement: `follow_up_id`, `need`, `site_id`, `status` (closed), `case_id`, `version` (never "
          "the reason).", writes=True, example=EXAMPLES.get("close_follow_up"),
    errors={"NotFound": "no follow-up has this id",
            **_conflict("follow-up", "the follow-up is already converted or closed")})

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
