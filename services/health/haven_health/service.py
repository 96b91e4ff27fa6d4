"""The health service: entrypoints only, each a visible method handing over to a use case.

Every write is applied once per request (``idempotent=True``: the kernel's RPC inbox answers a retry with the same
idempotency key from the reply it stored with the effect; health's replies are aggregates and ids, never a person),
and the changes of a record take the ``expected_version`` their caller read (optimistic concurrency)."""
from haven_contracts import catalogue
from haven_contracts.shelter import SITE_REPLICA
from haven_kernel.clock import utcnow
from haven_kernel.messaging import event_handler
from haven_kernel.replica import Replica
from haven_kernel.rpc import ServiceRpc, rpc
from haven_kernel.service import HavenService, Settings

from . import alerts, api, facilities, population, referrals, repository, signals, views, weekly
from .alerts import parse_week
from .models import Site
from .settings import from_config


class HealthService(HavenService):
    name = "health"
    catalogue = catalogue  # what it may emit: the events haven_contracts.health lists
    settings = Settings(from_config)
    shelter = ServiceRpc(SITE_REPLICA.source, scopes=SITE_REPLICA.scopes, timeout=5.0)  # the sites' fallback lookup

    # facilities
    @rpc(scope="health:write", idempotent=True, contract=api.REGISTER_FACILITY)
    def register_facility(self, facility):
        return facilities.register(self.db, facility, site_lookup=self.shelter)

    @rpc(scope="health:write", idempotent=True, contract=api.UPDATE_FACILITY)
    def update_facility(self, facility_id, changes, expected_version=None):
        return facilities.update(self.db, facility_id, changes, site_lookup=self.shelter,
                                 expected_version=expected_version)

    @rpc(scope="health:read", contract=api.GET_FACILITY)
    def get_facility(self, facility_id):
        return facilities.get(self.db, facility_id)

    @rpc(scope="health:read", contract=api.LIST_FACILITIES)
    def list_facilities(self, site_id=None, limit=50, offset=0):
        return facilities.listing(self.db, site_id, {"limit": limit, "offset": offset})

    # weekly reports
    @rpc(scope="health:write", idempotent=True, contract=api.SUBMIT_WEEKLY_REPORT)
    def submit_weekly_report(self, report, expected_version=None):
        return weekly.submit(self.db, self.settings, report, expected_version=expected_version)

    @rpc(scope="health:write", idempotent=True, contract=api.SUBMIT_WEEKLY_REPORTS)
    def submit_weekly_reports(self, reports):
        return weekly.submit_many(self.db, self.settings, reports)

    @rpc(scope="health:read", contract=api.GET_WEEKLY_REPORT)
    def get_weekly_report(self, facility_id, week):
        return weekly.get(self.db, facility_id, week)

    @rpc(scope="health:read", contract=api.GET_COMPLETENESS)
    def get_completeness(self, week):
        return weekly.completeness(self.db, self.settings, week)

    @rpc(scope="health:read", contract=api.GET_PLACE_WEEK)
    def get_place_week(self, facility_id, week):
        return weekly.place_summary(self.db, self.settings, facility_id, week)

    # signals and alerts
    @rpc(scope="health:write", idempotent=True, contract=api.REPORT_SIGNAL)
    def report_signal(self, signal):
        return signals.report(self.db, self.settings, signal)

    @rpc(scope="health:write", idempotent=True, contract=api.RAISE_ALERT)
    def raise_alert(self, alert):
        return alerts.raise_manual(self.db, self.settings, alert)

    @rpc(scope="health:write", idempotent=True, contract=api.MOVE_ALERT)
    def move_alert(self, step, expected_version=None):
        return alerts.step(self.db, step, expected_version)

    @rpc(scope="health:read", contract=api.GET_ALERT)
    def get_alert(self, alert_id):
        return alerts.get(self.db, alert_id)

    @rpc(scope="health:read", contract=api.LIST_ALERTS)
    def list_alerts(self, status=None, week=None, limit=50, offset=0):
        return alerts.listing(self.db, status, week, {"limit": limit, "offset": offset})

    @rpc(scope="health:read", contract=api.GET_ALERT_KPIS)
    def get_alert_kpis(self, week):
        return alerts.kpis(self.db, week)

    @rpc(scope="health:read", contract=api.GET_RULES)
    def get_rules(self):
        return {"version": self.settings.rules.version, "rules": list(self.settings.rules.rules)}

    # denominators
    @rpc(scope="health:read", contract=api.GET_DENOMINATORS)
    def get_denominators(self, site_id=None, adm1=None, adm2=None, week=None):
        moment = utcnow() if week is None else parse_week(week, "week").middle
        return population.denominators(self.db, moment, site_id=site_id, adm1=adm1, adm2=adm2)

    # referrals
    @rpc(scope="health:write", idempotent=True, contract=api.REFER)
    def refer(self, referral):
        return referrals.refer(self.db, referral)

    @rpc(scope="health:write", idempotent=True, contract=api.MOVE_REFERRAL)
    def move_referral(self, referral, expected_version=None):
        return referrals.move(self.db, referral, expected_version)

    @rpc(scope="health:read", contract=api.GET_REFERRAL_COUNTS)
    def get_referral_counts(self, facility_id=None):
        return referrals.counts(self.db, facility_id)

    # registration's households: the live denominators
    @event_handler("registration", "household_registered")
    def on_household_registered(self, event):
        population.household_changed(self.db, event)

    @event_handler("registration", "household_updated")
    def on_household_updated(self, event):
        population.household_changed(self.db, event)

    @event_handler("registration", "household_relocated")
    def on_household_relocated(self, event):
        population.household_changed(self.db, event)

    @event_handler("registration", "household_departed")
    def on_household_departed(self, event):
        population.household_changed(self.db, event)

    # shelter's sites: admin areas of a site
    @event_handler("shelter", "site_opened")
    def on_site_opened(self, event):
        Replica(Site, self.db).apply(event)

    @event_handler("shelter", "site_updated")
    def on_site_updated(self, event):
        Replica(Site, self.db).apply(event)

    @event_handler("shelter", "site_closed")
    def on_site_closed(self, event):
        Replica(Site, self.db).apply(event)

    def business_metrics(self, session):
        return views.gauges(*repository.counts(session))
