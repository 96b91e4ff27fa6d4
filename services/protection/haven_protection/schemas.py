"""What partners send, validated field by field (marshmallow 4; unknown fields are refused)."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from haven_contracts.protection import CASE_STATUSES, CASE_TYPES, RISK_LEVELS, SERVICE_TYPES, UASC_STATUSES
from haven_contracts.reference import SEXES, is_specific_need
from haven_kernel.validation import Text, UUIDString, choice, not_in_future

from .domain import MAX_PAGE

CONCERN_PATTERN = r"\A[a-z][a-z0-9_]{1,39}\Z"  # concern codes: lower-case words, e.g. "family_separation"
ORG_PATTERN = r"\A[A-Za-z0-9][A-Za-z0-9 ._\-]{0,49}\Z"


def _specific_need(code):
    if not is_specific_need(code):
        raise ValidationError("Unknown specific-needs code; use UNHCR codes such as 'SC-UC' or 'CR-CP'.")


class PersonSchema(Schema):
    """The person of a case: a registered member (household_id and member_id) or someone not registered, whose
    identifying details are kept only here (encrypted)."""

    household_id = UUIDString()
    member_id = UUIDString()
    name = Text(max_length=200)
    sex = choice(SEXES)
    age_years = fields.Integer(strict=True, validate=validate.Range(min=0, max=120))
    identifying_details = Text(max_length=2000)

    @validates_schema
    def _who(self, data, **kwargs):
        registered = "household_id" in data or "member_id" in data
        if registered and not ("household_id" in data and "member_id" in data):
            raise ValidationError("A registered person needs household_id and member_id.", "member_id")
        if not registered and "name" not in data:
            raise ValidationError("A person not registered needs a name.", "name")


def _strict_boolean(**kwargs):
    """true or false, nothing that merely looks like one ("yes", 1)."""
    return fields.Boolean(truthy={True}, falsy={False}, **kwargs)


_codes = fields.List(fields.String(validate=[validate.Length(max=10), _specific_need]), validate=validate.Length(max=20))
_concerns = fields.List(fields.String(validate=validate.Regexp(CONCERN_PATTERN)), validate=validate.Length(max=20))
_org = fields.String(validate=validate.Regexp(ORG_PATTERN))


class CaseSchema(Schema):
    case_type = choice(CASE_TYPES, required=True)
    person = fields.Nested(PersonSchema, required=True)
    concerns = fields.List(fields.String(validate=validate.Regexp(CONCERN_PATTERN)), load_default=list,
                           validate=validate.Length(max=20))
    specific_needs = fields.List(fields.String(validate=[validate.Length(max=10), _specific_need]),
                                 load_default=list, validate=validate.Length(max=20))
    risk = choice(RISK_LEVELS, required=True)
    uasc_status = choice(UASC_STATUSES, allow_none=True)
    site_id = UUIDString(required=True)
    caseworker = Text(max_length=200)
    narrative = Text(max_length=20000)


class CaseChangeSchema(Schema):
    """A change to a case: only the fields given change."""

    person = fields.Nested(PersonSchema)
    concerns = _concerns
    specific_needs = _codes
    risk = choice(RISK_LEVELS)
    uasc_status = choice(UASC_STATUSES, allow_none=True)
    site_id = UUIDString()
    narrative = Text(max_length=20000)

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError("Nothing to change.", "changes")


class CaseQuery(Schema):
    site_id = UUIDString(allow_none=True)
    case_type = choice(CASE_TYPES, allow_none=True)
    status = choice(CASE_STATUSES, allow_none=True)
    risk = choice(RISK_LEVELS, allow_none=True)
    limit = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=MAX_PAGE))
    offset = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))


class PageQuery(Schema):
    limit = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=MAX_PAGE))
    offset = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))


class LogQuery(PageQuery):
    case_id = UUIDString(allow_none=True)


class FollowUpQuery(PageQuery):
    site_id = UUIDString(allow_none=True)
    status = choice(("open", "converted", "closed"), allow_none=True)


class ConsentSchema(Schema):
    kind = choice(("services", "share"), required=True)
    given = _strict_boolean(required=True)
    date = fields.Date(required=True, validate=not_in_future)


class ActionSchema(Schema):
    kind = choice(("service", "follow_up"), required=True)
    service_type = choice(SERVICE_TYPES)
    provider_org = _org
    due_on = fields.Date()
    done = _strict_boolean(load_default=False)
    note = Text(max_length=5000)

    @validates_schema
    def _service(self, data, **kwargs):
        if data["kind"] == "service" and "service_type" not in data:
            raise ValidationError("A service needs its service_type.", "service_type")


class ReferralSchema(Schema):
    to_org = fields.String(required=True, validate=validate.Regexp(ORG_PATTERN))
    service_type = choice(SERVICE_TYPES, required=True)
    override_reason = Text(max_length=2000)


class StatusSchema(Schema):
    status = choice(CASE_STATUSES, required=True)
    date = fields.Date(validate=not_in_future)


class AnswerSchema(Schema):
    accept = _strict_boolean(required=True)
    caseworker = Text(max_length=200)


class AssignSchema(Schema):
    caseworker = Text(max_length=200, required=True)


class CloseSchema(Schema):
    reason = Text(max_length=2000, required=True)
