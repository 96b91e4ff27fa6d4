"""What partners send, validated field by field (marshmallow 4; unknown fields are refused). Syndromes are checked
against the configured list by the use cases (it is configuration, not code)."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from haven_contracts.health import FACILITY_STATUSES, FACILITY_TYPES
from haven_contracts.reference import AGE_BANDS, SEXES
from haven_kernel.validation import Text, UUIDString, choice, not_in_future

from .domain import MAX_COUNT, MAX_PAGE, MAX_SYNDROMES

CODE = validate.Regexp(r"\A[A-Za-z0-9][A-Za-z0-9_.\-]*\Z", error="Must be letters, digits, '.', '_' or '-'.")
WEEK = validate.Regexp(r"\A\d{4}-W\d{2}\Z", error="Must be an ISO week such as 2026-W05.")
OUTCOMES = ("alive", "died", "unknown")
REFERRAL_REASONS = ("emergency_obstetric", "surgical", "medical", "trauma", "malnutrition", "mental_health", "other")
URGENCIES = ("emergency", "urgent", "routine")


class Code(Text):
    """A trimmed, bounded code of letters, digits, '.', '_' or '-'."""

    def __init__(self, max_length, **kwargs):
        super().__init__(max_length=max_length, **kwargs)
        self.validators = [*self.validators, CODE]


def _count(**kwargs):
    return fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_COUNT), **kwargs)


class ByAge(Schema):
    under_five = _count(required=True)
    five_and_over = _count(required=True)


class Consultations(Schema):
    female = fields.Nested(ByAge, required=True)
    male = fields.Nested(ByAge, required=True)


class FacilitySchema(Schema):
    code = Code(30, required=True)
    name = Text(max_length=200, required=True)
    facility_type = choice(FACILITY_TYPES, required=True)
    site_id = UUIDString(allow_none=True, load_default=None)
    serves_site_ids = fields.List(UUIDString(), load_default=list, validate=validate.Length(max=50))
    adm1 = Text(max_length=100, allow_none=True, load_default=None)
    adm2 = Text(max_length=100, allow_none=True, load_default=None)
    lat = fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=-180, max=180))
    beds_total = _count(allow_none=True, load_default=None)
    beds_available = _count(allow_none=True, load_default=None)
    status = choice(FACILITY_STATUSES, load_default="functional")
    status_since = fields.Date(allow_none=True, load_default=None, validate=not_in_future)

    @validates_schema
    def _beds(self, data, **kwargs):
        total, available = data.get("beds_total"), data.get("beds_available")
        if total is not None and available is not None and available > total:
            raise ValidationError("Must not exceed beds_total.", "beds_available")
        if data.get("site_id") is None and not data.get("serves_site_ids") and not data.get("adm1"):
            raise ValidationError("Give a site, the sites it serves or an admin area.", "site_id")


class FacilityChangesSchema(Schema):
    """Only the fields given change; a status change is kept in the facility's status history from
    ``status_since`` (today when not given)."""

    name = Text(max_length=200)
    facility_type = choice(FACILITY_TYPES)
    serves_site_ids = fields.List(UUIDString(), validate=validate.Length(max=50))
    beds_total = _count(allow_none=True)
    beds_available = _count(allow_none=True)
    status = choice(FACILITY_STATUSES)
    status_since = fields.Date(validate=not_in_future)

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not set(data) - {"status_since"}:
            raise ValidationError("Give at least one field to change.")


class WeeklyReportSchema(Schema):
    facility_id = UUIDString(required=True)
    week = fields.String(required=True, validate=WEEK)
    consultations = fields.Nested(Consultations, required=True)
    cases = fields.Dict(keys=fields.String(validate=validate.Length(max=50)), values=fields.Nested(ByAge),
                        required=True, validate=validate.Length(max=MAX_SYNDROMES))
    deaths = fields.Nested(ByAge, required=True)


class SignalSchema(Schema):
    """One suspected case, reported at once: never a name."""

    facility_id = UUIDString(required=True)
    syndrome = fields.String(required=True, validate=validate.Length(max=50))
    onset_date = fields.Date(required=True, validate=not_in_future)
    age_years = fields.Integer(strict=True, allow_none=True, load_default=None, validate=validate.Range(min=0, max=120))
    age_band = choice(AGE_BANDS, allow_none=True, load_default=None)
    sex = choice(SEXES, allow_none=True, load_default=None)
    outcome = choice(OUTCOMES, load_default="unknown")
    severe_dehydration = fields.Boolean(load_default=False)

    @validates_schema
    def _age(self, data, **kwargs):
        if data.get("age_years") is None and data.get("age_band") is None:
            raise ValidationError("Give age_years or age_band.", "age_years")


class ManualAlertSchema(Schema):
    facility_id = UUIDString(required=True)
    week = fields.String(required=True, validate=WEEK)
    syndrome = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=50))
    level = choice(("alert", "epidemic", "emergency"), load_default="alert")


class AlertStepSchema(Schema):
    alert_id = UUIDString(required=True)
    action = choice(("verify", "investigate", "close"), required=True)
    outcome = choice(("confirmed", "discarded", "closed", "monitored"), allow_none=True, load_default=None)


class ReferralSchema(Schema):
    from_facility_id = UUIDString(required=True)
    to_facility_id = UUIDString(required=True)
    reason = choice(REFERRAL_REASONS, required=True)
    urgency = choice(URGENCIES, required=True)

    @validates_schema
    def _two_facilities(self, data, **kwargs):
        if data.get("from_facility_id") and data.get("from_facility_id") == data.get("to_facility_id"):
            raise ValidationError("Must be another facility.", "to_facility_id")


class ReferralStepSchema(Schema):
    referral_id = UUIDString(required=True)
    status = choice(("accepted", "refused", "completed"), required=True)


class PageQuery(Schema):
    limit = fields.Integer(strict=True, load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))
    offset = fields.Integer(strict=True, load_default=0, validate=validate.Range(min=0))
