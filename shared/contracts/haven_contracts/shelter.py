"""The shelter service's events: sites, shelter units and allocations, waitlists and site services figures, and the
vocabulary they use."""
from marshmallow import Schema, fields, validate
from sqlalchemy import Float, String

from haven_kernel.events import EventType
from haven_kernel.replica import ReplicaSpec

SOURCE = "shelter"

SITE_TYPES = ("planned_camp", "self_settled_camp", "collective_centre", "reception_centre", "transit_centre",
              "evacuation_centre")
SITE_STATUSES = ("open", "closed")
UNIT_TYPES = ("family_tent", "transitional_shelter", "collective_room", "emergency_shelter_kit", "host_plot")
RELEASE_REASONS = ("departed", "relocated", "reallocated", "manual", "site_closed")
PHASES = ("emergency", "stabilised")


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


class UnitEvent(Schema):
    """What an allocation event says of the household and its unit."""

    household_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    unit_id = fields.UUID(required=True)
    unit_type = fields.String(required=True, validate=validate.OneOf(UNIT_TYPES))
    persons = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=30))
    covered_area_m2 = fields.Float(allow_none=True, validate=validate.Range(min=0))  # the unit's: for m² per person


class ShelterAllocated(UnitEvent):
    """A household was given a shelter unit at a site."""

    manual = fields.Boolean(load_default=False)


class ShelterReleased(UnitEvent):
    """A household's shelter unit was freed (departure, relocation, reallocation or a manager's decision)."""

    reason = fields.String(required=True, validate=validate.OneOf(RELEASE_REASONS))


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


SITE_CONSUMERS = ("registration", "reporting", "logistics", "health", "protection")  # all but reporting keep a replica

# What a service that needs shelter's sites keeps of them (haven_kernel.replica): fed by the three site events,
# asked of shelter.get_site once when a site is not known yet. A new consumer adds itself to SITE_CONSUMERS.
SITE_REPLICA = ReplicaSpec(
    source=SOURCE, key="site_id",
    fields={"name": String(200), "site_type": String(30), "adm1": String(100), "adm2": String(100), "lat": Float(),
            "lon": Float(), "status": String(20)},
    optional=("lat", "lon"),
    events=("site_opened", "site_updated", "site_closed"),
    lookup="get_site", scopes=("shelter:read",),
)

EVENTS = (
    EventType(SOURCE, "site_opened", SiteOpened, consumers=SITE_CONSUMERS),
    EventType(SOURCE, "site_updated", SiteUpdated, consumers=SITE_CONSUMERS),
    EventType(SOURCE, "site_closed", SiteClosed, consumers=SITE_CONSUMERS),
    EventType(SOURCE, "shelter_allocated", ShelterAllocated, consumers=("reporting",)),
    EventType(SOURCE, "shelter_released", ShelterReleased, consumers=("reporting",)),
    EventType(SOURCE, "allocation_waitlisted", AllocationWaitlisted, consumers=("reporting",)),
    EventType(SOURCE, "waitlist_left", WaitlistLeft, consumers=("reporting",)),
    EventType(SOURCE, "site_full", SiteFull, consumers=("reporting",)),
    EventType(SOURCE, "site_capacity_changed", SiteCapacityChanged, consumers=("reporting",)),
    EventType(SOURCE, "site_services_updated", SiteServicesUpdated, consumers=("reporting",)),
)
