"""Sites, their shelter units and their services figures: use cases over a unit of work. Each validates its input
first, changes the tables and writes its events to the outbox; the entrypoint commits both together."""
import uuid

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from haven_kernel.clock import iso, utcnow
from haven_kernel.errors import Conflict, NotFound
from haven_kernel.validation import load, parse_uuid

from . import domain
from .allocation import Allocator
from .domain import ALLOCATED, WAITLISTED
from .models import Household, ShelterUnit, Site, SiteServices
from .schemas import (AddUnitsSchema, CloseSchema, ServicesSchema, SiteChangesSchema, SiteFilterSchema, SiteSchema,
                      UnitFilterSchema, UnitStatusSchema)

SITE_EVENT_FIELDS = ("name", "site_type", "adm1", "adm2", "lat", "lon", "status", "managing_agency", "code",
                     "opened_on", "area_m2")
SERVICE_FIELDS = ("latrines", "latrines_female", "water_taps", "hand_pumps", "water_litres_per_day", "showers")


class SiteRegistry:
    def __init__(self, unit, targets):
        self.unit = unit
        self.session = unit.session
        self.targets = targets  # minimum-standards targets (haven_kernel.standards.targets_from_config)
        self.allocator = Allocator(unit)

    # -- sites ---------------------------------------------------------------------------------------------------
    def create(self, payload):
        data = load(SiteSchema(), payload, field="site")
        now = utcnow()
        site = Site(id=str(uuid.uuid4()), status="open", full=False, queue_counter=0, unit_counter=0,
                    created_at=now, updated_at=now, **data)
        self._save(site)
        self.unit.emit("site_opened", self.event_data(site))
        return self.view(site)

    def update(self, site_id, changes):
        site_id = parse_uuid(site_id, "site_id")
        data = load(SiteChangesSchema(), changes, field="changes")
        site = self.allocator.site(site_id, lock=True)
        for key, value in data.items():
            setattr(site, key, value)
        site.updated_at = utcnow()
        self._save(site)
        self.unit.emit("site_updated", self.event_data(site))
        return self.view(site)

    def close(self, site_id, reason):
        site_id = parse_uuid(site_id, "site_id")
        reason = load(CloseSchema(), {"reason": reason})["reason"]
        site = self.allocator.site(site_id, lock=True)
        if site.status == "closed":
            raise Conflict(f"site {site_id} is already closed")
        allocated = self.session.execute(select(func.count()).select_from(Household).where(
            Household.site_id == site.id, Household.status == ALLOCATED)).scalar_one()
        if allocated:
            raise Conflict(f"site {site_id} still shelters {allocated} household(s): relocate them or record their "
                           "departure first")
        self.allocator.empty_waitlist(site, "site_closed")
        now = utcnow()
        site.status, site.closed_reason, site.closed_at, site.full, site.updated_at = "closed", reason, now, False, now
        self.session.flush()
        self.unit.emit("site_closed", {**self.event_data(site), "reason": reason})
        return self.view(site)

    def reopen(self, site_id):
        site_id = parse_uuid(site_id, "site_id")
        site = self.allocator.site(site_id, lock=True)
        if site.status == "open":
            raise Conflict(f"site {site_id} is open")
        site.status, site.closed_reason, site.closed_at, site.updated_at = "open", None, None, utcnow()
        self.session.flush()
        self.unit.emit("site_opened", self.event_data(site))
        self.allocator.place_stranded(site)
        self.allocator.settle(site)
        return self.view(site)

    def get(self, site_id):
        site_id = parse_uuid(site_id, "site_id")
        return self.view(self.allocator.site(site_id))

    def list(self, status=None, adm1=None, site_type=None):
        data = load(SiteFilterSchema(), {"status": status, "adm1": adm1, "site_type": site_type})
        query = select(Site).order_by(Site.name, Site.id)
        for key in ("status", "adm1", "site_type"):
            if data.get(key) is not None:
                query = query.where(getattr(Site, key) == data[key])
        sites = self.session.execute(query).scalars().all()
        figures = site_figures(self.session, [s.id for s in sites])
        services = latest_services(self.session, [s.id for s in sites])
        return [self.view(s, figures.get(s.id), services.get(s.id)) for s in sites]

    # -- shelter units -------------------------------------------------------------------------------------------
    def add_units(self, site_id, units):
        site_id = parse_uuid(site_id, "site_id")
        specs = load(AddUnitsSchema(), {"units": units})["units"]
        site = self.allocator.site(site_id, lock=True)
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
                self.session.add(unit)
                added.append(unit)
        self.session.flush()
        self._capacity_changed(site)
        self.allocator.serve_queue(site)
        self.allocator.settle(site)
        return {"units": [unit_view(u) for u in added], "site": self.view(site)}

    def set_unit_status(self, unit_id, status):
        unit_id = parse_uuid(unit_id, "unit_id")
        status = load(UnitStatusSchema(), {"status": status})["status"]
        unit = self.session.get(ShelterUnit, unit_id)
        if unit is None:
            raise NotFound(f"shelter unit {unit_id} does not exist")
        site = self.allocator.site(unit.site_id, lock=True)
        self.session.refresh(unit)
        if unit.status == status:
            return unit_view(unit)
        if status == "unavailable":
            holder = self.session.execute(select(Household.id).where(Household.unit_id == unit.id)).scalar_one_or_none()
            if holder is not None:
                raise Conflict(f"shelter unit {unit_id} is occupied: move its household to another unit "
                               "(allocate_shelter) first")
        unit.status = status
        unit.updated_at = utcnow()
        self.session.flush()
        self._capacity_changed(site)
        self.allocator.serve_queue(site)
        self.allocator.settle(site)
        return unit_view(unit)

    def list_units(self, site_id, status=None):
        site_id = parse_uuid(site_id, "site_id")
        data = load(UnitFilterSchema(), {"status": status})
        self.allocator.site(site_id)
        query = (select(ShelterUnit, Household.id).outerjoin(Household, Household.unit_id == ShelterUnit.id)
                 .where(ShelterUnit.site_id == site_id).order_by(ShelterUnit.number))
        if data.get("status"):
            query = query.where(ShelterUnit.status == data["status"])
        return [{**unit_view(unit), "household_id": household_id}
                for unit, household_id in self.session.execute(query).all()]

    # -- services figures (CCCM site monitoring) -----------------------------------------------------------------
    def record_services(self, site_id, services):
        site_id = parse_uuid(site_id, "site_id")
        data = load(ServicesSchema(), services, field="services")
        site = self.allocator.site(site_id)
        caller = self.unit.caller
        row = SiteServices(site_id=site.id, recorded_at=utcnow(), recorded_by=caller.org if caller else "HAVEN",
                           **{key: data.get(key) for key in SERVICE_FIELDS}, phase=data["phase"], as_of=data["as_of"])
        self.session.add(row)
        self.session.flush()
        self.unit.emit("site_services_updated", {
            "site_id": site.id, **{key: getattr(row, key) for key in SERVICE_FIELDS}, "phase": row.phase,
            "as_of": row.as_of.isoformat()})
        return self.view(site)

    # -- views and event data ------------------------------------------------------------------------------------
    def view(self, site, figures=None, services=None):
        if figures is None:
            figures = site_figures(self.session, [site.id]).get(site.id)
            services = latest_services(self.session, [site.id]).get(site.id)
        figures = figures or domain.SiteFigures()
        standards = domain.standards_block(figures, services, self.targets)
        met, assessed = domain.standards_summary(standards)
        return {
            "site_id": site.id,
            "code": site.code,
            "name": site.name,
            "site_type": site.site_type,
            "adm1": site.adm1,
            "adm2": site.adm2,
            "lat": site.lat,
            "lon": site.lon,
            "managing_agency": site.managing_agency,
            "opened_on": iso(site.opened_on),
            "area_m2": site.area_m2,
            "status": site.status,
            "closed_reason": site.closed_reason,
            "closed_at": iso(site.closed_at),
            "capacity_persons": figures.capacity_persons,
            "units_total": figures.units_total,
            "units_available": figures.units_available,
            "units_free": figures.units_free,
            "households": figures.households,
            "occupants": figures.occupants,
            "waitlisted_households": figures.waitlisted_households,
            "occupancy_rate": domain.occupancy_rate(figures),
            "covered_area_per_person_m2": domain.covered_area_per_person(figures),
            "services": services,
            "standards": standards,
            "standards_met": met,
            "standards_assessed": assessed,
        }

    @staticmethod
    def event_data(site):
        data = {"site_id": site.id}
        for key in SITE_EVENT_FIELDS:
            value = getattr(site, key)
            data[key] = value.isoformat() if key == "opened_on" and value is not None else value
        return data

    def _capacity_changed(self, site):
        total, available, _, capacity, area = self.allocator.unit_counts(site.id)
        self.unit.emit("site_capacity_changed", {"site_id": site.id, "units_total": total,
                                                 "units_available": available, "capacity_persons": capacity,
                                                 "covered_area_m2": round(area, 2)})

    def _save(self, site):
        """Add or flush a site; a code another site already uses is a Conflict."""
        if site.code is not None:
            with self.session.no_autoflush:
                taken = self.session.execute(select(Site.id).where(Site.code == site.code, Site.id != site.id)).first()
            if taken:
                raise Conflict(f"site code {site.code!r} is already used by site {taken[0]}")
        try:
            with self.session.begin_nested():
                self.session.add(site)
                self.session.flush()
        except IntegrityError:
            raise Conflict(f"site code {site.code!r} is already used") from None


def unit_view(unit):
    return {
        "unit_id": unit.id,
        "site_id": unit.site_id,
        "number": unit.number,
        "unit_type": unit.unit_type,
        "covered_area_m2": unit.covered_area_m2,
        "capacity_persons": unit.capacity_persons,
        "capacity_derived": unit.capacity_derived,
        "status": unit.status,
    }


def site_figures(session, site_ids):
    """{site_id: domain.SiteFigures} for the given sites, in four grouped queries."""
    if not site_ids:
        return {}
    available = ShelterUnit.status == "available"
    figures = {site_id: {} for site_id in site_ids}
    for site_id, total, n_available, capacity, area in session.execute(
            select(ShelterUnit.site_id, func.count(ShelterUnit.id),
                   func.coalesce(func.sum(case((available, 1), else_=0)), 0),
                   func.coalesce(func.sum(case((available, ShelterUnit.capacity_persons), else_=0)), 0),
                   func.coalesce(func.sum(case((available, ShelterUnit.covered_area_m2), else_=0.0)), 0.0))
            .where(ShelterUnit.site_id.in_(site_ids)).group_by(ShelterUnit.site_id)):
        figures[site_id].update(units_total=int(total), units_available=int(n_available),
                                capacity_persons=int(capacity), covered_area_m2=float(area))
    for site_id, free in session.execute(
            select(ShelterUnit.site_id, func.count(ShelterUnit.id))
            .outerjoin(Household, Household.unit_id == ShelterUnit.id)
            .where(ShelterUnit.site_id.in_(site_ids), available, Household.id.is_(None))
            .group_by(ShelterUnit.site_id)):
        figures[site_id]["units_free"] = int(free)
    for site_id, households, occupants, area in session.execute(
            select(Household.site_id, func.count(Household.id), func.coalesce(func.sum(Household.persons), 0),
                   func.coalesce(func.sum(ShelterUnit.covered_area_m2), 0.0))
            .join(ShelterUnit, ShelterUnit.id == Household.unit_id)
            .where(Household.site_id.in_(site_ids), Household.status == ALLOCATED)
            .group_by(Household.site_id)):
        figures[site_id].update(households=int(households), occupants=int(occupants), occupied_area_m2=float(area))
    for site_id, waiting in session.execute(
            select(Household.site_id, func.count(Household.id))
            .where(Household.site_id.in_(site_ids), Household.status == WAITLISTED)
            .group_by(Household.site_id)):
        figures[site_id]["waitlisted_households"] = int(waiting)
    return {site_id: domain.SiteFigures(**values) for site_id, values in figures.items()}


def latest_services(session, site_ids):
    """{site_id: the latest services figures (by as_of, then recording order)} for sites that have any."""
    if not site_ids:
        return {}
    ranked = (select(SiteServices, func.row_number().over(
        partition_by=SiteServices.site_id, order_by=(SiteServices.as_of.desc(), SiteServices.id.desc())).label("rank"))
        .where(SiteServices.site_id.in_(site_ids)).subquery())
    latest = {}
    for row in session.execute(select(ranked).where(ranked.c.rank == 1)).mappings():
        latest[row["site_id"]] = {**{key: row[key] for key in SERVICE_FIELDS}, "phase": row["phase"],
                                  "as_of": iso(row["as_of"]), "recorded_by": row["recorded_by"]}
    return latest
