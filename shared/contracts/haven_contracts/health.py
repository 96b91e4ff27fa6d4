"""The health service's events (facilities, weekly epi-week reports as aggregates, alerts) and the vocabulary they
use. Aggregates and alerts only: no individual case, name, age or narrative leaves the service."""
from marshmallow import Schema, fields, validate

from haven_kernel.events import EventType

SOURCE = "health"

FACILITY_TYPES = ("hospital", "field_hospital", "health_centre_with_beds", "health_centre_without_beds",
                  "health_post", "mobile_clinic", "cholera_treatment_centre", "cholera_treatment_unit", "other")
FACILITY_STATUSES = ("functional", "partially_functional", "not_functional", "closed")
# The default syndromes (docs/domain.md "Syndromes"); the SYNDROMES config key trims or extends the list.
SYNDROMES = ("acute_watery_diarrhoea", "suspected_cholera", "bloody_diarrhoea", "acute_respiratory_infection",
             "suspected_measles", "acute_flaccid_paralysis", "suspected_meningitis", "acute_jaundice_syndrome",
             "malaria_confirmed", "malaria_suspected", "dengue", "viral_haemorrhagic_fever", "diphtheria",
             "pertussis", "neonatal_tetanus", "other")
AGE_GROUPS = ("under_five", "five_and_over")
ALERT_STATUSES = ("raised", "confirmed", "discarded", "investigated", "closed", "monitored")
ALERT_LEVELS = ("alert", "epidemic", "emergency")

_count = fields.Integer(strict=True, validate=validate.Range(min=0))
_name = fields.String(validate=validate.Length(max=200))
_week = fields.String(required=True, validate=validate.Regexp(r"\A\d{4}-W\d{2}\Z"), metadata={"example": "2026-W47"})


class ByAge(Schema):
    under_five = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))
    five_and_over = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))


class StatusSince(Schema):
    since = fields.Date(required=True)
    status = fields.String(required=True, validate=validate.OneOf(FACILITY_STATUSES))


class Facility(Schema):
    """What every facility event carries: the facility's public description (no staff names) and its status
    history (which weeks it was expected to report)."""

    facility_id = fields.UUID(required=True)
    code = fields.String(required=True, validate=validate.Length(max=30))
    name = fields.String(required=True, validate=validate.Length(max=200))
    facility_type = fields.String(required=True, validate=validate.OneOf(FACILITY_TYPES))
    site_id = fields.UUID(allow_none=True)
    serves_site_ids = fields.List(fields.UUID(), required=True)
    adm1 = fields.String(allow_none=True, validate=validate.Length(max=100))
    adm2 = fields.String(allow_none=True, validate=validate.Length(max=100))
    status = fields.String(required=True, validate=validate.OneOf(FACILITY_STATUSES))
    status_history = fields.List(fields.Nested(StatusSince), required=True, validate=validate.Length(max=1000))
    beds_total = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0))
    beds_available = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0))
    org = fields.String(required=True, validate=validate.Length(max=50))
    version = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))


class FacilityRegistered(Facility):
    """A health facility was registered."""


class FacilityUpdated(Facility):
    """A facility's details or status changed; carries its whole new description."""


class WeeklyReportSubmitted(Schema):
    """A facility's weekly report for an ISO epi-week, as aggregates; a higher ``version`` replaces the earlier one
    in every figure. ``population`` and ``under_five`` are the place's population that week as registration's
    events say (counts), the denominators of the rates."""

    report_id = fields.UUID(required=True)
    facility_id = fields.UUID(required=True)
    site_id = fields.UUID(allow_none=True)
    adm1 = fields.String(allow_none=True, validate=validate.Length(max=100))
    adm2 = fields.String(allow_none=True, validate=validate.Length(max=100))
    week = _week
    version = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))
    late = fields.Boolean(required=True)
    received_at = fields.AwareDateTime(required=True)
    consultations = fields.Dict(keys=fields.String(validate=validate.OneOf(("female", "male"))),
                                values=fields.Nested(ByAge), required=True)
    cases = fields.Dict(keys=fields.String(validate=validate.Length(max=50)), values=fields.Nested(ByAge),
                        required=True)
    deaths = fields.Nested(ByAge, required=True)
    org = fields.String(required=True, validate=validate.Length(max=50))


class PlaceWeekAssessed(Schema):
    """A place's (site's, or a facility's without a site) week after a report: its deaths against the population of
    the week (``population_basis``: at mid-week, or the current one when registration knew nobody there then), the
    rates per 10,000 per day and whether they cross the rules' thresholds. A later ``assessed_at`` replaces an
    earlier one."""

    place = fields.String(required=True, validate=validate.Length(max=60))
    site_id = fields.UUID(allow_none=True)
    week = _week
    deaths = _count
    deaths_under_five = _count
    population = _count
    under_five = _count
    population_basis = fields.String(required=True, validate=validate.OneOf(("mid_week", "current", "none")))
    crude_mortality = fields.Float(allow_none=True)
    under_five_mortality = fields.Float(allow_none=True)
    crude_threshold = fields.Float(allow_none=True)
    under_five_threshold = fields.Float(allow_none=True)
    crude_exceeded = fields.Boolean(required=True)
    under_five_exceeded = fields.Boolean(required=True)
    assessed_at = fields.AwareDateTime(required=True)


class Alert(Schema):
    """What every alert event carries: the rule (or ``manual``), the place and week, the status; never a case."""

    alert_id = fields.UUID(required=True)
    rule_id = fields.String(required=True, validate=validate.Length(max=80))
    level = fields.String(required=True, validate=validate.OneOf(ALERT_LEVELS))
    syndrome = fields.String(allow_none=True, validate=validate.Length(max=50))
    place = fields.String(required=True, validate=validate.Length(max=60))
    site_id = fields.UUID(allow_none=True)
    facility_id = fields.UUID(allow_none=True)
    adm1 = fields.String(allow_none=True, validate=validate.Length(max=100))
    adm2 = fields.String(allow_none=True, validate=validate.Length(max=100))
    week = _week
    status = fields.String(required=True, validate=validate.OneOf(ALERT_STATUSES))
    raised_at = fields.AwareDateTime(required=True)
    changed_at = fields.AwareDateTime(required=True)
    step = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))


class AlertRaised(Alert):
    """An alert was raised, by a rule (once per rule, place and week) or by hand."""


class AlertStatusChanged(Alert):
    """An alert moved on: confirmed or discarded (verified), investigated, closed or monitored. ``step`` orders
    the changes of one alert."""


EVENTS = (
    EventType(SOURCE, "facility_registered", FacilityRegistered, consumers=("reporting",)),
    EventType(SOURCE, "facility_updated", FacilityUpdated, consumers=("reporting",)),
    EventType(SOURCE, "weekly_report_submitted", WeeklyReportSubmitted, consumers=("reporting",)),
    EventType(SOURCE, "place_week_assessed", PlaceWeekAssessed, consumers=("reporting",)),
    EventType(SOURCE, "alert_raised", AlertRaised, consumers=("reporting",)),
    EventType(SOURCE, "alert_status_changed", AlertStatusChanged, consumers=("reporting",)),
)
