"""Reply shapes around the sitrep: a site's profile, the 3W reply, and the service's gauges on /metrics."""
from prometheus_client.core import GaugeMetricFamily

from .sitrep import event_reference

POPULATION_FIGURES = ("households", "individuals", "occupants", "allocated_households", "waitlisted_households")


def site_profile(entry, presence, last_event):
    """A site as published (``SitrepBuilder.site_entry``), the organisations present, and the last event applied."""
    return {**entry, "presence": presence, "as_of_event": event_reference(last_event)}


def three_w(rows, now):
    return {"generated_at": now.isoformat(), "rows": rows}


def metric_families(lag_seconds, archived, sites_by_status, figures):
    """Reporting's gauges: projection lag (absent when unknown), archive size, sites by status, response-wide
    figures."""
    lag = GaugeMetricFamily("haven_reporting_projection_lag_seconds",
                            "Age of the oldest event reporting was sent and has not applied (0 when none)")
    if lag_seconds is not None:
        lag.add_metric([], lag_seconds)
    archive = GaugeMetricFamily("haven_reporting_archived_events", "Events kept in the archive")
    archive.add_metric([], archived)
    sites = GaugeMetricFamily("haven_reporting_sites", "Sites known to reporting by status", labels=["status"])
    for status, count in sites_by_status.items():
        sites.add_metric([status or "unknown"], count)
    people = GaugeMetricFamily("haven_reporting_population", "Response-wide figures of the sitrep",
                               labels=["figure"])
    for figure in POPULATION_FIGURES:
        people.add_metric([figure], float(figures.get(figure) or 0))
    return [lag, archive, sites, people]
