"""Facilities: register, change (status changes kept in the status history), read."""
import uuid

from haven_kernel.clock import utcnow
from haven_kernel.errors import Conflict, NotFound, ValidationError
from haven_kernel.validation import load, parse_uuid

from . import repository, views
from .access import owned
from .models import Facility, FacilityStatus
from .schemas import FacilityChangesSchema, FacilitySchema, PageQuery


def register(unit, payload):
    data = load(FacilitySchema(), payload, field="facility")
    if repository.facility_by_code(unit.session, data["code"]) is not None:
        raise Conflict(f"a facility with code {data['code']} exists")
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


def update(unit, facility_id, changes):
    facility_id = parse_uuid(facility_id, "facility_id")
    data = load(FacilityChangesSchema(), changes, field="changes")
    facility = owned(unit, repository.facility(unit.session, facility_id, lock=True), "facility", facility_id)
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
