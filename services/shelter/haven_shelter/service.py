"""The shelter service: thin nameko entrypoints over :class:`SiteRegistry` and :class:`Allocator`."""
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from haven_contracts import catalogue
from haven_contracts.shelter import SITE_STATUSES, SITE_TYPES
from haven_contracts.standards import targets_from_config
from haven_kernel.messaging import event_handler
from haven_kernel.rpc import rpc
from haven_kernel.service import HavenService, Settings

from .allocation import Allocator
from .domain import ALLOCATED, WAITLISTED
from .models import Household, ShelterUnit, Site
from .sites import SiteRegistry


class ShelterService(HavenService):
    name = "shelter"
    catalogue = catalogue

    targets = Settings(targets_from_config)  # the SPHERE_* targets; a bad value stops the start

    def _sites(self):
        return SiteRegistry(self.db, self.targets)

    def _allocator(self, actor=None):
        return Allocator(self.db, actor=actor)

    # -- sites ---------------------------------------------------------------------------------------------------
    @rpc(scope="shelter:write")
    def create_site(self, site):
        return self._sites().create(site)

    @rpc(scope="shelter:write")
    def update_site(self, site_id, changes):
        return self._sites().update(site_id, changes)

    @rpc(scope="shelter:write")
    def close_site(self, site_id, reason):
        return self._sites().close(site_id, reason)

    @rpc(scope="shelter:write")
    def reopen_site(self, site_id):
        return self._sites().reopen(site_id)

    @rpc(scope="shelter:read")
    def get_site(self, site_id):
        return self._sites().get(site_id)

    @rpc(scope="shelter:read")
    def list_sites(self, status=None, adm1=None, site_type=None):
        return self._sites().list(status=status, adm1=adm1, site_type=site_type)

    @rpc(scope="shelter:write")
    def record_site_services(self, site_id, services):
        return self._sites().record_services(site_id, services)

    # -- shelter units -------------------------------------------------------------------------------------------
    @rpc(scope="shelter:write")
    def add_shelter_units(self, site_id, units):
        return self._sites().add_units(site_id, units)

    @rpc(scope="shelter:write")
    def set_unit_status(self, unit_id, status):
        return self._sites().set_unit_status(unit_id, status)

    @rpc(scope="shelter:read")
    def list_units(self, site_id, status=None):
        return self._sites().list_units(site_id, status=status)

    # -- allocation ----------------------------------------------------------------------------------------------
    @rpc(scope="shelter:write")
    def allocate_shelter(self, household_id, unit_id):
        return self._allocator().allocate_manually(household_id, unit_id)

    @rpc(scope="shelter:read")
    def get_allocation(self, household_id):
        return self._allocator().get_allocation(household_id)

    @rpc(scope="shelter:read")
    def get_allocation_history(self, household_id):
        return self._allocator().history(household_id)

    @rpc(scope="shelter:read")
    def list_waitlist(self, site_id):
        return self._allocator().waitlist(site_id)

    # -- registration's households -------------------------------------------------------------------------------
    def _apply(self, event):
        self._allocator(actor=f"event:{event.source}.{event.event_type}").apply_household_event(
            event.event_type, event.data)

    def prepare_event_batch(self, events):
        self._allocator().prepare([e for e in events if e.source == "registration"])

    @event_handler("registration", "household_registered")
    def on_household_registered(self, event):
        self._apply(event)

    @event_handler("registration", "household_updated")
    def on_household_updated(self, event):
        self._apply(event)

    @event_handler("registration", "household_relocated")
    def on_household_relocated(self, event):
        self._apply(event)

    @event_handler("registration", "household_departed")
    def on_household_departed(self, event):
        self._apply(event)

    # -- metrics -------------------------------------------------------------------------------------------------
    def business_metrics(self, session):
        sites = GaugeMetricFamily("haven_shelter_sites", "Sites by status and type", labels=["status", "site_type"])
        counts = {(status, site_type): 0 for status in SITE_STATUSES for site_type in SITE_TYPES}
        for status, site_type, count in session.execute(
                select(Site.status, Site.site_type, func.count()).group_by(Site.status, Site.site_type)):
            counts[(status, site_type)] = count
        for (status, site_type), count in sorted(counts.items()):
            sites.add_metric([status, site_type], count)

        by_type = lambda: {site_type: 0 for site_type in SITE_TYPES}  # noqa: E731
        capacity, units_free = by_type(), by_type()
        for site_type, people in session.execute(
                select(Site.site_type, func.coalesce(func.sum(ShelterUnit.capacity_persons), 0))
                .join(ShelterUnit, ShelterUnit.site_id == Site.id)
                .where(Site.status == "open", ShelterUnit.status == "available").group_by(Site.site_type)):
            capacity[site_type] = int(people)
        for site_type, count in session.execute(
                select(Site.site_type, func.count(ShelterUnit.id))
                .join(ShelterUnit, ShelterUnit.site_id == Site.id)
                .outerjoin(Household, Household.unit_id == ShelterUnit.id)
                .where(Site.status == "open", ShelterUnit.status == "available", Household.id.is_(None))
                .group_by(Site.site_type)):
            units_free[site_type] = count
        occupants, households, waitlisted = by_type(), by_type(), by_type()
        for site_type, status, count, people in session.execute(
                select(Site.site_type, Household.status, func.count(Household.id),
                       func.coalesce(func.sum(Household.persons), 0))
                .join(Site, Site.id == Household.site_id)
                .where(Household.status.in_((ALLOCATED, WAITLISTED)))
                .group_by(Site.site_type, Household.status)):
            if status == ALLOCATED:
                households[site_type], occupants[site_type] = count, int(people)
            else:
                waitlisted[site_type] = count

        def family(name, documentation, values):
            metric = GaugeMetricFamily(name, documentation, labels=["site_type"])
            for site_type, value in sorted(values.items()):
                metric.add_metric([site_type], value)
            return metric

        return [
            sites,
            family("haven_shelter_capacity_persons", "Persons the available units of open sites shelter", capacity),
            family("haven_shelter_units_free", "Available, unoccupied units at open sites", units_free),
            family("haven_shelter_households_allocated", "Households holding a shelter unit", households),
            family("haven_shelter_occupants", "Persons in households holding a shelter unit", occupants),
            family("haven_shelter_waitlisted_households", "Households waiting for a shelter unit", waitlisted),
        ]
