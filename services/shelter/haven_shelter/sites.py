"""Sites, their shelter units and their services figures: use cases over a unit of work. Each validates its input
first, changes the tables (through ``repository.py``) and writes its events to the outbox; the entrypoint commits
both together. A change that may move the waitlist or fill a site (units added or back in service, a site closing or
reopening) hands over to allocation through its three site-side functions, with the site locked.

Sites are reference data every ``shelter:read`` caller reads; only the managing agency (the site's owner in
``haven_kernel.sharing``), an organisation it shares with for writing, or a caller with ``shelter:lead`` (audited)
creates a site for an agency, changes it, closes or reopens it, records its services or changes its units
(Forbidden otherwise); only the agency itself or the lead hands the site over to another agency."""
import uuid

from haven_kernel.clock import utcnow
from haven_kernel.errors import Conflict, Forbidden, NotFound
from haven_kernel.sharing import LEAD, OWNER, Sharing
from haven_kernel.validation import load, parse_uuid

from . import domain, views
from .allocation import capacity_changed, site_closing, site_reopened
from .domain import SERVICE_FIELDS
from .models import ShelterUnit, Site, SiteServices
from .repository import Repository
from .schemas import (AddUnitsSchema, CloseSchema, ServicesSchema, SiteChangesSchema, SiteFilterSchema, SiteSchema,
                      UnitFilterSchema, UnitStatusSchema)

SITE_EVENT_FIELDS = ("name", "site_type", "adm1", "adm2", "lat", "lon", "status", "managing_agency", "code",
                     "opened_on", "area_m2")


class SiteRegistry:
    def __init__(self, work, targets):
        self.work = work  # the unit of work
        self.repo = Repository(work)
        self.targets = targets  # minimum-standards targets (haven_contracts.standards.targets_from_config)
        self.sharing = Sharing(work, "site")

    # -- sites ---------------------------------------------------------------------------------------------------
    def create(self, payload):
        data = load(SiteSchema(), payload, field="site")
        site_id = str(uuid.uuid4())
        if not self.sharing.allows(data["managing_agency"], site_id, write=True):
            raise Forbidden(f"a site managed by {data['managing_agency']} is created by that agency, an organisation "
                            "it shares with for writing, or a caller with 'shelter:lead'")
        now = utcnow()
        site = Site(id=site_id, status="open", full=False, queue_counter=0, unit_counter=0,
                    created_at=now, updated_at=now, **data)
        self._save(site)
        self.work.emit("site_opened", site_event_data(site))
        return self.written(site)

    def update(self, site_id, changes):
        site_id = parse_uuid(site_id, "site_id")
        data = load(SiteChangesSchema(), changes, field="changes")
        site = self._managed(site_id)
        if data.get("managing_agency", site.managing_agency) != site.managing_agency \
                and self.sharing.access(site.managing_agency) not in (OWNER, LEAD):
            raise Forbidden(f"site {site_id} is handed over to another agency only by {site.managing_agency} or a "
                            "caller with 'shelter:lead'")
        for key, value in data.items():
            setattr(site, key, value)
        site.updated_at = utcnow()
        self._save(site)
        self.work.emit("site_updated", site_event_data(site))
        return self.written(site)

    def close(self, site_id, reason):
        site_id = parse_uuid(site_id, "site_id")
        reason = load(CloseSchema(), {"reason": reason})["reason"]
        site = self._managed(site_id)
        if site.status == "closed":
            raise Conflict(f"site {site_id} is already closed")
        allocated = self.repo.allocated_count(site.id)
        if allocated:
            raise Conflict(f"site {site_id} still shelters {allocated} household(s): relocate them or record their "
                           "departure first")
        site_closing(self.work, site)
        now = utcnow()
        site.status, site.closed_reason, site.closed_at, site.full, site.updated_at = "closed", reason, now, False, now
        self.repo.flush()
        self.work.emit("site_closed", {**site_event_data(site), "reason": reason})
        return self.written(site)

    def reopen(self, site_id):
        site_id = parse_uuid(site_id, "site_id")
        site = self._managed(site_id)
        if site.status == "open":
            raise Conflict(f"site {site_id} is open")
        site.status, site.closed_reason, site.closed_at, site.updated_at = "open", None, None, utcnow()
        self.repo.flush()
        self.work.emit("site_opened", site_event_data(site))
        site_reopened(self.work, site)
        return self.written(site)

    def get(self, site_id):
        site_id = parse_uuid(site_id, "site_id")
        return self.view(self.repo.site(site_id))

    def list(self, status=None, adm1=None, site_type=None):
        data = load(SiteFilterSchema(), {"status": status, "adm1": adm1, "site_type": site_type})
        sites = self.repo.sites(status=data.get("status"), adm1=data.get("adm1"), site_type=data.get("site_type"))
        figures = self.repo.site_figures([s.id for s in sites])
        services = self.repo.latest_services([s.id for s in sites])
        return [views.site_view(s, figures.get(s.id), services.get(s.id), self.targets) for s in sites]

    # -- shelter units -------------------------------------------------------------------------------------------
    def add_units(self, site_id, units):
        site_id = parse_uuid(site_id, "site_id")
        specs = load(AddUnitsSchema(), {"units": units})["units"]
        site = self._managed(site_id)
        if site.status != "open":
            raise Conflict(f"site {site_id} is closed; reopen it before adding shelter units")
        now = utcnow()
        added = []
        for spec in specs:
            capacity = spec.get("capacity_persons")
            derived = capacity is None
            if derived:
                capacity = domain.derived_capacity(spec["covered_area_m2"], self.targets)
            for _ in range(spec["count"]):
                site.unit_counter = (site.unit_counter or 0) + 1
                unit = ShelterUnit(id=str(uuid.uuid4()), site_id=site.id, number=site.unit_counter,
                                   unit_type=spec["unit_type"], covered_area_m2=spec["covered_area_m2"],
                                   capacity_persons=capacity, capacity_derived=derived, status="available",
                                   created_at=now, updated_at=now)
                self.repo.add(unit)
                added.append(unit)
        self.repo.flush()
        self._capacity_changed(site)
        return {"units": [views.unit_view(u) for u in added], "site": self.written(site)}

    def set_unit_status(self, unit_id, status):
        unit_id = parse_uuid(unit_id, "unit_id")
        status = load(UnitStatusSchema(), {"status": status})["status"]
        unit = self.repo.unit(unit_id)
        if unit is None:
            raise NotFound(f"shelter unit {unit_id} does not exist")
        site = self._managed(unit.site_id)
        self.repo.refresh(unit)
        if unit.status == status:
            return views.unit_view(unit)
        if status == "unavailable" and self.repo.holder(unit.id) is not None:
            raise Conflict(f"shelter unit {unit_id} is occupied: move its household to another unit "
                           "(allocate_shelter) first")
        unit.status = status
        unit.updated_at = utcnow()
        self.repo.flush()
        self._capacity_changed(site)
        return views.unit_view(unit)

    def list_units(self, site_id, status=None):
        site_id = parse_uuid(site_id, "site_id")
        data = load(UnitFilterSchema(), {"status": status})
        self.repo.site(site_id)
        return [{**views.unit_view(unit), "household_id": household_id}
                for unit, household_id in self.repo.units_with_holders(site_id, data.get("status"))]

    # -- services figures (CCCM site monitoring) -----------------------------------------------------------------
    def record_services(self, site_id, services):
        site_id = parse_uuid(site_id, "site_id")
        data = load(ServicesSchema(), services, field="services")
        site = self.repo.site(site_id)
        self.sharing.require_change(site.managing_agency, site.id)
        caller = self.work.caller
        row = SiteServices(site_id=site.id, recorded_at=utcnow(), recorded_by=caller.org if caller else "HAVEN",
                           **{key: data.get(key) for key in SERVICE_FIELDS}, phase=data["phase"], as_of=data["as_of"])
        self.repo.add(row)
        self.repo.flush()
        self.work.emit("site_services_updated", {
            "site_id": site.id, **{key: getattr(row, key) for key in SERVICE_FIELDS}, "phase": row.phase,
            "as_of": row.as_of.isoformat()})
        return self.written(site)

    # -- helpers -------------------------------------------------------------------------------------------------
    def written(self, site):
        """The reply to a change: the site as ``get_site`` shows it to a caller who may read sites, else an
        acknowledgement (a reply never returns more than the caller's scopes allow)."""
        caller = self.work.caller
        if caller is not None and caller.allows("shelter:read"):
            return self.view(site)
        return {"site_id": site.id, "status": site.status, "managing_agency": site.managing_agency}

    def _managed(self, site_id):
        """The site, locked, if the caller may change it (Forbidden otherwise; NotFound if unknown)."""
        site = self.repo.site(site_id, lock=True)
        self.sharing.require_change(site.managing_agency, site.id)
        return site

    def view(self, site):
        figures = self.repo.site_figures([site.id]).get(site.id)
        services = self.repo.latest_services([site.id]).get(site.id)
        return views.site_view(site, figures, services, self.targets)

    def _capacity_changed(self, site):
        """Announce the site's new capacity, then let allocation serve the queue and settle the site."""
        total, available, _, capacity, area = self.repo.unit_counts(site.id)
        self.work.emit("site_capacity_changed", {"site_id": site.id, "units_total": total,
                                                 "units_available": available, "capacity_persons": capacity,
                                                 "covered_area_m2": round(area, 2)})
        capacity_changed(self.work, site)

    def _save(self, site):
        """Add or flush a site; a code another site already uses is a Conflict."""
        if site.code is not None:
            taken = self.repo.site_using_code(site.code, site.id)
            if taken:
                raise Conflict(f"site code {site.code!r} is already used by site {taken}")
        if not self.repo.save_site(site):
            raise Conflict(f"site code {site.code!r} is already used")


def site_event_data(site):
    """What site_opened, site_updated and site_closed say of a site (``haven_contracts.shelter.SiteEvent``)."""
    data = {"site_id": site.id}
    for key in SITE_EVENT_FIELDS:
        value = getattr(site, key)
        data[key] = value.isoformat() if key == "opened_on" and value is not None else value
    return data
