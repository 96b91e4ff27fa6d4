"""What every Haven service has: its database (``self.db``), its outbox relay, the kernel's ``apply_events``
entrypoint that applies the events its handlers receive, the monitor of its queues (``self.queues``),
``GET /health`` (readiness), ``GET /health/live`` (liveness) and ``GET /metrics`` (see :mod:`haven_kernel.health`
and :mod:`haven_kernel.messaging.monitor`), and the data-sharing agreements' RPC methods ``grant_sharing``,
``revoke_sharing`` (scope ``<service>:write``) and ``list_sharing`` (``<service>:read``) of :mod:`.sharing`.

A service subclasses :class:`HavenService`, sets ``name`` and ``catalogue``, and may override
``prepare_event_batch`` and ``business_metrics``.
"""
import json
import logging

from nameko.extensions import DependencyProvider
from prometheus_client import generate_latest
from prometheus_client.core import GaugeMetricFamily
from werkzeug.wrappers import Response

from . import health, logs, sharing_api
from .db import Database
from .messaging import EventApplier, OutboxRelay, apply_batch
from .messaging.batching import EventBatcher
from .messaging.monitor import CONSUMER, QueueMonitor
from .metrics import metrics_for
from .rpc import rpc
from .sharing import Agreements
from .web import http

log = logging.getLogger(__name__)

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _Families:
    def __init__(self, families):
        self.families = families

    def collect(self):
        return iter(self.families)


# nameko logs a partner's mistake (an expected error) as a warning with its stack: say it at INFO, with field names
logs.quiet_expected_errors()
logs.quiet_payloads()  # no request or reply body in a log, whatever the level


class HavenService:
    name = None
    catalogue = None  # the haven_kernel.events.Catalogue of the events this service emits and handles
    # Whether the service offers the organisation-wide sharing agreements of haven_kernel.sharing as RPC methods
    # (grant_sharing, revoke_sharing, list_sharing). A service whose records are shared otherwise (protection: case
    # by case, with consent) sets it to False.
    sharing_agreements = True

    db = Database()
    outbox = OutboxRelay()
    queues = QueueMonitor()

    def prepare_event_batch(self, events):
        """Called with the new events of a batch (in order; one event outside batches) before their handlers run, in
        the same transaction: read and lock what they concern in one query, and keep it in a transaction state
        (``self.db.state(...)``) for the handlers; write what they gathered from the state's ``before_commit``."""

    def business_metrics(self, session):
        """The service's own gauges (a list of prometheus ``*MetricFamily``), read at scrape time."""
        return []

    def __init_subclass__(cls, **kwargs):
        """Give each concrete service its own /health and /metrics entrypoints and its ``apply_events`` (the
        kernel's, see ``haven_kernel.messaging.batching``). The base class itself has none, so ``nameko run
        haven_<name>.service`` finds exactly one service in a module that imports it."""
        super().__init_subclass__(**kwargs)
        if "apply_events" in cls.__dict__:
            raise TypeError(f"{cls.__name__}.apply_events: the name belongs to the kernel's event applier")

        def apply_events(self, batch):
            return apply_batch(self, batch)

        apply_events.__qualname__ = f"{cls.__name__}.apply_events"
        cls.apply_events = EventApplier.decorator(apply_events)
        if cls.name and cls.sharing_agreements:
            _add_sharing_methods(cls)
        for attr, path in (("health", "/health"), ("health_live", "/health/live"), ("metrics", "/metrics")):
            if attr not in cls.__dict__:
                base = getattr(HavenService, "_" + attr)

                def endpoint(self, request, _base=base):
                    return _base(self, request)

                endpoint.__name__ = endpoint.__qualname__ = attr
                setattr(cls, attr, http("GET", path, public=True)(endpoint))

    def _health(self, request):
        try:
            report = health.check(self, self.db.session)
        finally:
            self.db.rollback()
        body, status = report.response_args()
        return Response(body, status=status, mimetype="application/json")

    def _health_live(self, request):
        return Response(json.dumps({"service": self.name, "status": "alive"}), status=200,
                        mimetype="application/json")

    def _metrics(self, request):
        families = []
        try:
            session = self.db.session
            report = health.check(self, session)
            families += _health_families(report)
            if report.passed.get("database"):
                families += list(self.business_metrics(session))
        except Exception:
            log.exception("could not read metrics from the database")
            up = GaugeMetricFamily("haven_database_up", "Whether the metrics scrape could read the database")
            up.add_metric([], 0)
            families.append(up)
        finally:
            self.db.rollback()
        registry = metrics_for(self.outbox.container).registry
        text = generate_latest(registry) + generate_latest(_Families(families))
        return Response(text, status=200, content_type=PROMETHEUS_CONTENT_TYPE)

    def config_value(self, key, default=None):
        return self.outbox.container.config.get(key, default)

    def consumer_state(self):
        """The service's event consumer for ``/health``: None when it has none, ``{"paused": None}`` while it runs,
        ``{"paused": {since, error_type, held}}`` while it waits for the database (``EventBatcher.pause_state``)."""
        for extension in self.outbox.container.extensions:
            if isinstance(extension, EventBatcher) and extension.handlers:
                return {"paused": extension.pause_state()}
        return None


SHARING_METHODS = ("grant_sharing", "revoke_sharing", "list_sharing")


def _add_sharing_methods(cls):
    """The agreements of :mod:`.sharing` as RPC methods of ``cls``: the caller's organisation shares its records in
    this service with another (``grant_sharing``), stops (``revoke_sharing``), lists what it granted and received."""
    for attr in SHARING_METHODS:
        if attr in cls.__dict__:
            raise TypeError(f"{cls.__name__}.{attr}: the name belongs to the kernel's data-sharing agreements")

    def grant_sharing(self, partner_org, note=None, access="read"):
        return Agreements(self.db).grant(partner_org, note, access)

    def revoke_sharing(self, partner_org):
        return Agreements(self.db).revoke(partner_org)

    def list_sharing(self):
        return Agreements(self.db).list()

    for fn, scope in ((grant_sharing, "write"), (revoke_sharing, "write"), (list_sharing, "read")):
        fn.__qualname__ = f"{cls.__name__}.{fn.__name__}"
        contract = sharing_api.CONTRACTS[fn.__name__]
        # The writes are applied once per request, as every write method is (a revoke sent again is answered, not
        # NotFound).
        setattr(cls, fn.__name__, rpc(scope=f"{cls.name}:{scope}", idempotent=scope == "write", contract=contract)(fn))


def _health_families(report):
    """The health checks, the outbox and the service's queues as gauges."""
    checks = GaugeMetricFamily("haven_health_check_up", "1 when the /health check passes, 0 when it fails "
                               "(absent when it could not be evaluated)", labels=["check"])
    for name, passed in report.passed.items():
        if passed is not None:
            checks.add_metric([name], 1 if passed else 0)
    families = [checks]
    if report.outbox is not None:
        backlog, age = report.outbox
        backlog_family = GaugeMetricFamily("haven_outbox_backlog", "Outbox rows not yet published")
        backlog_family.add_metric([], backlog)
        age_family = GaugeMetricFamily("haven_outbox_oldest_unsent_age_seconds",
                                       "Age of the oldest unpublished outbox row (0 when none)")
        age_family.add_metric([], age)
        families += [backlog_family, age_family]
    snapshot = report.queues
    if snapshot is not None and snapshot.broker_up and snapshot.queues:
        labels = ["queue", "kind"]
        messages = GaugeMetricFamily("haven_queue_messages", "Events ready in one of the service's queues (the "
                                     "broker's count: delivered, unacknowledged ones excluded)", labels=labels)
        consumers = GaugeMetricFamily("haven_queue_consumers", "Consumers of one of the service's queues",
                                      labels=labels)
        oldest = GaugeMetricFamily("haven_queue_oldest_message_age_seconds", "Age of the oldest event in a "
                                   "consumer queue not yet applied (0 when none; see haven_kernel.messaging.monitor)",
                                   labels=labels)
        for queue in snapshot.queues:
            messages.add_metric([queue.name, queue.kind], queue.messages)
            consumers.add_metric([queue.name, queue.kind], queue.consumers)
            if queue.kind == CONSUMER:
                oldest.add_metric([queue.name, queue.kind], queue.oldest_age)
        families += [messages, consumers, oldest]
    return families


class Settings(DependencyProvider):
    """Values a service derives from its config once, at start: ``Settings(parse)`` injects ``parse(config)``.

    ``parse`` raises on a bad value, so a misconfigured service refuses to start instead of failing on each call.
    """

    def __init__(self, parse):
        self.parse = parse

    def setup(self):
        self.value = self.parse(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.value
