"""What partners send, validated field by field (marshmallow 4). Unknown fields are refused."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from haven_contracts.reference import SEXES, is_specific_need
from haven_contracts.registration import DEPARTURE_REASONS
from haven_kernel.fieldsync import ProvenanceSchema
from haven_kernel.validation import Text, UUIDString, choice, not_in_future

RELATIONSHIPS = ("head", "spouse", "child", "parent", "sibling", "other_relative", "unrelated")


def _specific_need(code):
    """A UNHCR specific-needs code such as 'SC-CH' or 'DS-PM' (docs/domain.md)."""
    if not is_specific_need(code):
        raise ValidationError(f"Unknown specific-needs code {code!r}; use UNHCR codes such as 'SC-CH' or 'DS-PM'."
                              if isinstance(code, str) and len(code) < 20 else "Unknown specific-needs code.")


class OriginSchema(Schema):
    adm1 = Text(max_length=100, allow_none=True)
    adm2 = Text(max_length=100, allow_none=True)


class MemberSchema(Schema):
    given_name = Text(max_length=100)
    family_name = Text(max_length=100)
    sex = choice(SEXES, required=True)
    date_of_birth = fields.Date(validate=not_in_future)
    age_years = fields.Integer(strict=True, validate=validate.Range(min=0, max=120))
    date_of_birth_estimated = fields.Boolean(load_default=False)
    relationship = choice(RELATIONSHIPS, required=True)
    specific_needs = fields.List(fields.String(validate=[validate.Length(max=10), _specific_need]),
                                 load_default=list, validate=validate.Length(max=20))

    @validates_schema
    def _birth(self, data, **kwargs):
        if "date_of_birth" in data and "age_years" in data:
            raise ValidationError("Give date_of_birth or age_years, not both.", "age_years")
        if "date_of_birth" not in data and "age_years" not in data:
            raise ValidationError("Either date_of_birth or age_years is required.", "date_of_birth")


class MemberChangeSchema(MemberSchema):
    """A change to one member: only the fields given are changed."""

    member_id = UUIDString(required=True)
    sex = choice(SEXES)
    relationship = choice(RELATIONSHIPS)

    @validates_schema
    def _birth(self, data, **kwargs):
        if "date_of_birth" in data and "age_years" in data:
            raise ValidationError("Give date_of_birth or age_years, not both.", "age_years")


class HouseholdSchema(Schema):
    site_id = UUIDString(required=True)
    members = fields.List(fields.Nested(MemberSchema), required=True)
    origin = fields.Nested(OriginSchema, allow_none=True)
    displacement_date = fields.Date(allow_none=True, validate=not_in_future)
    phone = fields.String(allow_none=True, validate=validate.Regexp(r"\A\+?[0-9 ()\-]{6,20}\Z",
                                                                   error="Must be a phone number (digits, 6 to 20)."))
    consent = fields.Boolean(load_default=False)
    provenance = fields.Nested(ProvenanceSchema, allow_none=True)  # collected offline in the field (fieldsync)


class MemberChangesSchema(Schema):
    add = fields.List(fields.Nested(MemberSchema), load_default=list)
    update = fields.List(fields.Nested(MemberChangeSchema), load_default=list)
    remove = fields.List(UUIDString(), load_default=list)


class HouseholdChangesSchema(Schema):
    origin = fields.Nested(OriginSchema, allow_none=True)
    displacement_date = fields.Date(allow_none=True, validate=not_in_future)
    phone = HouseholdSchema._declared_fields["phone"]
    consent = fields.Boolean()
    members = fields.Nested(MemberChangesSchema)


class DepartureSchema(Schema):
    reason = choice(DEPARTURE_REASONS, required=True)
    date = fields.Date(required=True, validate=not_in_future)


class SearchSchema(Schema):
    site_id = UUIDString(allow_none=True)
    name = Text(max_length=100, allow_none=True)
    registration_number = Text(max_length=20, allow_none=True)
    limit = fields.Integer(strict=True, load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(strict=True, load_default=0, validate=validate.Range(min=0, max=1_000_000))
