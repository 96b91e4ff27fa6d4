"""Test data every service's tests share: the data of shelter's site events and of registration's household events,
and :class:`Events` (envelopes and parsed events with a clock the test controls).

Each factory checks what it returns against the event's schema in this package, so when a contract changes the
tests that build its events fail here, saying which field, instead of testing data no producer can send any more.
To send a broken event on purpose, change the data after building it (``{**household_event(...), "size": "four"}``).

    from haven_contracts.testing import Events, household_event, sex_age, site_event

    site = site_event(name="Mandruzi", adm2="Dondo")                   # site_opened data (site_closed when closed)
    household = household_event(site["site_id"], size=5)               # household_registered data
    departed = household_departed(site["site_id"], household["household_id"], version=2)
    block = sex_age(female_18_59=1, male_0_4=2)                        # a by_sex_age block
    counted = site_needs(site["site_id"], {"SV": 1, "DS": 2}, version=3)  # site_needs_counted data
    needs = protection_needs(site["site_id"], household["household_id"], {"SC-UC": 1})  # household_protection_needs
"""
import uuid
from datetime import datetime, timedelta, timezone

from .reference import AGE_BANDS, SEXES, empty_sex_age
from .registration import (HouseholdDeparted, HouseholdProtectionNeeds, HouseholdRegistered, HouseholdRelocated,
                           HouseholdUpdated, SiteNeedsCounted)
from .shelter import SiteClosed, SiteOpened

T0 = datetime(2026, 11, 20, 6, 0, tzinfo=timezone.utc)  # when the test world's events start
# Who a household of n is, person by person, as (sex, age band): two adults, then children in turn.
MEMBERS = (("female", "18-59"), ("male", "18-59"), ("female", "5-17"), ("male", "0-4"))

HOUSEHOLD_SCHEMAS = {"household_registered": HouseholdRegistered, "household_updated": HouseholdUpdated,
                     "household_departed": HouseholdDeparted, "household_relocated": HouseholdRelocated}
_BAND_NAMES = {"0_4": "0-4", "5_17": "5-17", "18_59": "18-59", "60": "60+"}


def new_id():
    return str(uuid.uuid4())


def checked(schema, data, what):
    """``data`` when ``schema`` accepts it; otherwise ValueError naming every field it refuses."""
    errors = schema().validate(data)
    if errors:
        raise ValueError(f"{what} test data does not match its contract ({schema.__name__}): {errors}")
    return data


def sex_age(**cells):
    """``sex_age(female_18_59=1, male_0_4=2)``: a by_sex_age block (every sex and age band, zero unless given)."""
    block = empty_sex_age()
    for name, count in cells.items():
        sex, _, band = name.partition("_")
        if sex not in SEXES or _BAND_NAMES.get(band) not in AGE_BANDS:
            raise ValueError(f"sex_age: {name!r} is not <sex>_<band> with a sex of {SEXES} and a band of "
                             f"{tuple(_BAND_NAMES)}")
        block[sex][_BAND_NAMES[band]] = count
    return block


def sex_age_of(size):
    """The by_sex_age block of a household of ``size``: a woman and a man of 18-59, then girls of 5-17 and boys
    under 5 in turn."""
    block = empty_sex_age()
    for index in range(size):
        sex, band = MEMBERS[index if index < 2 else 2 + index % 2]
        block[sex][band] += 1
    return block


def site_event(site_id=None, status="open", **fields):
    """The data of a shelter site event (site_opened and site_updated; site_closed when ``status`` is
    ``"closed"``): a planned camp at Guara Guara, Buzi, Sofala, managed by IOM, unless ``fields`` say otherwise."""
    data = {"site_id": site_id or new_id(), "name": "Guara Guara", "site_type": "planned_camp", "adm1": "Sofala",
            "adm2": "Buzi", "lat": -19.87, "lon": 34.6, "status": status, "managing_agency": "IOM"}
    data.update(fields)
    return checked(SiteClosed if status == "closed" else SiteOpened, data, "site event")


def _event_type_of(fields, status):
    """The household event a set of fields describes, when the caller did not name it."""
    if status == "departed" or {"reason", "departure_date"} & set(fields):
        return "household_departed"
    if {"from_site_id", "to_site_id"} & set(fields):
        return "household_relocated"
    if "changed" in fields:
        return "household_updated"
    return "household_registered"


def household_event(site_id, household_id=None, *, event_type=None, size=None, by_sex_age=None, version=1,
                    status=None, org="IOM", **fields):
    """The data of a registration household event: ids, site, size, counts by sex and age band, origin,
    organisation (never names, birth dates, phone numbers or specific needs: :func:`site_needs` and
    :func:`protection_needs` carry those).

    ``size`` and ``by_sex_age`` agree: give either (default: four people, :func:`sex_age_of`). ``event_type`` is
    ``household_registered`` unless named, or unless ``fields`` say otherwise (``reason``/``departure_date`` or
    status ``departed``: departed; ``from_site_id``/``to_site_id``: relocated; ``changed``: updated); what that
    event requires and was not given gets a sensible value (departed on 2026-11-28 for ``returned_home``, relocated
    from a new site, changed ``["members"]``)."""
    event_type = event_type or _event_type_of(fields, status)
    if by_sex_age is None:
        by_sex_age = sex_age_of(4 if size is None else size)
    counted = sum(sum(bands.values()) for bands in by_sex_age.values())
    if size is not None and size != counted:
        raise ValueError(f"household_event: size {size} but by_sex_age counts {counted} people")
    household_id = household_id or new_id()
    data = {"household_id": household_id, "registration_number": f"HV-{household_id[:4]}-{household_id[4:8]}".upper(),
            "site_id": site_id, "size": counted, "status": status or "active", "version": version,
            "by_sex_age": by_sex_age,
            "origin": {"adm1": "Sofala", "adm2": "Buzi"}, "displacement_date": "2026-11-19", "org": org,
            "registered_at": T0.isoformat()}
    if event_type == "household_departed":
        data.update(status=status or "departed", reason="returned_home", departure_date="2026-11-28")
    elif event_type == "household_relocated":
        data.update(from_site_id=new_id(), to_site_id=site_id)
    elif event_type == "household_updated":
        data.update(changed=["members"])
    data.update(fields)
    if event_type not in HOUSEHOLD_SCHEMAS:
        raise ValueError(f"household_event: {event_type!r} is not one of {tuple(HOUSEHOLD_SCHEMAS)}")
    return checked(HOUSEHOLD_SCHEMAS[event_type], data, event_type)


def household_registered(site_id, household_id=None, **fields):
    return household_event(site_id, household_id, event_type="household_registered", **fields)


def household_updated(site_id, household_id=None, **fields):
    return household_event(site_id, household_id, event_type="household_updated", **fields)


def household_departed(site_id, household_id=None, **fields):
    return household_event(site_id, household_id, event_type="household_departed", **fields)


def household_relocated(site_id, household_id=None, **fields):
    """Moved to ``site_id`` (from a new site unless ``from_site_id`` is given)."""
    return household_event(site_id, household_id, event_type="household_relocated", **fields)


def site_needs(site_id, needs, version=1):
    """The data of a ``site_needs_counted`` event: ``needs`` is ``{group: people}`` at the site."""
    return checked(SiteNeedsCounted, {"site_id": site_id, "version": version, "needs": dict(needs)},
                   "site_needs_counted")


def protection_needs(site_id, household_id, needs, *, member_needs=None, version=1, status="active",
                     cause="registered", org="IOM", from_site_id=None):
    """The data of a ``household_protection_needs`` event: ``needs`` is ``{code: members}``; ``member_needs``
    defaults to one new member per code and count."""
    if member_needs is None:
        member_needs = [{"member_id": new_id(), "needs": [code]} for code, n in sorted(needs.items())
                        for _ in range(n)]
    return checked(HouseholdProtectionNeeds, {
        "household_id": household_id, "site_id": site_id, "org": org, "version": version, "status": status,
        "cause": cause, "from_site_id": from_site_id, "specific_needs": dict(needs), "member_needs": member_needs},
        "household_protection_needs")


class Events:
    """Events as a consumer receives them, with times a test controls: the data factories above, envelopes
    (``catalogue.envelope``) and parsed :class:`haven_kernel.events.Event` objects. Each envelope is a tick (one
    second) later than the one before unless ``at`` is given."""

    site = staticmethod(site_event)
    household = staticmethod(household_event)
    site_needs = staticmethod(site_needs)
    protection_needs = staticmethod(protection_needs)
    sex_age = staticmethod(sex_age)

    def __init__(self, catalogue=None, start=T0):
        if catalogue is None:
            from . import catalogue
        self.catalogue = catalogue
        self.clock = start

    def tick(self, seconds=1):
        self.clock += timedelta(seconds=seconds)
        return self.clock

    def envelope(self, source, event_type, data, at=None, event_id=None):
        return self.catalogue.envelope(source, event_type, data, occurred_at=at or self.tick(), event_id=event_id)

    def event(self, source, event_type, data, at=None, origin_org=None):
        return self.catalogue.parse(self.envelope(source, event_type, data, at=at), origin_org=origin_org)


# -- health's events (aggregates and alerts only) -----------------------------------------------------------------------
def health_facility_event(site_id, facility_id=None, *, version=1, status="functional", since="2026-10-01",
                          **fields):
    """facility_registered / facility_updated data: a health centre at ``site_id`` in Sofala / Buzi."""
    from .health import FacilityRegistered
    facility_id = facility_id or new_id()
    data = {"facility_id": facility_id, "code": f"HC-{facility_id[:4]}", "name": "Health centre",
            "facility_type": "health_centre_with_beds", "site_id": site_id, "serves_site_ids": [], "adm1": "Sofala",
            "adm2": "Buzi", "status": status, "status_history": [{"since": since, "status": status}],
            "beds_total": 10, "beds_available": 4, "org": "IOM", "version": version}
    data.update(fields)
    return checked(FacilityRegistered, data, "health facility event")


def health_report_event(facility, week, *, version=1, late=False, cases=None, deaths=(0, 0),
                        consultations=(10, 20, 10, 15), report_id=None, **fields):
    """weekly_report_submitted data for ``facility`` (a facility event's data); ``cases`` {syndrome: (u5, 5+)}."""
    from .health import WeeklyReportSubmitted

    def by_age(under_five, five_and_over):
        return {"under_five": under_five, "five_and_over": five_and_over}
    data = {"report_id": report_id or new_id(), "facility_id": facility["facility_id"],
            "site_id": facility["site_id"], "adm1": facility["adm1"], "adm2": facility["adm2"], "week": week,
            "version": version, "late": late, "received_at": T0.isoformat(),
            "consultations": {"female": by_age(*consultations[:2]), "male": by_age(*consultations[2:])},
            "cases": {name: by_age(*counts) for name, counts in (cases or {}).items()}, "deaths": by_age(*deaths),
            "org": facility["org"]}
    data.update(fields)
    return checked(WeeklyReportSubmitted, data, "weekly report event")


def health_place_week_event(site_id, week, *, deaths=0, deaths_under_five=0, population=1000, under_five=400,
                            assessed_at=None, **fields):
    """place_week_assessed data for a site, the rates computed as the health service does (7-day week)."""
    from .health import PlaceWeekAssessed
    crude = round(deaths * 10000 / (population * 7), 4) if population else None
    u5 = round(deaths_under_five * 10000 / (under_five * 7), 4) if under_five else None
    data = {"place": f"site:{site_id}", "site_id": site_id, "week": week, "deaths": deaths,
            "deaths_under_five": deaths_under_five, "population": population, "under_five": under_five,
            "population_basis": "mid_week", "crude_mortality": crude, "under_five_mortality": u5, "crude_threshold": 1, "under_five_threshold": 2,
            "crude_exceeded": crude is not None and crude > 1, "under_five_exceeded": u5 is not None and u5 > 2,
            "assessed_at": (assessed_at or T0).isoformat()}
    data.update(fields)
    return checked(PlaceWeekAssessed, data, "place week event")


def health_alert_event(facility, week, *, alert_id=None, status="raised", step=1, rule_id="cholera-cluster",
                       raised_at=None, changed_at=None, **fields):
    """alert_raised / alert_status_changed data at ``facility``'s site."""
    from .health import AlertRaised
    data = {"alert_id": alert_id or new_id(), "rule_id": rule_id, "level": "alert",
            "syndrome": "acute_watery_diarrhoea", "place": f"site:{facility['site_id']}",
            "site_id": facility["site_id"], "facility_id": facility["facility_id"], "adm1": facility["adm1"],
            "adm2": facility["adm2"], "week": week, "status": status, "raised_at": (raised_at or T0).isoformat(),
            "changed_at": (changed_at or raised_at or T0).isoformat(), "step": step}
    data.update(fields)
    return checked(AlertRaised, data, "alert event")
