"""What shelter answers: the shapes of its replies (site, unit, allocation, history, waitlist) and of its business
gauges, built from rows and figures the use cases read. Nothing here reads the database."""
from prometheus_client.core import GaugeMetricFamily

from haven_contracts.shelter import SITE_STATUSES, SITE_TYPES
from haven_kernel.clock import iso

from . import domain


def site_view(site, figures, services, targets):
    """A site with its unit and household figures (``domain.SiteFigures`` or None: none yet), its latest services
    figures (or None) and its minimum-standards indicators against ``targets``."""
    figures = figures or domain.SiteFigures()
    standards = domain.standards_block(figures, services, targets)
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


def allocation_view(household, unit, waitlist_position):
    """A household's place: its unit (or None) and, while it waits, its position in its site's queue."""
    return {
        "household_id": household.id,
        "site_id": household.site_id,
        "status": household.status,
        "unit_id": unit.id if unit else None,
        "unit_type": unit.unit_type if unit else None,
        "unit_number": unit.number if unit else None,
        "unit_capacity_persons": unit.capacity_persons if unit else None,
        "persons": household.persons,
        "waitlist_position": waitlist_position,
        "since": iso(household.since),
    }


def history_view(rows):
    return [{
        "at": iso(row.at),
        "action": row.action,
        "site_id": row.site_id,
        "unit_id": row.unit_id,
        "unit_type": row.unit_type,
        "persons": row.persons,
        "reason": row.reason,
        "manual": row.manual,
        "actor": row.actor,
    } for row in rows]


def waitlist_view(waiting):
    """The households waiting at a site, given in queue order."""
    return [{"household_id": h.id, "persons": h.persons, "position": i, "since": iso(h.since)}
            for i, h in enumerate(waiting, start=1)]


def gauges(figures):
    """Shelter's business gauges from ``repository.gauge_figures`` (every status and site type, zero when none)."""
    sites = GaugeMetricFamily("haven_shelter_sites", "Sites by status and type", labels=["status", "site_type"])
    counts = {(status, site_type): 0 for status in SITE_STATUSES for site_type in SITE_TYPES}
    for (status, site_type), count in sorted({**counts, **figures["sites"]}.items()):
        sites.add_metric([status, site_type], count)

    def family(name, documentation, values):
        metric = GaugeMetricFamily(name, documentation, labels=["site_type"])
        for site_type, value in sorted({**dict.fromkeys(SITE_TYPES, 0), **values}.items()):
            metric.add_metric([site_type], value)
        return metric

    return [
        sites,
        family("haven_shelter_capacity_persons", "Persons the available units of open sites shelter",
               figures["capacity"]),
        family("haven_shelter_units_free", "Available, unoccupied units at open sites", figures["units_free"]),
        family("haven_shelter_households_allocated", "Households holding a shelter unit", figures["households"]),
        family("haven_shelter_occupants", "Persons in households holding a shelter unit", figures["occupants"]),
        family("haven_shelter_waitlisted_households", "Households waiting for a shelter unit", figures["waitlisted"]),
    ]
