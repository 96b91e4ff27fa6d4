"""Facilities: register, change (status changes kept in the status history), read."""
import uuid

from haven_kernel import versions
from haven_kernel.clock import utcnow
from haven_kernel.replica import Replica
from haven_kernel.errors import Conflict, NotFound, ValidationError
from haven_kernel.validation import load, parse_uuid

from . import repository, views
from .access import to_change
from .models import Facility, FacilityStatus, Site
from .schemas import FacilityChangesSchema, FacilitySchema, PageQuery


def _known_sites(unit, site_ids, site_lookup):
    """The sites (replica rows) of ``site_ids``, each asked of shelter once when not in the replica yet
    (``site_lookup``: the service's ServiceRpc to shelter); NotFound naming the first that nobody knows."""
    sites = []
    for site_id in site_ids:
        site = Replica(Site, unit, fallback=site_lookup).get(site_id)
        if site is None:
            raise NotFound(f"site {site_id} not found")
        sites.append(site)
    return sites


def register(unit, payload, site_lookup=None):
    data = load(FacilitySchema(), payload, field="facility")
    if repository.facility_by_code(unit.session, data["code"]) is not None:
        raise Conflict(f"a facility with code {data['code']} exists")
    sites = _known_sites(unit, ([data["site_id"]] if data["site_id"] else []) + data["serves_site_ids"], site_lookup)
    if sites and data["adm1"] is None:  # the facility's admin areas are its (first) site's unless given
        data["adm1"], data["adm2"] = sites[0].adm1, data["adm2"] or sites[0].adm2
    now = utcnow()
    since = data.pop("status_since") or now.date()
    facility = Facility(id=str(uuid.uuid4()), org=unit.caller.org, version=1, created_at=now, updated_at=now,
                        **data)
    unit.session.add(facility)
    unit.session.add(FacilityStatus(facility_id=facility.id, status=facility.status, since=since,
                                    changed_by=unit.caller.sub, changed_at=now))
    unit.session.flush()
    unit.emit("facility_registered", views.facility_event(facility, [(since, facility.status)]))
    return views.facility(facility)


def update(unit, facility_id, changes, site_lookup=None, expected_version=None):
    """Change a facility; Conflict when ``expected_version`` is given and the facility changed since."""
    facility_id = parse_uuid(facility_id, "facility_id")
    expected = versions.expected_version(expected_version, "facility")
    data = load(FacilityChangesSchema(), changes, field="changes")
    facility = to_change(unit, repository.facility(unit.session, facility_id, lock=True), "facility", facility_id)
    versions.require_version("facility", facility.id, facility.version, expected)
    _known_sites(unit, data.get("serves_site_ids", []), site_lookup)
    now = utcnow()
    since = data.pop("status_since", None) or now.date()
    total = data.get("beds_total", facility.beds_total)
    available = data.get("beds_available", facility.beds_available)
    if total is not None and available is not None and available > total:
        raise ValidationError({"changes.beds_available": ["Must not exceed beds_total."]})
    if "status" in data and data["status"] != facility.status:
        unit.session.add(FacilityStatus(facility_id=facility.id, status=data["status"], since=since,
                                        changed_by=unit.caller.sub, changed_at=now))
    for key, value in data.items():
        setattr(facility, key, value)
    facility.version += 1
    facility.updated_at = now
    unit.session.flush()
    history = repository.status_histories(unit.session, [facility.id]).get(facility.id, [])
    unit.emit("facility_updated", views.facility_event(facility, history))
    return views.facility(facility)


def get(unit, facility_id):
    facility_id = parse_uuid(facility_id, "facility_id")
    facility = repository.facility(unit.session, facility_id)
    if facility is None:
        raise NotFound(f"facility {facility_id} not found")
    history = repository.status_histories(unit.session, [facility_id]).get(facility_id, [])
    return views.facility(facility, history)


def listing(unit, site_id, query):
    site_id = None if site_id is None else parse_uuid(site_id, "site_id")
    query = load(PageQuery(), query)
    rows = repository.facilities(unit.session, site_id, **query)
    return views.page([views.facility(row) for row in rows], query, len(rows))
