"""Prometheus metrics, one registry per service container (the default global registry would clash when tests
run several containers in one process). Names follow Prometheus conventions: base units, ``_total`` counters, and
no unbounded label values (never a household id).

Each registry also carries the process metrics (``process_*``: CPU, memory, open files, start time) and
``haven_build_info{version, revision}``: the version of the service's package, and the git revision from
``HAVEN_REVISION`` (the images' build argument) or, when that is unset, from ``git`` at start."""
import functools
import importlib.metadata
import os
import subprocess
import sys

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector

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
        self.messages_rejected = Counter("haven_messages_rejected_total",
                                         "Messages refused before reaching a method or handler (no reply address, "
                                         "undecodable body, bad headers, unverified producer), by kind and reason",
                                         ["kind", "reason"], registry=r)
        ProcessCollector(registry=r)
        self.build_info = Gauge("haven_build_info", "Always 1: the version and git revision this process runs",
                                ["version", "revision"], registry=r)


def package_version(module_name):
    """The version of the installed distribution that provides ``module_name``'s top-level package."""
    top = module_name.split(".")[0]
    for distribution in importlib.metadata.packages_distributions().get(top, ()):
        try:
            return importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            continue
    from . import __version__
    return __version__


def git_revision(directory):
    """``HAVEN_REVISION`` when set, else the short commit of the git checkout holding ``directory``, else
    ``unknown`` (an image built without the build argument, an installed copy without git)."""
    revision = (os.environ.get("HAVEN_REVISION") or "").strip()
    if revision and revision != "unknown":
        return revision[:40]
    return _git_head(directory)


@functools.lru_cache(maxsize=None)
def _git_head(directory):
    try:
        found = subprocess.run(["git", "-C", directory, "rev-parse", "--short=12", "HEAD"], capture_output=True,
                               text=True, timeout=5)
        if found.returncode == 0 and found.stdout.strip():
            return found.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return "unknown"


def build_labels(service_cls):
    """(version, revision) of the code ``service_cls`` comes from."""
    module = sys.modules.get(service_cls.__module__)
    directory = os.path.dirname(os.path.abspath(getattr(module, "__file__", None) or os.getcwd()))
    return package_version(service_cls.__module__), git_revision(directory)


def metrics_for(container) -> ServiceMetrics:
    """The metrics of one service container (extensions hold the container through a weak proxy)."""
    metrics = getattr(container, "_haven_metrics", None)
    if metrics is None:
        metrics = ServiceMetrics()
        # Attached before anything that may yield (git runs in a subprocess): nameko sets extensions up in parallel
        # green threads, and a second one must find this registry, not make its own.
        setattr(container, "_haven_metrics", metrics)
        metrics.build_info.labels(*build_labels(container.service_cls)).set(1)
    return metrics
