"""The registration service's events: household summaries (ids, site, counts; never names, birth dates or phone
numbers), and the vocabulary they use."""
from marshmallow import Schema, fields, validate

from haven_kernel.events import EventType

from .reference import AGE_BANDS, SEXES

SOURCE = "registration"

HOUSEHOLD_STATUSES = ("active", "departed")
DEPARTURE_REASONS = ("returned_home", "moved_elsewhere", "resettled", "deceased", "other")

_count = fields.Integer(strict=True, validate=validate.Range(min=0))


class Origin(Schema):
    adm1 = fields.String(allow_none=True, validate=validate.Length(max=100))
    adm2 = fields.String(allow_none=True, validate=validate.Length(max=100))


class HouseholdSummary(Schema):
    """What every household event carries: ids, site, size, counts by sex and age band, specific-needs counts,
    origin admin areas and the registering organisation. Never names, birth dates or phone numbers."""

    household_id = fields.UUID(required=True)
    registration_number = fields.String(required=True, validate=validate.Length(max=20))
    site_id = fields.UUID(required=True)
    size = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=30))
    status = fields.String(required=True, validate=validate.OneOf(HOUSEHOLD_STATUSES))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    by_sex_age = fields.Dict(
        keys=fields.String(validate=validate.OneOf(SEXES)),
        values=fields.Dict(keys=fields.String(validate=validate.OneOf(AGE_BANDS)), values=_count),
        required=True,
    )
    specific_needs = fields.Dict(keys=fields.String(validate=validate.Length(max=10)), values=_count, required=True)
    origin = fields.Nested(Origin, allow_none=True)
    displacement_date = fields.Date(allow_none=True)
    org = fields.String(required=True, validate=validate.Length(max=50))
    registered_at = fields.AwareDateTime(required=True)


class HouseholdRegistered(HouseholdSummary):
    """A household was registered at a site."""


class HouseholdUpdated(HouseholdSummary):
    """A household's composition or details changed; carries the new summary and which parts changed."""

    changed = fields.List(fields.String(validate=validate.Length(max=50)), required=True)


class HouseholdDeparted(HouseholdSummary):
    """A household left the response (returned home, moved elsewhere, resettled, deceased, other)."""

    reason = fields.String(required=True, validate=validate.OneOf(DEPARTURE_REASONS))
    departure_date = fields.Date(required=True)


class HouseholdRelocated(HouseholdSummary):
    """A household moved from one site to another; ``site_id`` is the new site."""

    from_site_id = fields.UUID(required=True)
    to_site_id = fields.UUID(required=True)


HOUSEHOLD_CONSUMERS = ("shelter", "reporting", "logistics")

EVENTS = (
    EventType(SOURCE, "household_registered", HouseholdRegistered, consumers=HOUSEHOLD_CONSUMERS),
    EventType(SOURCE, "household_updated", HouseholdUpdated, consumers=HOUSEHOLD_CONSUMERS),
    EventType(SOURCE, "household_departed", HouseholdDeparted, consumers=HOUSEHOLD_CONSUMERS),
    EventType(SOURCE, "household_relocated", HouseholdRelocated, consumers=HOUSEHOLD_CONSUMERS),
)
