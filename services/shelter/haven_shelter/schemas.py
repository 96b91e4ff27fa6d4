"""What partners send, validated field by field (marshmallow 4). Unknown fields are refused."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from haven_contracts.shelter import PHASES, SITE_STATUSES, SITE_TYPES, UNIT_TYPES
from haven_kernel.validation import Text, choice, not_in_future

UNIT_STATUSES = ("available", "unavailable")
MAX_UNITS_PER_CALL = 1000
CODE_PATTERN = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
                               error="Must be letters, digits, '.', '_' or '-', starting with a letter or digit.")
ORG_PATTERN = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", error="Must be an organisation code such as 'IOM'.")


class Code(Text):
    """A trimmed, bounded code matching a pattern (site codes, organisation codes)."""

    def __init__(self, max_length, pattern, **kwargs):
        super().__init__(max_length=max_length, **kwargs)
        self.validators = [*self.validators, pattern]


def _count(maximum, **kwargs):
    return fields.Integer(strict=True, validate=validate.Range(min=0, max=maximum), **kwargs)


class SiteSchema(Schema):
    name = Text(max_length=200, required=True)
    site_type = choice(SITE_TYPES, required=True)
    adm1 = Text(max_length=100, required=True)
    adm2 = Text(max_length=100, required=True)
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    managing_agency = Code(50, ORG_PATTERN, required=True)
    opened_on = fields.Date(allow_none=True, validate=not_in_future)
    area_m2 = fields.Float(allow_none=True, validate=validate.Range(min=0, max=1e9, min_inclusive=False))
    code = Code(50, CODE_PATTERN, allow_none=True)


class SiteChangesSchema(Schema):
    """A change to a site's details: only the fields given change (status moves through close/reopen)."""

    name = Text(max_length=200)
    site_type = choice(SITE_TYPES)
    adm1 = Text(max_length=100)
    adm2 = Text(max_length=100)
    lat = fields.Float(validate=validate.Range(min=-90, max=90))
    lon = fields.Float(validate=validate.Range(min=-180, max=180))
    managing_agency = Code(50, ORG_PATTERN)
    opened_on = fields.Date(allow_none=True, validate=not_in_future)
    area_m2 = fields.Float(allow_none=True, validate=validate.Range(min=0, max=1e9, min_inclusive=False))
    code = Code(50, CODE_PATTERN, allow_none=True)

    @validates_schema
    def _not_empty(self, data, **kwargs):
        if not data:
            raise ValidationError("Give at least one field to change.")


class CloseSchema(Schema):
    reason = Text(max_length=500, required=True)


class UnitSpecSchema(Schema):
    unit_type = choice(UNIT_TYPES, required=True)
    covered_area_m2 = fields.Float(required=True, validate=validate.Range(min=0, max=10_000, min_inclusive=False))
    count = fields.Integer(strict=True, load_default=1, validate=validate.Range(min=1, max=MAX_UNITS_PER_CALL))
    capacity_persons = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=100))


class AddUnitsSchema(Schema):
    units = fields.List(fields.Nested(UnitSpecSchema), required=True, validate=validate.Length(min=1, max=100))

    @validates_schema
    def _bounded(self, data, **kwargs):
        total = sum(spec["count"] for spec in data.get("units", ()))
        if total > MAX_UNITS_PER_CALL:
            raise ValidationError(f"At most {MAX_UNITS_PER_CALL} units per call; got {total}.", "units")


class UnitStatusSchema(Schema):
    status = choice(UNIT_STATUSES, required=True)


class ServicesSchema(Schema):
    latrines = _count(100_000, allow_none=True)
    latrines_female = _count(100_000, allow_none=True)
    water_taps = _count(100_000, allow_none=True)
    hand_pumps = _count(100_000, allow_none=True)
    water_litres_per_day = fields.Float(allow_none=True, validate=validate.Range(min=0, max=1e10))
    showers = _count(100_000, allow_none=True)
    phase = choice(PHASES, required=True)
    as_of = fields.Date(required=True, validate=not_in_future)

    @validates_schema
    def _female_within_total(self, data, **kwargs):
        latrines, female = data.get("latrines"), data.get("latrines_female")
        if latrines is not None and female is not None and female > latrines:
            raise ValidationError("Must not exceed latrines.", "latrines_female")


class SiteFilterSchema(Schema):
    status = choice(SITE_STATUSES, allow_none=True)
    adm1 = Text(max_length=100, allow_none=True)
    site_type = choice(SITE_TYPES, allow_none=True)


class UnitFilterSchema(Schema):
    status = choice(UNIT_STATUSES, allow_none=True)
