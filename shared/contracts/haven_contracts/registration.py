"""The registration service's events: household summaries (ids, site, counts; never names, birth dates, phone numbers
or specific needs), the specific needs protection must act on (to protection only), per-site specific-needs counts
(to reporting), and the vocabulary they use.

Specific needs (docs/domain.md §3, "Sensitivity"; ``reference.PROTECTION_GROUPS``): household events v1 carried
each household's codes to every consumer and every broker client bound to ``registration.events``; from v2 they
carry none. A household's protection codes go to protection alone (``household_protection_needs``, a confidential
event: published to protection's queue only, never to the topic exchange); reporting gets per-site counts by group
(``site_needs_counted``), never a per-household flag. The v1 schemas stay in the catalogue so that events already
on the bus when registration is upgraded are still accepted (consumers drop their ``specific_needs``).

Household events v3 add ``collected_at``: when a household registered offline in the field (``sync_households``)
was collected, so that reporting counts it from then, not from when the phone synced. The enumerator, the device
and the place of collection stay in registration (a point could find a family's shelter). v2 stays accepted."""
from marshmallow import Schema, ValidationError, fields, validate

from haven_kernel.events import EventType

from .reference import AGE_BANDS, SEXES, SPECIFIC_NEEDS, is_protection_need

SOURCE = "registration"

HOUSEHOLD_STATUSES = ("active", "departed")
DEPARTURE_REASONS = ("returned_home", "moved_elsewhere", "resettled", "deceased", "other")

_count = fields.Integer(strict=True, validate=validate.Range(min=0))


class Origin(Schema):
    adm1 = fields.String(allow_none=True, validate=validate.Length(max=100))
    adm2 = fields.String(allow_none=True, validate=validate.Length(max=100))


class HouseholdSummaryV2(Schema):
    """What every household event carries: ids, site, size, counts by sex and age band, origin admin areas and the
    registering organisation. Never names, birth dates, phone numbers or specific needs (since v2)."""

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
    origin = fields.Nested(Origin, allow_none=True)
    displacement_date = fields.Date(allow_none=True)
    org = fields.String(required=True, validate=validate.Length(max=50))
    registered_at = fields.AwareDateTime(required=True)


class HouseholdSummary(HouseholdSummaryV2):
    """What every household event carries (v3): ids, site, size, counts by sex and age band, origin admin areas, the
    registering organisation, when it was registered and, for a household registered offline in the field, when it
    was collected (``collected_at``; null when registered directly). Reporting counts a household from
    ``collected_at`` when given, else ``registered_at``. Never names, birth dates, phone numbers, specific needs, nor
    the enumerator, the device or the place of collection."""

    collected_at = fields.AwareDateTime(allow_none=True)


class _Updated(Schema):
    changed = fields.List(fields.String(validate=validate.Length(max=50)), required=True)


class _Departed(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(DEPARTURE_REASONS))
    departure_date = fields.Date(required=True)


class _Relocated(Schema):
    from_site_id = fields.UUID(required=True)
    to_site_id = fields.UUID(required=True)


class HouseholdRegistered(HouseholdSummary):
    """A household was registered at a site."""


class HouseholdUpdated(_Updated, HouseholdSummary):
    """A household's composition or details changed; carries the new summary and which parts changed."""


class HouseholdDeparted(_Departed, HouseholdSummary):
    """A household left the response (returned home, moved elsewhere, resettled, deceased, other)."""


class HouseholdRelocated(_Relocated, HouseholdSummary):
    """A household moved from one site to another; ``site_id`` is the new site."""


# -- v2 (superseded by v3, which adds ``collected_at``): still accepted from a registration not yet upgraded ---------
class HouseholdRegisteredV2(HouseholdSummaryV2):
    """v2, superseded by v3 (adds collected_at): still accepted from a registration not yet upgraded."""


class HouseholdUpdatedV2(_Updated, HouseholdSummaryV2):
    """v2, superseded by v3 (adds collected_at): still accepted from a registration not yet upgraded."""


class HouseholdDepartedV2(_Departed, HouseholdSummaryV2):
    """v2, superseded by v3 (adds collected_at): still accepted from a registration not yet upgraded."""


class HouseholdRelocatedV2(_Relocated, HouseholdSummaryV2):
    """v2, superseded by v3 (adds collected_at): still accepted from a registration not yet upgraded."""


# -- v1 (superseded): each household's specific-needs codes with counts, to every consumer ----------------------
class _WithNeedsV1(Schema):
    specific_needs = fields.Dict(keys=fields.String(validate=validate.Length(max=10)), values=_count, required=True)


class HouseholdRegisteredV1(HouseholdRegisteredV2, _WithNeedsV1):
    """v1, superseded by v2 (no specific needs): still accepted from a registration not yet upgraded."""


class HouseholdUpdatedV1(HouseholdUpdatedV2, _WithNeedsV1):
    """v1, superseded by v2 (no specific needs): still accepted from a registration not yet upgraded."""


class HouseholdDepartedV1(HouseholdDepartedV2, _WithNeedsV1):
    """v1, superseded by v2 (no specific needs): still accepted from a registration not yet upgraded."""


class HouseholdRelocatedV1(HouseholdRelocatedV2, _WithNeedsV1):
    """v1, superseded by v2 (no specific needs): still accepted from a registration not yet upgraded."""


# -- specific needs -------------------------------------------------------------------------------------------------
PROTECTION_NEEDS_CAUSES = ("registered", "updated", "departed", "relocated")


def _protection_code(code):
    """A specific-needs code of a protection group (reference.PROTECTION_GROUPS: SC, CR, SV, TR, LP)."""
    if not is_protection_need(code):
        raise ValidationError("Not a specific-needs code of a protection group (reference.PROTECTION_GROUPS).")


_protection_code.example = "SC-CH"  # what the references show (haven_kernel.jsonschema.example_of)


class MemberProtectionNeeds(Schema):
    member_id = fields.UUID(required=True)
    needs = fields.List(fields.String(validate=[validate.Length(max=10), _protection_code]), required=True,
                        validate=validate.Length(min=1, max=20))


class HouseholdProtectionNeeds(Schema):
    """The protection needs of one household (codes of reference.PROTECTION_GROUPS: SC, CR, SV, TR, LP), to
    protection only: emitted with the household event of the same change when a household with protection needs is
    registered, when its protection needs change (to none included), and when it departs or relocates.
    ``specific_needs`` counts members per code (empty: none any more); ``member_needs`` says which member has which
    codes (member ids only: what a follow-up or a case per person refers to); ``version`` is the household's;
    ``cause`` the change (registered, updated, departed, relocated; ``from_site_id`` on a relocation).
    Confidential: published to protection's queue only."""

    household_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    org = fields.String(required=True, validate=validate.Length(max=50))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    status = fields.String(required=True, validate=validate.OneOf(HOUSEHOLD_STATUSES))
    cause = fields.String(required=True, validate=validate.OneOf(PROTECTION_NEEDS_CAUSES))
    from_site_id = fields.UUID(allow_none=True)
    specific_needs = fields.Dict(keys=fields.String(validate=[validate.Length(max=10), _protection_code]),
                                 values=fields.Integer(strict=True, validate=validate.Range(min=1)), required=True)
    member_needs = fields.List(fields.Nested(MemberProtectionNeeds), required=True,
                               validate=validate.Length(max=30))


class SiteNeedsCounted(Schema):
    """How many people at a site have a specific need, by group (``{"SV": 2, "DS": 5}``; a group left out is 0):
    members of the site's active households, one per code they have. Emitted when a site's counts change, with the
    site's own ``version`` (the highest wins). No household, member or organisation: counts only."""

    site_id = fields.UUID(required=True)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    needs = fields.Dict(keys=fields.String(validate=validate.OneOf(tuple(SPECIFIC_NEEDS))), values=_count,
                        required=True)


HOUSEHOLD_CONSUMERS = ("shelter", "reporting", "logistics", "health")

EVENTS = (
    EventType(SOURCE, "household_registered", HouseholdRegisteredV1, version=1, consumers=HOUSEHOLD_CONSUMERS),
    EventType(SOURCE, "household_updated", HouseholdUpdatedV1, version=1, consumers=HOUSEHOLD_CONSUMERS),
    EventType(SOURCE, "household_departed", HouseholdDepartedV1, version=1, consumers=HOUSEHOLD_CONSUMERS),
    EventType(SOURCE, "household_relocated", HouseholdRelocatedV1, version=1, consumers=HOUSEHOLD_CONSUMERS),
    EventType(SOURCE, "household_registered", HouseholdRegisteredV2, version=2, consumers=HOUSEHOLD_CONSUMERS),
    EventType(SOURCE, "household_updated", HouseholdUpdatedV2, version=2, consumers=HOUSEHOLD_CONSUMERS),
    EventType(SOURCE, "household_departed", HouseholdDepartedV2, version=2, consumers=HOUSEHOLD_CONSUMERS),
    EventType(SOURCE, "household_relocated", HouseholdRelocatedV2, version=2, consumers=HOUSEHOLD_CONSUMERS),
    EventType(SOURCE, "household_registered", HouseholdRegistered, version=3, consumers=HOUSEHOLD_CONSUMERS),
    EventType(SOURCE, "household_updated", HouseholdUpdated, version=3, consumers=HOUSEHOLD_CONSUMERS),
    EventType(SOURCE, "household_departed", HouseholdDeparted, version=3, consumers=HOUSEHOLD_CONSUMERS),
    EventType(SOURCE, "household_relocated", HouseholdRelocated, version=3, consumers=HOUSEHOLD_CONSUMERS),
    EventType(SOURCE, "household_protection_needs", HouseholdProtectionNeeds, consumers=("protection",),
              confidential=True),
    EventType(SOURCE, "site_needs_counted", SiteNeedsCounted, consumers=("reporting",)),
)
