"""The reporting service: thin nameko entrypoints over :class:`Reports`.

It subscribes to every event the catalogue lists ``reporting`` as a consumer of (one handler per event type,
generated below), archives each one and applies it to the projections; a new producer's events are archived as
soon as the catalogue lists them, and counted once a projection for them exists (``projection.projects``).
"""
from nameko.web.handlers import http
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from haven_contracts import catalogue
from haven_kernel.clock import utcnow
from haven_kernel.messaging import event_handler
from haven_kernel.rpc import rpc
from haven_kernel.service import HavenService, Settings

from . import store, web
from .models import SiteCounter, SiteProfile
from .reports import Reports, settings_from_config


class ReportingService(HavenService):
    name = "reporting"
    catalogue = catalogue

    settings = Settings(settings_from_config)  # (small-cell threshold, standards targets)

    def _reports(self):
        threshold, targets = self.settings
        return Reports(self.db, threshold=threshold, targets=targets)

    def prepare_event_batch(self, events):
        self._reports().prepare(events)

    def _record(self, event):
        self._reports().record(event)

    # -- partner API ---------------------------------------------------------------------------------------------
    @rpc(scope="reporting:read")
    def get_sitrep(self, adm1=None, adm2=None):
        return self._reports().sitrep(adm1=adm1, adm2=adm2)

    @rpc(scope="reporting:read")
    def get_site_profile(self, site_id):
        return self._reports().site_profile(site_id)

    @rpc(scope="reporting:read")
    def get_3w(self):
        return self._reports().three_w()

    @rpc(scope="reporting:read")
    def export_hxl(self, table):
        return self._reports().export_hxl(table)

    @rpc(scope="admin")
    def rebuild(self):
        return self._reports().rebuild()

    # -- HTTP ----------------------------------------------------------------------------------------------------
    @http("GET", "/")
    def dashboard(self, request):
        return web.dashboard_response(request, lambda: {"sitrep": self._reports().sitrep(),
                                                        "three_w": self._reports().three_w()["rows"]})

    @http("POST", "/login")
    def login(self, request):
        return web.login(request)

    @http("POST", "/logout")
    def logout(self, request):
        return web.logout(request)

    @http("GET", "/sitrep.json")
    def sitrep_json(self, request):
        return web.guarded(request, lambda caller: web.json_response(self._reports().sitrep(
            adm1=request.args.get("adm1"), adm2=request.args.get("adm2"))))

    @http("GET", "/sitrep.csv")
    def sitrep_csv(self, request):
        return web.guarded(request, lambda caller: web.csv_response(self._reports().export_hxl("sites"),
                                                                    "haven-sitrep-sites.csv"))

    @http("GET", "/admin_areas.csv")
    def admin_areas_csv(self, request):
        return web.guarded(request, lambda caller: web.csv_response(self._reports().export_hxl("admin_areas"),
                                                                    "haven-sitrep-admin-areas.csv"))

    @http("GET", "/3w.csv")
    def three_w_csv(self, request):
        return web.guarded(request, lambda caller: web.csv_response(self._reports().export_hxl("3w"),
                                                                    "haven-3w.csv"))

    # -- metrics -------------------------------------------------------------------------------------------------
    def business_metrics(self, session):
        last = store.last_event(session)
        lag = GaugeMetricFamily("haven_reporting_projection_lag_seconds",
                                "Now minus occurred_at of the last event applied to the projections")
        lag.add_metric([], 0.0 if last is None else
                       max(0.0, (utcnow() - last["occurred_at"]).total_seconds()))
        archived = GaugeMetricFamily("haven_reporting_archived_events", "Events kept in the archive")
        archived.add_metric([], store.archived_count(session))
        sites = GaugeMetricFamily("haven_reporting_sites", "Sites known to reporting by status", labels=["status"])
        for status, count in session.execute(select(SiteProfile.status, func.count())
                                             .where(SiteProfile.details_as_of.is_not(None))
                                             .group_by(SiteProfile.status)):
            sites.add_metric([status or "unknown"], count)
        people = GaugeMetricFamily("haven_reporting_population", "Response-wide figures of the sitrep",
                                   labels=["figure"])
        figures = dict(session.execute(select(SiteCounter.key, func.sum(SiteCounter.value))
                                       .where(SiteCounter.dimension.in_(("population", "shelter")))
                                       .group_by(SiteCounter.key)).all())
        for figure in ("households", "individuals", "occupants", "allocated_households", "waitlisted_households"):
            people.add_metric([figure], float(figures.get(figure) or 0))
        return [lag, archived, sites, people]


def _subscribe(source, event_type):
    def handle(self, event):
        self._record(event)

    handle.__name__ = f"on_{source}_{event_type}"
    handle.__qualname__ = f"ReportingService.{handle.__name__}"  # the inbox key: keep it stable
    handle.__doc__ = f"Archive {source}.{event_type} and apply it to the projections."
    return event_handler(source, event_type)(handle)


SUBSCRIBED = sorted({(entry.source, entry.name) for entry in catalogue.consumed_by("reporting")})
for _source, _event_type in SUBSCRIBED:
    setattr(ReportingService, f"on_{_source}_{_event_type}", _subscribe(_source, _event_type))
