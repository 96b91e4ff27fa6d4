"""The reporting service: entrypoints only, each handing over to a use case (``reports``), the event handlers'
bodies (``handlers``) or the web pages (``web``).

Reporting consumes every event the catalogue lists it as a consumer of: each has its handler below, which archives
the event and applies it to the projections. A handler's name is its inbox key (``ReportingService.<name>``): keep
it, or events applied before would be claimed again under the new name (the archive would still refuse them).
"""
from haven_contracts import catalogue
from haven_kernel.messaging import event_handler
from haven_kernel.rpc import rpc
from haven_kernel.service import HavenService, Settings
from haven_kernel.web import Sessions, csv_response, http

from . import api, handlers, health, protection, reports, repository, views, web


class ReportingService(HavenService):
    name = "reporting"
    catalogue = catalogue

    settings = Settings(reports.settings_from_config)
    sessions = Sessions()  # the dashboard's signed-in browsers, kept in reporting's database

    # -- partner API ---------------------------------------------------------------------------------------------
    @rpc(scope="reporting:read", contract=api.GET_SITREP)
    def get_sitrep(self, adm1=None, adm2=None):
        return reports.sitrep(self.db, self.settings, adm1=adm1, adm2=adm2)

    @rpc(scope="reporting:read", contract=api.GET_SITE_PROFILE)
    def get_site_profile(self, site_id):
        return reports.site_profile(self.db, self.settings, site_id)

    @rpc(scope="reporting:read", contract=api.GET_3W)
    def get_3w(self):
        return reports.three_w(self.db, self.settings)

    @rpc(scope="reporting:read", contract=api.EXPORT_HXL)
    def export_hxl(self, table):
        return reports.export_hxl(self.db, self.settings, table)

    @rpc(scope="admin", contract=api.REBUILD)
    def rebuild(self):
        return {**handlers.rebuild(self.db), **health.rebuild(self.db.session)}

    # -- events: each archived and applied to the projections ----------------------------------------------------
    def prepare_event_batch(self, events):
        handlers.prepare(self.db, events)

    @event_handler("registration", "household_registered")
    def on_registration_household_registered(self, event):
        handlers.record(self.db, event)

    @event_handler("registration", "household_updated")
    def on_registration_household_updated(self, event):
        handlers.record(self.db, event)

    @event_handler("registration", "household_relocated")
    def on_registration_household_relocated(self, event):
        handlers.record(self.db, event)

    @event_handler("registration", "household_departed")
    def on_registration_household_departed(self, event):
        handlers.record(self.db, event)

    @event_handler("registration", "site_needs_counted")
    def on_registration_site_needs_counted(self, event):
        handlers.record(self.db, event)

    @event_handler("shelter", "site_opened")
    def on_shelter_site_opened(self, event):
        handlers.record(self.db, event)

    @event_handler("shelter", "site_updated")
    def on_shelter_site_updated(self, event):
        handlers.record(self.db, event)

    @event_handler("shelter", "site_closed")
    def on_shelter_site_closed(self, event):
        handlers.record(self.db, event)

    @event_handler("shelter", "site_capacity_changed")
    def on_shelter_site_capacity_changed(self, event):
        handlers.record(self.db, event)

    @event_handler("shelter", "site_services_updated")
    def on_shelter_site_services_updated(self, event):
        handlers.record(self.db, event)

    @event_handler("shelter", "site_full")
    def on_shelter_site_full(self, event):
        handlers.record(self.db, event)

    @event_handler("shelter", "shelter_allocated")
    def on_shelter_shelter_allocated(self, event):
        handlers.record(self.db, event)

    @event_handler("shelter", "shelter_released")
    def on_shelter_shelter_released(self, event):
        handlers.record(self.db, event)

    @event_handler("shelter", "allocation_waitlisted")
    def on_shelter_allocation_waitlisted(self, event):
        handlers.record(self.db, event)

    @event_handler("shelter", "waitlist_left")
    def on_shelter_waitlist_left(self, event):
        handlers.record(self.db, event)

    # protection's events: archived, then applied to its aggregate view (haven_reporting/protection.py)
    @event_handler("protection", "case_opened")
    def on_protection_case_opened(self, event):
        protection.record(self.db, event)

    @event_handler("protection", "case_status_changed")
    def on_protection_case_status_changed(self, event):
        protection.record(self.db, event)

    @event_handler("protection", "case_updated")
    def on_protection_case_updated(self, event):
        protection.record(self.db, event)

    @event_handler("protection", "case_referred")
    def on_protection_case_referred(self, event):
        protection.record(self.db, event)

    @event_handler("protection", "case_transferred")
    def on_protection_case_transferred(self, event):
        protection.record(self.db, event)

    @event_handler("protection", "follow_up_opened")
    def on_protection_follow_up_opened(self, event):
        protection.record(self.db, event)

    @event_handler("protection", "follow_up_closed")
    def on_protection_follow_up_closed(self, event):
        protection.record(self.db, event)
    # health's events: archived and applied to reporting's health projection (haven_reporting.health)
    @event_handler("health", "facility_registered")
    def on_health_facility_registered(self, event):
        health.record(self.db, event, handlers.record)

    @event_handler("health", "facility_updated")
    def on_health_facility_updated(self, event):
        health.record(self.db, event, handlers.record)

    @event_handler("health", "weekly_report_submitted")
    def on_health_weekly_report_submitted(self, event):
        health.record(self.db, event, handlers.record)

    @event_handler("health", "place_week_assessed")
    def on_health_place_week_assessed(self, event):
        health.record(self.db, event, handlers.record)

    @event_handler("health", "alert_raised")
    def on_health_alert_raised(self, event):
        health.record(self.db, event, handlers.record)

    @event_handler("health", "alert_status_changed")
    def on_health_alert_status_changed(self, event):
        health.record(self.db, event, handlers.record)
    @event_handler("logistics", "warehouse_opened")
    def on_logistics_warehouse_opened(self, event):
        handlers.record_logistics(self.db, event)

    @event_handler("logistics", "stock_received")
    def on_logistics_stock_received(self, event):
        handlers.record_logistics(self.db, event)

    @event_handler("logistics", "waybill_dispatched")
    def on_logistics_waybill_dispatched(self, event):
        handlers.record_logistics(self.db, event)

    @event_handler("logistics", "waybill_received")
    def on_logistics_waybill_received(self, event):
        handlers.record_logistics(self.db, event)

    @event_handler("logistics", "stock_adjusted")
    def on_logistics_stock_adjusted(self, event):
        handlers.record_logistics(self.db, event)

    @event_handler("logistics", "distribution_recorded")
    def on_logistics_distribution_recorded(self, event):
        handlers.record_logistics(self.db, event)

    @event_handler("logistics", "pipeline_status_changed")
    def on_logistics_pipeline_status_changed(self, event):
        handlers.record_logistics(self.db, event)

    # -- HTTP: the dashboard for browsers (signed in with a session), JSON and HXL CSV for scripts too -------------
    @http("GET", "/", scope=web.READ_SCOPE, session=True, error_page=web.signin_page)
    def dashboard(self, request):
        return web.dashboard_page(request, reports.dashboard(self.db, self.settings))

    @http("POST", "/login", public=True, error_page=web.signin_page)
    def login(self, request):
        return self.sessions.sign_in(request, request.form.get("token"), scope=web.READ_SCOPE)

    @http("POST", "/logout", public=True)
    def logout(self, request):
        return self.sessions.sign_out(request)

    @http("GET", "/sitrep.json", scope=web.READ_SCOPE, session=True)
    def sitrep_json(self, request):
        return reports.sitrep(self.db, self.settings, adm1=request.args.get("adm1"), adm2=request.args.get("adm2"))

    @http("GET", "/sitrep.csv", scope=web.READ_SCOPE, session=True)
    def sitrep_csv(self, request):
        return csv_response(reports.export_hxl(self.db, self.settings, "sites"), "haven-sitrep-sites.csv")

    @http("GET", "/admin_areas.csv", scope=web.READ_SCOPE, session=True)
    def admin_areas_csv(self, request):
        return csv_response(reports.export_hxl(self.db, self.settings, "admin_areas"), "haven-sitrep-admin-areas.csv")

    @http("GET", "/health.csv", scope=web.READ_SCOPE, session=True)
    def health_csv(self, request):
        return csv_response(reports.export_hxl(self.db, self.settings, "health"), "haven-health.csv")

    @http("GET", "/3w.csv", scope=web.READ_SCOPE, session=True)
    def three_w_csv(self, request):
        return csv_response(reports.export_hxl(self.db, self.settings, "3w"), "haven-3w.csv")

    @http("GET", "/stock.csv", scope=web.READ_SCOPE, session=True)
    def stock_csv(self, request):
        return csv_response(reports.export_hxl(self.db, self.settings, "stock"), "haven-stock.csv")

    # -- metrics -------------------------------------------------------------------------------------------------
    def business_metrics(self, session):
        # The projection lag: 0 when reporting has applied every event it was sent (its queues empty, none held),
        # else the age of the oldest one waiting (haven_kernel.messaging.monitor); None while the broker is down.
        return views.metric_families(self.queues.unprocessed_age(), repository.archived_count(session),
                                     repository.sites_by_status(session), repository.response_figures(session))
