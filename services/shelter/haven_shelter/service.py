"""The shelter service: nameko entrypoints only, each handing over to a use case (``sites.py``, ``allocation.py``)
or an event handler (``handlers.py``)."""
from haven_contracts import catalogue
from haven_contracts.standards import targets_from_config
from haven_kernel.messaging import event_handler
from haven_kernel.rpc import rpc
from haven_kernel.service import HavenService, Settings

from . import api, handlers, repository, views
from .allocation import Allocator
from .sites import SiteRegistry


class ShelterService(HavenService):
    name = "shelter"
    catalogue = catalogue

    targets = Settings(targets_from_config)  # the SPHERE_* targets; a bad value stops the start

    def _sites(self):
        return SiteRegistry(self.db, self.targets)

    def _allocator(self):
        return Allocator(self.db)

    # -- sites ---------------------------------------------------------------------------------------------------
    @rpc(scope="shelter:write", idempotent=True, contract=api.CREATE_SITE)
    def create_site(self, site):
        return self._sites().create(site)

    @rpc(scope="shelter:write", idempotent=True, contract=api.UPDATE_SITE)
    def update_site(self, site_id, changes):
        return self._sites().update(site_id, changes)

    @rpc(scope="shelter:write", idempotent=True, contract=api.CLOSE_SITE)
    def close_site(self, site_id, reason):
        return self._sites().close(site_id, reason)

    @rpc(scope="shelter:write", idempotent=True, contract=api.REOPEN_SITE)
    def reopen_site(self, site_id):
        return self._sites().reopen(site_id)

    @rpc(scope="shelter:read", contract=api.GET_SITE)
    def get_site(self, site_id):
        return self._sites().get(site_id)

    @rpc(scope="shelter:read", contract=api.LIST_SITES)
    def list_sites(self, status=None, adm1=None, site_type=None):
        return self._sites().list(status=status, adm1=adm1, site_type=site_type)

    @rpc(scope="shelter:write", idempotent=True, contract=api.RECORD_SITE_SERVICES)
    def record_site_services(self, site_id, services):
        return self._sites().record_services(site_id, services)

    # -- shelter units -------------------------------------------------------------------------------------------
    @rpc(scope="shelter:write", idempotent=True, contract=api.ADD_SHELTER_UNITS)
    def add_shelter_units(self, site_id, units):
        return self._sites().add_units(site_id, units)

    @rpc(scope="shelter:write", idempotent=True, contract=api.SET_UNIT_STATUS)
    def set_unit_status(self, unit_id, status):
        return self._sites().set_unit_status(unit_id, status)

    @rpc(scope="shelter:read", contract=api.LIST_UNITS)
    def list_units(self, site_id, status=None):
        return self._sites().list_units(site_id, status=status)

    # -- allocation ----------------------------------------------------------------------------------------------
    @rpc(scope="shelter:write", idempotent=True, contract=api.ALLOCATE_SHELTER)
    def allocate_shelter(self, household_id, unit_id):
        return self._allocator().allocate_manually(household_id, unit_id)

    @rpc(scope="shelter:read", contract=api.GET_ALLOCATION)
    def get_allocation(self, household_id):
        return self._allocator().get_allocation(household_id)

    @rpc(scope="shelter:read", contract=api.GET_ALLOCATION_HISTORY)
    def get_allocation_history(self, household_id):
        return self._allocator().history(household_id)

    @rpc(scope="shelter:read", contract=api.LIST_WAITLIST)
    def list_waitlist(self, site_id):
        return self._allocator().waitlist(site_id)

    # -- registration's households -------------------------------------------------------------------------------
    def prepare_event_batch(self, events):
        handlers.prepare(self.db, [e for e in events if e.source == "registration"])

    @event_handler("registration", "household_registered")
    def on_household_registered(self, event):
        handlers.household_changed(self.db, event)

    @event_handler("registration", "household_updated")
    def on_household_updated(self, event):
        handlers.household_changed(self.db, event)

    @event_handler("registration", "household_relocated")
    def on_household_relocated(self, event):
        handlers.household_changed(self.db, event)

    @event_handler("registration", "household_departed")
    def on_household_departed(self, event):
        handlers.household_changed(self.db, event)

    # -- metrics -------------------------------------------------------------------------------------------------
    def business_metrics(self, session):
        return views.gauges(repository.gauge_figures(session))
