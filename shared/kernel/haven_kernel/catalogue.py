"""The catalogue of every event Haven publishes: schema, version, and which services consume it.

This is the contract between services. Schemas refuse unknown fields, so an event carrying a name, a birth date,
a phone number or a narrative cannot be published by mistake. ``docs/events.md`` is generated from this module
(``haven events-doc``).
"""
from marshmallow import Schema, fields, validate

from .events import Catalogue
from .reference import AGE_BANDS, SEXES

catalogue = Catalogue()

SITE_TYPES = ("planned_camp", "self_settled_camp", "collective_centre", "reception_centre", "transit_centre",
              "evacuation_centre")
SITE_STATUSES = ("open", "closed")
DEPARTURE_REASONS = ("returned_home", "moved_elsewhere", "resettled", "deceased", "other")

_count = fields.Integer(strict=True, validate=validate.Range(min=0))


class Origin(Schema):
    adm1 = fields.String(allow_none=True, validate=validate.Length(max=100))
    adm2 = fields.String(allow_none=True, validate=validate.Length(max=100))


def _by_sex_age_field():
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(SEXES)),
        values=fields.Dict(keys=fields.String(validate=validate.OneOf(AGE_BANDS)), values=_count),
        required=True,
    )


class HouseholdSummary(Schema):
    """What every household event carries: ids, site, size, counts by sex and age band, specific-needs counts,
    origin admin areas and the registering organisation. Never names, birth dates or phone numbers."""

    household_id = fields.UUID(required=True)
    registration_number = fields.String(required=True, validate=validate.Length(max=20))
    site_id = fields.UUID(required=True)
    size = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=30))
    status = fields.String(required=True, validate=validate.OneOf(("active", "departed")))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    by_sex_age = _by_sex_age_field()
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


class SiteEvent(Schema):
    site_id = fields.UUID(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    site_type = fields.String(required=True, validate=validate.OneOf(SITE_TYPES))
    adm1 = fields.String(required=True, validate=validate.Length(max=100))
    adm2 = fields.String(required=True, validate=validate.Length(max=100))
    lat = fields.Float(allow_none=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(allow_none=True, validate=validate.Range(min=-180, max=180))
    status = fields.String(required=True, validate=validate.OneOf(SITE_STATUSES))
    managing_agency = fields.String(allow_none=True, validate=validate.Length(max=50))
    code = fields.String(allow_none=True, validate=validate.Length(max=50))
    opened_on = fields.Date(allow_none=True)
    area_m2 = fields.Float(allow_none=True, validate=validate.Range(min=0))


class SiteOpened(SiteEvent):
    """A site was created (or reopened) and takes households."""


class SiteUpdated(SiteEvent):
    """A site's details changed."""


class SiteClosed(SiteEvent):
    """A site was closed; it takes no households."""

    reason = fields.String(allow_none=True, validate=validate.Length(max=500))


UNIT_TYPES = ("family_tent", "transitional_shelter", "collective_room", "emergency_shelter_kit", "host_plot")
RELEASE_REASONS = ("departed", "relocated", "reallocated", "manual", "site_closed")
PHASES = ("emergency", "stabilised")


class ShelterAllocated(Schema):
    """A household was given a shelter unit at a site."""

    household_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    unit_id = fields.UUID(required=True)
    unit_type = fields.String(required=True, validate=validate.OneOf(UNIT_TYPES))
    persons = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=30))
    manual = fields.Boolean(load_default=False)
    covered_area_m2 = fields.Float(allow_none=True, validate=validate.Range(min=0))  # the unit's: for m² per person


class ShelterReleased(Schema):
    """A household's shelter unit was freed (departure, relocation, reallocation or a manager's decision)."""

    household_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    unit_id = fields.UUID(required=True)
    unit_type = fields.String(required=True, validate=validate.OneOf(UNIT_TYPES))
    persons = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=30))
    reason = fields.String(required=True, validate=validate.OneOf(RELEASE_REASONS))
    covered_area_m2 = fields.Float(allow_none=True, validate=validate.Range(min=0))


class AllocationWaitlisted(Schema):
    """No free unit fits the household: it waits, first come first served, at the site."""

    household_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    persons = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=30))
    position = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class WaitlistLeft(Schema):
    """A waiting household left the queue without a unit (departed, relocated, or the site closed)."""

    household_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(RELEASE_REASONS))


class SiteFull(Schema):
    """The last free unit of a site was taken (emitted again only after the site had free units in between)."""

    site_id = fields.UUID(required=True)
    units_total = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    capacity_persons = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))


class SiteCapacityChanged(Schema):
    """A site's shelter stock changed (units added, damaged, repaired): totals after the change."""

    site_id = fields.UUID(required=True)
    units_total = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    units_available = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    capacity_persons = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    covered_area_m2 = fields.Float(required=True, validate=validate.Range(min=0))


class SiteServicesUpdated(Schema):
    """WASH and services figures for a site (CCCM site monitoring), as of a date."""

    site_id = fields.UUID(required=True)
    latrines = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0))
    latrines_female = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0))
    water_taps = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0))
    hand_pumps = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0))
    water_litres_per_day = fields.Float(allow_none=True, validate=validate.Range(min=0))
    showers = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=0))
    phase = fields.String(required=True, validate=validate.OneOf(PHASES))
    as_of = fields.Date(required=True)


for _name, _schema in (("household_registered", HouseholdRegistered), ("household_updated", HouseholdUpdated),
                       ("household_departed", HouseholdDeparted), ("household_relocated", HouseholdRelocated)):
    catalogue.register("registration", _name, _schema, consumers=("shelter", "reporting"))

for _name, _schema in (("site_opened", SiteOpened), ("site_updated", SiteUpdated), ("site_closed", SiteClosed)):
    catalogue.register("shelter", _name, _schema, consumers=("registration", "reporting"))

for _name, _schema in (("shelter_allocated", ShelterAllocated), ("shelter_released", ShelterReleased),
                       ("allocation_waitlisted", AllocationWaitlisted), ("waitlist_left", WaitlistLeft),
                       ("site_full", SiteFull), ("site_capacity_changed", SiteCapacityChanged),
                       ("site_services_updated", SiteServicesUpdated)):
    catalogue.register("shelter", _name, _schema, consumers=("reporting",))
