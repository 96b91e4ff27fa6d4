"""The protection service's events and the vocabulary they use.

Protection's events carry no names, identifying details, narratives or free text: ids, types, codes, dates and
counts only (every schema refuses unknown fields). A GBV case's events carry no site: ``site_id`` is None and
``adm1`` (admin level 1) is the finest place they give (docs/domain.md §7). Consumers: reporting only.
"""
from marshmallow import Schema, fields, validate

from haven_kernel.events import EventType

SOURCE = "protection"

CASE_TYPES = ("child_protection", "gbv", "general_protection")
RISK_LEVELS = ("high", "medium", "low")
CASE_STATUSES = ("new", "assessment", "case_plan", "services", "closed")
UASC_STATUSES = ("unaccompanied", "separated")
SERVICE_TYPES = ("health", "mental_health_psychosocial", "legal", "safety_security", "shelter", "education",
                 "family_tracing", "alternative_care", "livelihoods", "basic_needs", "other")
REFERRAL_STATUSES = ("pending", "accepted", "declined", "revoked")
TRANSFER_STATUSES = ("pending", "accepted", "declined")
FOLLOW_UP_STATUSES = ("open", "converted", "closed")

_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
_area = fields.String(allow_none=True, validate=validate.Length(max=100))


class CaseState(Schema):
    """Where a case stands: type, risk, workflow status, place (no site for GBV), and a version that grows with
    every change, so that a consumer keeps the newest whatever the order of arrival."""

    case_id = fields.UUID(required=True)
    case_type = fields.String(required=True, validate=validate.OneOf(CASE_TYPES))
    risk = fields.String(required=True, validate=validate.OneOf(RISK_LEVELS))
    status = fields.String(required=True, validate=validate.OneOf(CASE_STATUSES))
    site_id = fields.UUID(required=True, allow_none=True)
    adm1 = _area
    version = _version
    at = fields.AwareDateTime(required=True)


class CaseOpened(CaseState):
    """A protection case was opened (its type, risk and place only)."""


class CaseStatusChanged(CaseState):
    """A case moved along its workflow (new, assessment, case plan, services, closed; reopened to assessment)."""


class CaseUpdated(CaseState):
    """A case's risk level or site changed."""


class CaseReferred(Schema):
    """A referral of a case to another organisation for a service, or a change of its status (accepted, declined,
    revoked). ``consent_override``: it was made without the consent the case type needs, under a recorded override."""

    referral_id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    case_type = fields.String(required=True, validate=validate.OneOf(CASE_TYPES))
    service_type = fields.String(required=True, validate=validate.OneOf(SERVICE_TYPES))
    status = fields.String(required=True, validate=validate.OneOf(REFERRAL_STATUSES))
    consent_override = fields.Boolean(required=True)
    version = _version
    at = fields.AwareDateTime(required=True)


class CaseTransferred(Schema):
    """A transfer of a case's ownership to another organisation was asked for, accepted or declined."""

    transfer_id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    case_type = fields.String(required=True, validate=validate.OneOf(CASE_TYPES))
    status = fields.String(required=True, validate=validate.OneOf(TRANSFER_STATUSES))
    version = _version
    at = fields.AwareDateTime(required=True)


class FollowUp(Schema):
    """A follow-up task for a household's need (a specific-needs group); no site for an SGBV (``SV``) need."""

    follow_up_id = fields.UUID(required=True)
    need = fields.String(required=True, validate=validate.Length(min=2, max=2))
    status = fields.String(required=True, validate=validate.OneOf(FOLLOW_UP_STATUSES))
    site_id = fields.UUID(required=True, allow_none=True)
    adm1 = _area
    version = _version
    at = fields.AwareDateTime(required=True)


class FollowUpOpened(FollowUp):
    """A protection follow-up was opened for a household's need, found at registration."""


class FollowUpClosed(FollowUp):
    """A follow-up was turned into a case (``converted``) or closed with a reason (kept by protection only)."""


EVENTS = (
    EventType(SOURCE, "case_opened", CaseOpened, consumers=("reporting",)),
    EventType(SOURCE, "case_status_changed", CaseStatusChanged, consumers=("reporting",)),
    EventType(SOURCE, "case_updated", CaseUpdated, consumers=("reporting",)),
    EventType(SOURCE, "case_referred", CaseReferred, consumers=("reporting",)),
    EventType(SOURCE, "case_transferred", CaseTransferred, consumers=("reporting",)),
    EventType(SOURCE, "follow_up_opened", FollowUpOpened, consumers=("reporting",)),
    EventType(SOURCE, "follow_up_closed", FollowUpClosed, consumers=("reporting",)),
)
