"""Prometheus metrics, one registry per service container (the default global registry would clash when tests
run several containers in one process). Names follow Prometheus conventions: base units, ``_total`` counters, and
no unbounded label values (never a household id)."""
from prometheus_client import CollectorRegistry, Counter, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ServiceMetrics:
    def __init__(self):
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.rpc_requests = Counter("haven_rpc_requests_total", "RPC calls by method and outcome",
                                    ["method", "outcome"], registry=r)
        self.rpc_duration = Histogram("haven_rpc_duration_seconds", "RPC call latency", ["method"],
                                      buckets=LATENCY_BUCKETS, registry=r)
        self.http_requests = Counter("haven_http_requests_total", "HTTP requests by route and outcome",
                                     ["route", "outcome"], registry=r)
        self.http_duration = Histogram("haven_http_duration_seconds", "HTTP request latency", ["route"],
                                       buckets=LATENCY_BUCKETS, registry=r)
        self.events_published = Counter("haven_events_published_total", "Events published from the outbox",
                                        ["event_type"], registry=r)
        self.outbox_publish_failures = Counter("haven_outbox_publish_failures_total",
                                               "Outbox relay attempts that failed (broker or database unreachable)",
                                               registry=r)
        self.events_consumed = Counter("haven_events_consumed_total", "Events consumed by outcome",
                                       ["source", "event_type", "outcome"], registry=r)
        self.events_retried = Counter("haven_events_retried_total", "Event deliveries scheduled for a retry",
                                      ["source", "event_type"], registry=r)
        self.events_dead_lettered = Counter("haven_events_dead_lettered_total", "Events sent to the dead-letter queue",
                                            ["source", "event_type"], registry=r)
        self.event_handling_duration = Histogram("haven_event_handling_duration_seconds", "Event handler latency",
                                                 ["source", "event_type"], buckets=LATENCY_BUCKETS, registry=r)


def metrics_for(container) -> ServiceMetrics:
    """The metrics of one service container (extensions hold the container through a weak proxy)."""
    metrics = getattr(container, "_haven_metrics", None)
    if metrics is None:
        metrics = ServiceMetrics()
        setattr(container, "_haven_metrics", metrics)
    return metrics
