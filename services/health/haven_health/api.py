"""Health's RPC contracts: what a partner must know of each method (haven_kernel.contract). Arguments come from the
schemas the methods validate with; example calls and replies from real calls (examples.json). Health keeps
aggregates and case signals without names; its denominators come from registration's household events.

Every write is applied once per idempotency key (a retry is answered with the first reply); a change to a facility,
a week's report, an alert or a referral may name the `version` its caller read as `expected_version` (Conflict,
naming the current version, when it changed since)."""
from marshmallow import fields, validate

from haven_contracts.health import SYNDROMES
from haven_kernel import versions
from haven_kernel.contract import RpcContract, load_examples
from haven_kernel.validation import Text, UUIDString, choice

from .domain import MAX_BULK
from .schemas import (WEEK, AlertStepSchema, FacilityChangesSchema, FacilitySchema, ManualAlertSchema, PageQuery,
                      ReferralSchema, ReferralStepSchema, SignalSchema, WeeklyReportSchema)

EXAMPLES = load_examples(__name__.rpartition(".")[0])
FACILITY_REPLY = ("The facility: `facility_id`, `code`, `name`, `facility_type`, its site and admin areas, beds, "
                  "`status` and its status history, `version`.")
NO_FACILITY = "no facility has this `facility_id`"
ALERT_STATUSES = ("open", "verified", "investigating", "closed")


def _stale(what):
    return f"`expected_version` is given and the {what}'s `version` differs (it changed since it was read)"


def _week(required=True):
    if required:
        return fields.String(required=True, validate=WEEK, metadata={"example": "2026-W47"})
    return fields.String(allow_none=True, load_default=None, validate=WEEK, metadata={"example": "2026-W47"})


def _optional_uuid():
    return UUIDString(allow_none=True, load_default=None)


REGISTER_FACILITY = RpcContract(
    "Register a health facility at a site, serving sites, or in an admin area (its admin areas default to its "
    "site's).", args={"facility": FacilitySchema}, reply=FACILITY_REPLY, writes=True,
    example=EXAMPLES.get("register_facility"),
    errors={"ValidationError": "a field of `facility` is wrong, or its site is not known (`facility.site_id`)",
            "Conflict": "the facility `code` is taken"})

UPDATE_FACILITY = RpcContract(
    "Change a facility; only the fields given change; a status change is kept in its history from `status_since`.",
    args={"facility_id": UUIDString(required=True), "changes": FacilityChangesSchema,
          "expected_version": versions.expected_version_field("facility")}, reply=FACILITY_REPLY,
    writes=True, example=EXAMPLES.get("update_facility"),
    errors={"ValidationError": "`changes` is empty or a field is wrong (`changes.<field>`)", "NotFound": NO_FACILITY,
            "Conflict": _stale("facility")})

GET_FACILITY = RpcContract("One facility.", args={"facility_id": UUIDString(required=True)}, reply=FACILITY_REPLY,
                           example=EXAMPLES.get("get_facility"), errors={"NotFound": NO_FACILITY})

LIST_FACILITIES = RpcContract(
    "The facilities, of one site or all, a page at a time.",
    args={"site_id": _optional_uuid(), **PageQuery().fields}, reply="`items` and `next_offset`.",
    example=EXAMPLES.get("list_facilities"))

SUBMIT_WEEKLY_REPORT = RpcContract(
    "A facility's weekly report for an ISO epi-week (consultations, cases per syndrome and deaths by sex and age); "
    "a report for a week already reported replaces it as a new version. Syndromes: " + ", ".join(SYNDROMES) + ".",
    args={"report": WeeklyReportSchema, "expected_version": versions.expected_version_field("week's report")},
    reply="The report as stored, with its `version` and whether it was late.",
    writes=True, example=EXAMPLES.get("submit_weekly_report"),
    errors={"ValidationError": "a field of `report` is wrong (`report.cases.<syndrome>` not a configured syndrome, "
                               "a week in the future...)", "NotFound": NO_FACILITY,
            "Conflict": _stale("week's report") + ", or the week has no report yet"})

SUBMIT_WEEKLY_REPORTS = RpcContract(
    "Up to 1,000 weekly reports in one call, each submitted or refused on its own. They are applied oldest week "
    "first, whatever their order in the call, so a backlog's alerts are those weekly reports would have raised.",
    args={"reports": fields.List(fields.Nested(WeeklyReportSchema), required=True,
                                 validate=validate.Length(min=1, max=MAX_BULK))},
    reply="One result per report, in order: the report as `submit_weekly_report` replies, or `error` (its type, "
          "message and field map).", writes=True, example=EXAMPLES.get("submit_weekly_reports"),
    errors={"ValidationError": "`reports` is not a list of at most 1,000"})

GET_WEEKLY_REPORT = RpcContract(
    "A facility's report for a week (its latest version).",
    args={"facility_id": UUIDString(required=True), "week": _week()}, reply="The report.",
    example=EXAMPLES.get("get_weekly_report"), errors={"NotFound": "no report of this facility for this week"})

GET_COMPLETENESS = RpcContract(
    "Completeness and timeliness of a week's reports: the facilities expected to report, those that did, on time.",
    args={"week": _week()}, reply="Per facility and in all: expected, received, on time.",
    example=EXAMPLES.get("get_completeness"))

GET_PLACE_WEEK = RpcContract(
    "A facility's place (its site, or the facility) for a week: consultations, cases, deaths and the mortality "
    "against the population of that week, with the threshold flag.",
    args={"facility_id": UUIDString(required=True), "week": _week()}, reply="The place's week.",
    example=EXAMPLES.get("get_place_week"), errors={"NotFound": NO_FACILITY})

REPORT_SIGNAL = RpcContract(
    "One suspected case reported at once (never a name); the alert rules run on it and may raise alerts.",
    args={"signal": SignalSchema}, reply="The signal and the `alerts` it raised.", writes=True,
    example=EXAMPLES.get("report_signal"),
    errors={"ValidationError": "a field of `signal` is wrong (`signal.syndrome` not configured...)",
            "NotFound": NO_FACILITY})

RAISE_ALERT = RpcContract(
    "Raise an alert by hand for a facility's week.", args={"alert": ManualAlertSchema}, reply="The alert.",
    writes=True, example=EXAMPLES.get("raise_alert"), errors={"NotFound": NO_FACILITY})

MOVE_ALERT = RpcContract(
    "Move an alert along: verify (with an outcome), investigate, close. An alert's `version` is its `step` (1 when "
    "raised, one more at each move).",
    args={"step": AlertStepSchema, "expected_version": versions.expected_version_field("alert")},
    reply="The alert.", writes=True, example=EXAMPLES.get("move_alert"),
    errors={"NotFound": "no alert has this `alert_id`",
            "Conflict": "the alert's status does not allow this step; or " + _stale("alert")})

GET_ALERT = RpcContract("One alert with its steps.", args={"alert_id": UUIDString(required=True)},
                        reply="The alert.", example=EXAMPLES.get("get_alert"),
                        errors={"NotFound": "no alert has this `alert_id`"})

LIST_ALERTS = RpcContract(
    "The alerts, by status and week, a page at a time.",
    args={"status": choice(ALERT_STATUSES, allow_none=True, load_default=None), "week": _week(False),
          **PageQuery().fields}, reply="`items` and `next_offset`.", example=EXAMPLES.get("list_alerts"))

GET_ALERT_KPIS = RpcContract(
    "How fast the week's alerts were verified and investigated.", args={"week": _week()},
    reply="The week's alert figures.", example=EXAMPLES.get("get_alert_kpis"))

GET_RULES = RpcContract("The alert rules in force (a data file) and their version.",
                        reply="`version` and `rules`.", example=EXAMPLES.get("get_rules"))

GET_DENOMINATORS = RpcContract(
    "The population health counts against (from registration's households): of a site or an admin area, now or at "
    "the middle of a week.",
    args={"site_id": _optional_uuid(), "adm1": Text(max_length=100, allow_none=True, load_default=None),
          "adm2": Text(max_length=100, allow_none=True, load_default=None), "week": _week(False)},
    reply="`population` and `under_five`, and what they count.", example=EXAMPLES.get("get_denominators"))

REFER = RpcContract(
    "Refer a patient from one facility to another (reason and urgency only, no name).",
    args={"referral": ReferralSchema}, reply="The referral.", writes=True, example=EXAMPLES.get("refer"),
    errors={"ValidationError": "a field of `referral` is wrong, or both facilities are the same",
            "NotFound": "a facility is unknown"})

MOVE_REFERRAL = RpcContract(
    "Accept, refuse or complete a referral.",
    args={"referral": ReferralStepSchema, "expected_version": versions.expected_version_field("referral")},
    reply="The referral, with its `version`.", writes=True, example=EXAMPLES.get("move_referral"),
    errors={"NotFound": "no referral has this `referral_id`",
            "Conflict": "the referral's status does not allow it; or " + _stale("referral")})

GET_REFERRAL_COUNTS = RpcContract(
    "Referrals counted by status, reason and urgency, of one facility or all.",
    args={"facility_id": _optional_uuid()}, reply="The counts.", example=EXAMPLES.get("get_referral_counts"))
