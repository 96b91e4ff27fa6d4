"""The registration service: nameko entrypoints only, each handing over to a use case (register.py, changes.py,
search.py) or to the kernel's site replica."""
from haven_contracts import catalogue
from haven_contracts.shelter import SITE_REPLICA
from haven_kernel.fieldsync import FieldSync
from haven_kernel.messaging import event_handler
from haven_kernel.replica import Replica
from haven_kernel.rpc import ServiceRpc, rpc
from haven_kernel.service import HavenService, Settings

from . import api, views
from .changes import Changes
from .models import SiteReplica
from .register import Registration
from .repository import Repository
from .search import Households


class RegistrationService(HavenService):
    name = "registration"
    catalogue = catalogue

    shelter = ServiceRpc(SITE_REPLICA.source, scopes=SITE_REPLICA.scopes, timeout=5.0)  # the sites' fallback lookup
    field_sync = Settings(FieldSync.from_config)  # FIELD_SYNC_WINDOW_DAYS, FIELD_SYNC_MAX_BATCH; a bad value stops the start

    def _options(self):
        return {"site_lookup": self.shelter,
                "duplicate_threshold": int(self.config_value("DUPLICATE_SCORE_THRESHOLD", 3)),
                "field_sync": self.field_sync}

    # -- partner API ---------------------------------------------------------------------------------------------
    @rpc(scope="registration:write", idempotent=True, contract=api.REGISTER_HOUSEHOLD)
    def register_household(self, household):
        return Registration(self.db, **self._options()).register(household, field="household")

    @rpc(scope="registration:write", idempotent=True, contract=api.REGISTER_HOUSEHOLDS)
    def register_households(self, households):
        return Registration(self.db, **self._options()).register_many(households)

    @rpc(scope="registration:write", idempotent=True, contract=api.SYNC_HOUSEHOLDS)
    def sync_households(self, items):
        return Registration(self.db, **self._options()).sync(items)

    @rpc(scope="registration:read", contract=api.GET_HOUSEHOLD)
    def get_household(self, household_id):
        return Households(self.db).get(household_id)

    @rpc(scope="registration:read", contract=api.SEARCH_HOUSEHOLDS)
    def search_households(self, site_id=None, name=None, registration_number=None, limit=50, offset=0):
        return Households(self.db).search(site_id=site_id, name=name, registration_number=registration_number,
                                          limit=limit, offset=offset)

    @rpc(scope="registration:write", idempotent=True, contract=api.UPDATE_HOUSEHOLD)
    def update_household(self, household_id, changes, expected_version=None):
        return Changes(self.db, **self._options()).update(household_id, changes, expected_version)

    @rpc(scope="registration:write", idempotent=True, contract=api.RECORD_DEPARTURE)
    def record_departure(self, household_id, reason, date, expected_version=None):
        return Changes(self.db, **self._options()).depart(household_id, reason, date, expected_version)

    @rpc(scope="registration:write", idempotent=True, contract=api.RELOCATE_HOUSEHOLD)
    def relocate_household(self, household_id, to_site_id, expected_version=None):
        return Changes(self.db, **self._options()).relocate(household_id, to_site_id, expected_version)

    # -- the site replica, from shelter's events (haven_contracts.shelter.SITE_REPLICA) ------------------------------
    @event_handler("shelter", "site_opened")
    def on_site_opened(self, event):
        Replica(SiteReplica, self.db).apply(event)

    @event_handler("shelter", "site_updated")
    def on_site_updated(self, event):
        Replica(SiteReplica, self.db).apply(event)

    @event_handler("shelter", "site_closed")
    def on_site_closed(self, event):
        Replica(SiteReplica, self.db).apply(event)

    # -- metrics -------------------------------------------------------------------------------------------------
    def business_metrics(self, session):
        repository = Repository(session)
        return views.metric_families(repository.counts_by_status(), repository.link_rows())
