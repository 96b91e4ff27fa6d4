"""Haven's Grafana dashboards, written as code: ``python deploy/grafana/dashboards.py`` rewrites
deploy/grafana/dashboards/*.json (the files Grafana provisions). tests/deploy checks that the JSON files are what
this script writes and that every expression parses in a real Prometheus.

One overview (RED per service and method, events in and out, queues, outbox, lag, business figures) and one
dashboard per service. Every query selects ``job="haven"`` and groups by the ``service`` label the scrape
configuration sets (deploy/prometheus/prometheus.yml). Figures that every replica reports alike (queue depth, outbox,
business gauges read from the service's database) are taken with ``max``; per-process figures (rates) with ``sum``.
To add a service: a line in SERVICES and, if it has business gauges, an entry in BUSINESS.
"""
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "dashboards"
DATASOURCE = {"type": "prometheus", "uid": "haven-prometheus"}
RATE = "$__rate_interval"

# Services that exist; the planned ones (logistics 8003, health 8004, protection 8005) get a line when they land.
SERVICES = ("registration", "shelter", "logistics", "health", "reporting", "protection", "gateway")

# Business figures per service: (title, expression, legend, unit).
BUSINESS = {
    "registration": [
        ("Households by status", 'max by (status) (haven_registration_households{job="haven"})', "{{status}}", "short"),
        ("Individuals by status", 'max by (status) (haven_registration_individuals{job="haven"})', "{{status}}", "short"),
        ("Possible duplicates awaiting review", 'max(haven_registration_possible_duplicate_links{job="haven"})',
         "links", "short"),
    ],
    "shelter": [
        ("Sites by status and type", 'max by (status, site_type) (haven_shelter_sites{job="haven"})',
         "{{status}} {{site_type}}", "short"),
        ("Capacity and occupants (persons)", 'max by (site_type) (haven_shelter_capacity_persons{job="haven"})',
         "capacity {{site_type}}", "short",
         'max by (site_type) (haven_shelter_occupants{job="haven"})', "occupants {{site_type}}"),
        ("Free units", 'max by (site_type) (haven_shelter_units_free{job="haven"})', "{{site_type}}", "short"),
        ("Households allocated and waitlisted", 'max by (site_type) (haven_shelter_households_allocated{job="haven"})',
         "allocated {{site_type}}", "short",
         'max by (site_type) (haven_shelter_waitlisted_households{job="haven"})', "waitlisted {{site_type}}"),
    ],
    "logistics": [
        ("Stock on hand by item", 'max by (item) (haven_logistics_stock_on_hand{job="haven"})', "{{item}}", "short"),
        ("Warehouse x item pipelines by status", 'max by (status) (haven_logistics_positions{job="haven"})',
         "{{status}}", "short"),
    ],
    "protection": [
        ("Cases by type and status", 'max by (case_type, status) (haven_protection_cases{job="haven"})',
         "{{case_type}} {{status}}", "short"),
        ("Follow-ups by status", 'max by (status) (haven_protection_follow_ups{job="haven"})', "{{status}}", "short"),
    ],
    "health": [
        ("Facilities by status", 'max by (status) (haven_health_facilities{job="haven"})', "{{status}}", "short"),
        ("Alerts by status", 'max by (status) (haven_health_alerts{job="haven"})', "{{status}}", "short"),
    ],
    "reporting": [
        ("Projection lag", 'max(haven_reporting_projection_lag_seconds{job="haven"})', "lag", "s"),
        ("Response-wide figures", 'max by (figure) (haven_reporting_population{job="haven"})', "{{figure}}", "short"),
        ("Sites known to reporting", 'max by (status) (haven_reporting_sites{job="haven"})', "{{status}}", "short"),
        ("Archived events", 'max(haven_reporting_archived_events{job="haven"})', "events", "short"),
    ],
}


class Layout:
    """Places panels left to right, 24 columns wide, and hands out panel ids."""

    def __init__(self):
        self.panels, self.x, self.y, self.row_height, self.next_id = [], 0, 0, 0, 1

    def row(self, title):
        self._newline()
        self.panels.append({"type": "row", "title": title, "id": self._id(), "collapsed": False,
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "panels": []})
        self.y += 1

    def add(self, panel, w=8, h=8):
        if self.x + w > 24:
            self._newline()
        panel.update(id=self._id(), gridPos={"h": h, "w": w, "x": self.x, "y": self.y})
        self.panels.append(panel)
        self.x += w
        self.row_height = max(self.row_height, h)

    def _newline(self):
        self.y += self.row_height
        self.x, self.row_height = 0, 0

    def _id(self):
        self.next_id += 1
        return self.next_id - 1


def targets(*pairs):
    """[(expr, legend), ...] -> Grafana targets A, B, ..."""
    return [{"datasource": DATASOURCE, "expr": expr, "legendFormat": legend, "refId": chr(ord("A") + i),
             "range": True}
            for i, (expr, legend) in enumerate(pairs)]


def timeseries(title, *pairs, unit="short", description="", stack=False):
    return {"type": "timeseries", "title": title, "description": description, "datasource": DATASOURCE,
            "targets": targets(*pairs),
            "fieldConfig": {"defaults": {"unit": unit, "custom": {"stacking": {"mode": "normal" if stack else "none"},
                                                                  "fillOpacity": 10}},
                            "overrides": []},
            "options": {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]},
                        "tooltip": {"mode": "multi"}}}


def stat(title, expr, legend="", unit="short", description="", thresholds=None):
    steps = [{"color": "green", "value": None}] + [{"color": c, "value": v} for v, c in (thresholds or [])]
    return {"type": "stat", "title": title, "description": description, "datasource": DATASOURCE,
            "targets": targets((expr, legend)),
            "fieldConfig": {"defaults": {"unit": unit, "thresholds": {"mode": "absolute", "steps": steps}},
                            "overrides": []},
            "options": {"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "background",
                        "textMode": "value_and_name"}}


def business_panels(layout, service):
    for title, expr, legend, unit, *more in BUSINESS.get(service, []):
        layout.add(timeseries(title, (expr, legend), *([tuple(more)] if more else []), unit=unit))


def dashboard(uid, title, layout, variables, tags):
    return {
        "uid": uid, "title": title, "tags": ["haven"] + tags, "editable": False, "schemaVersion": 39, "version": 1,
        "time": {"from": "now-6h", "to": "now"}, "refresh": "30s", "timezone": "utc", "graphTooltip": 1,
        "annotations": {"list": []}, "links": [{"type": "dashboards", "tags": ["haven"], "asDropdown": True,
                                                "title": "Haven dashboards"}],
        "templating": {"list": variables}, "panels": layout.panels,
    }


def query_variable(name, label, query, multi=True):
    return {"name": name, "label": label, "type": "query", "datasource": DATASOURCE,
            "query": {"query": query, "refId": name}, "definition": query, "refresh": 2, "sort": 1,
            "includeAll": multi, "multi": multi, "allValue": ".*",
            "current": {"selected": True, "text": ["All"], "value": ["$__all"]} if multi else {}}


def overview():
    s = 'job="haven", service=~"$service"'
    lay = Layout()
    lay.row("Services")
    lay.add(stat("Instances up", f'sum by (service) (up{{{s}}})', "{{service}}",
                 description="Instances of each service Prometheus scrapes successfully."), w=12, h=5)
    lay.add(stat("Firing alerts", 'count(ALERTS{alertstate="firing", alertname=~"Haven.*"}) or vector(0)',
                 "alerts", thresholds=[(1, "red")]), w=6, h=5)
    lay.add(stat("Dead letters waiting", f'sum(max by (service, queue) (haven_queue_messages{{{s}, kind="dead_letter"}})) or vector(0)',
                 "dead letters", thresholds=[(1, "orange")]), w=6, h=5)
    lay.row("RPC: rate, errors, duration")
    lay.add(timeseries("Calls per second", (f'sum by (service, method) (rate(haven_rpc_requests_total{{{s}}}[{RATE}]))',
                                            "{{service}}.{{method}}"), unit="reqps"))
    lay.add(timeseries("Errors per second by outcome",
                       (f'sum by (service, outcome) (rate(haven_rpc_requests_total{{{s}, outcome!="ok"}}[{RATE}]))',
                        "{{service}} {{outcome}}"), unit="reqps",
                       description="InternalError and ServiceUnavailable are the platform's; the other outcomes are "
                                   "the caller's (ValidationError, NotFound, Conflict, Forbidden, Unauthenticated)."))
    lay.add(timeseries("p99 latency", (f'histogram_quantile(0.99, sum by (service, method, le) '
                                       f'(rate(haven_rpc_duration_seconds_bucket{{{s}}}[{RATE}])))',
                                       "{{service}}.{{method}}"), unit="s"))
    lay.row("Events")
    lay.add(timeseries("Published per second", (f'sum by (service) (rate(haven_events_published_total{{{s}}}[{RATE}]))',
                                                "{{service}}"), unit="ops"))
    lay.add(timeseries("Consumed per second by outcome",
                       (f'sum by (service, outcome) (rate(haven_events_consumed_total{{{s}}}[{RATE}]))',
                        "{{service}} {{outcome}}"), unit="ops"))
    lay.add(timeseries("Retried and dead-lettered per second",
                       (f'sum by (service) (rate(haven_events_retried_total{{{s}}}[{RATE}]))', "{{service}} retried"),
                       (f'sum by (service) (rate(haven_events_dead_lettered_total{{{s}}}[{RATE}]))',
                        "{{service}} dead-lettered"), unit="ops"))
    lay.row("Queues, outbox and lag")
    lay.add(timeseries("Events waiting per consumer queue",
                       (f'max by (service, queue) (haven_queue_messages{{{s}, kind="consumer"}})', "{{queue}}")))
    lay.add(timeseries("Oldest waiting event", (f'max by (service, queue) '
                                                f'(haven_queue_oldest_message_age_seconds{{{s}, kind="consumer"}})',
                                                "{{queue}}"), unit="s"))
    lay.add(timeseries("Dead letters waiting", (f'max by (service, queue) (haven_queue_messages{{{s}, kind="dead_letter"}})',
                                                "{{queue}}")))
    lay.add(timeseries("Outbox backlog", (f'max by (service) (haven_outbox_backlog{{{s}}})', "{{service}}")))
    lay.add(timeseries("Oldest unpublished outbox event", (f'max by (service) (haven_outbox_oldest_unsent_age_seconds{{{s}}})',
                                                           "{{service}}"), unit="s"))
    lay.add(timeseries("Reporting projection lag", ('max(haven_reporting_projection_lag_seconds{job="haven"})', "lag"),
                       unit="s"))
    lay.row("Business figures")
    figures = [
        ("Households registered (active)", 'max(haven_registration_households{job="haven", status="active"})'),
        ("Individuals registered (active)", 'max(haven_registration_individuals{job="haven", status="active"})'),
        ("Persons sheltered", 'sum(max by (site_type) (haven_shelter_occupants{job="haven"}))'),
        ("Households waitlisted", 'sum(max by (site_type) (haven_shelter_waitlisted_households{job="haven"}))'),
        ("Sites open", 'sum(max by (site_type) (haven_shelter_sites{job="haven", status="open"}))'),
        ("Sitrep individuals", 'max(haven_reporting_population{job="haven", figure="individuals"})'),
    ]
    for title, expr in figures:
        lay.add(stat(title, expr), w=4, h=5)
    variables = [query_variable("service", "Service", 'label_values(up{job="haven"}, service)')]
    return dashboard("haven-overview", "Haven / Overview", lay, variables, ["overview"])


def service_dashboard(service):
    s = f'job="haven", service="{service}", instance=~"$instance"'
    lay = Layout()
    lay.row("Health")
    lay.add(stat("Instances up", f'sum(up{{{s}}})', "up", thresholds=[]), w=6, h=5)
    lay.add(stat("Failing health checks", f'count(haven_health_check_up{{{s}}} == 0) or vector(0)', "checks",
                 thresholds=[(1, "red")]), w=6, h=5)
    lay.add(stat("Restarts (1h)", f'sum(changes(process_start_time_seconds{{{s}}}[1h])) or vector(0)', "restarts",
                 thresholds=[(1, "orange")]), w=6, h=5)
    lay.add(stat("Build", f'count by (version, revision) (haven_build_info{{{s}}})', "{{version}} {{revision}}"),
            w=6, h=5)
    lay.row("RPC")
    lay.add(timeseries("Calls per second by method",
                       (f'sum by (method) (rate(haven_rpc_requests_total{{{s}}}[{RATE}]))', "{{method}}"), unit="reqps"))
    lay.add(timeseries("Errors per second by method and outcome",
                       (f'sum by (method, outcome) (rate(haven_rpc_requests_total{{{s}, outcome!="ok"}}[{RATE}]))',
                        "{{method}} {{outcome}}"), unit="reqps"))
    lay.add(timeseries("Latency by method (p50, p99)",
                       (f'histogram_quantile(0.5, sum by (method, le) (rate(haven_rpc_duration_seconds_bucket{{{s}}}[{RATE}])))',
                        "p50 {{method}}"),
                       (f'histogram_quantile(0.99, sum by (method, le) (rate(haven_rpc_duration_seconds_bucket{{{s}}}[{RATE}])))',
                        "p99 {{method}}"), unit="s"))
    lay.row("Events")
    lay.add(timeseries("Published per second by type",
                       (f'sum by (event_type) (rate(haven_events_published_total{{{s}}}[{RATE}]))', "{{event_type}}"),
                       unit="ops"))
    lay.add(timeseries("Consumed per second by type and outcome",
                       (f'sum by (source, event_type, outcome) (rate(haven_events_consumed_total{{{s}}}[{RATE}]))',
                        "{{source}}.{{event_type}} {{outcome}}"), unit="ops"))
    lay.add(timeseries("Handler p99 latency",
                       (f'histogram_quantile(0.99, sum by (source, event_type, le) '
                        f'(rate(haven_event_handling_duration_seconds_bucket{{{s}}}[{RATE}])))',
                        "{{source}}.{{event_type}}"), unit="s"))
    lay.add(timeseries("Events waiting per queue",
                       (f'max by (queue) (haven_queue_messages{{{s}, kind="consumer"}})', "{{queue}}"),
                       (f'max by (queue) (haven_queue_messages{{{s}, kind="retry"}})', "{{queue}}")))
    lay.add(timeseries("Consumers per queue", (f'max by (queue) (haven_queue_consumers{{{s}, kind="consumer"}})',
                                               "{{queue}}")))
    lay.add(timeseries("Dead letters waiting", (f'max by (queue) (haven_queue_messages{{{s}, kind="dead_letter"}})',
                                                "{{queue}}")))
    lay.add(timeseries("Outbox backlog and publish failures",
                       (f'max(haven_outbox_backlog{{{s}}})', "unpublished events"),
                       (f'sum(rate(haven_outbox_publish_failures_total{{{s}}}[{RATE}]))', "failed publish attempts/s")))
    lay.add(timeseries("Oldest unpublished outbox event", (f'max(haven_outbox_oldest_unsent_age_seconds{{{s}}})', "age"),
                       unit="s"))
    lay.add(timeseries("Oldest waiting event", (f'max by (queue) (haven_queue_oldest_message_age_seconds{{{s}}})',
                                                "{{queue}}"), unit="s"))
    lay.row("Process")
    lay.add(timeseries("CPU (cores)", (f'rate(process_cpu_seconds_total{{{s}}}[{RATE}])', "{{instance}}")))
    lay.add(timeseries("Resident memory", (f'process_resident_memory_bytes{{{s}}}', "{{instance}}"), unit="bytes"))
    lay.add(timeseries("Open file descriptors", (f'process_open_fds{{{s}}}', "{{instance}}")))
    if service in BUSINESS:
        lay.row("Business figures")
        business_panels(lay, service)
    variables = [query_variable("instance", "Instance", f'label_values(up{{job="haven", service="{service}"}}, instance)')]
    return dashboard(f"haven-{service}", f"Haven / {service}", lay, variables, ["service", service])


def build():
    """{file name: dashboard} of every dashboard."""
    found = {"haven-overview.json": overview()}
    for service in SERVICES:
        found[f"haven-{service}.json"] = service_dashboard(service)
    return found


def render(board):
    return json.dumps(board, indent=2, sort_keys=True) + "\n"


def expressions(board):
    """Every PromQL expression of a dashboard: panel targets and query variables."""
    found = [t["expr"] for p in board["panels"] for t in p.get("targets", [])]
    for variable in board["templating"]["list"]:
        if variable.get("type") == "query":
            found.append(variable["query"]["query"])
    return found


def main():
    OUT.mkdir(exist_ok=True)
    wanted = build()
    for stale in set(p.name for p in OUT.glob("*.json")) - set(wanted):
        (OUT / stale).unlink()
    for name, board in wanted.items():
        (OUT / name).write_text(render(board))
    print(f"wrote {len(wanted)} dashboards to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
