"""The registration service: thin nameko entrypoints over :class:`HouseholdRegister`."""
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from haven_contracts import catalogue
from haven_kernel.errors import NotFound, ServiceUnavailable
from haven_kernel.messaging import event_handler
from haven_kernel.rpc import ServiceRpc, rpc
from haven_kernel.service import HavenService

from .models import Household, PossibleDuplicate
from .register import HouseholdRegister


class RegistrationService(HavenService):
    name = "registration"
    catalogue = catalogue

    shelter = ServiceRpc("shelter", scopes=("shelter:read",), timeout=5.0)

    def _register(self):
        config = self.outbox.container.config
        return HouseholdRegister(self.db, site_lookup=self._lookup_site,
                                 duplicate_threshold=int(config.get("DUPLICATE_SCORE_THRESHOLD", 3)))

    def _lookup_site(self, site_id):
        """Asked once when a site is not in the replica yet (shelter's event may still be on its way)."""
        try:
            return self.shelter.get_site(site_id)
        except NotFound:
            return None
        except ServiceUnavailable:
            return None

    # -- partner API ---------------------------------------------------------------------------------------------
    @rpc(scope="registration:write")
    def register_household(self, household):
        return self._register().register(household, field="household")

    @rpc(scope="registration:write")
    def register_households(self, households):
        return self._register().register_many(households)

    @rpc(scope="registration:read")
    def get_household(self, household_id):
        return self._register().get(household_id)

    @rpc(scope="registration:read")
    def search_households(self, site_id=None, name=None, registration_number=None, limit=50, offset=0):
        return self._register().search(site_id=site_id, name=name, registration_number=registration_number,
                                       limit=limit, offset=offset)

    @rpc(scope="registration:write")
    def update_household(self, household_id, changes):
        return self._register().update(household_id, changes)

    @rpc(scope="registration:write")
    def record_departure(self, household_id, reason, date):
        return self._register().depart(household_id, reason, date)

    @rpc(scope="registration:write")
    def relocate_household(self, household_id, to_site_id):
        return self._register().relocate(household_id, to_site_id)

    # -- the site replica, from shelter's events -----------------------------------------------------------------
    @event_handler("shelter", "site_opened")
    def on_site_opened(self, event):
        self._register().apply_site(event.data, as_of=event.occurred_at)

    @event_handler("shelter", "site_updated")
    def on_site_updated(self, event):
        self._register().apply_site(event.data, as_of=event.occurred_at)

    @event_handler("shelter", "site_closed")
    def on_site_closed(self, event):
        self._register().apply_site(event.data, as_of=event.occurred_at)

    # -- metrics -------------------------------------------------------------------------------------------------
    def business_metrics(self, session):
        households = GaugeMetricFamily("haven_registration_households", "Registered households by status",
                                       labels=["status"])
        individuals = GaugeMetricFamily("haven_registration_individuals", "Individuals in households by status",
                                        labels=["status"])
        counts = {"active": (0, 0), "departed": (0, 0)}
        for status, count, people in session.execute(
                select(Household.status, func.count(), func.coalesce(func.sum(Household.size), 0))
                .group_by(Household.status)):
            counts[status] = (count, int(people))
        for status, (count, people) in sorted(counts.items()):
            households.add_metric([status], count)
            individuals.add_metric([status], people)
        duplicates = GaugeMetricFamily("haven_registration_possible_duplicate_links",
                                       "Possible-duplicate links awaiting review (each pair counted once)")
        duplicates.add_metric([], session.execute(select(func.count()).select_from(PossibleDuplicate)).scalar_one() // 2)
        return [households, individuals, duplicates]
