"""What every Haven service has: its database (``self.db``), its outbox relay, the kernel's ``apply_events``
entrypoint that applies the events its handlers receive, ``GET /health`` and ``GET /metrics``.

A service subclasses :class:`HavenService`, sets ``name`` and ``catalogue``, and may override
``prepare_event_batch`` and ``business_metrics``.
"""
import json
import logging

from kombu import Connection
from nameko.extensions import DependencyProvider
from prometheus_client import generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import text
from werkzeug.wrappers import Response

from .db import Database
from .messaging import EventApplier, OutboxRelay, apply_batch
from .metrics import metrics_for
from .web import http

log = logging.getLogger(__name__)

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _Families:
    def __init__(self, families):
        self.families = families

    def collect(self):
        return iter(self.families)


def broker_reachable(amqp_uri, timeout=2):
    try:
        with Connection(amqp_uri, connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
        return True, None
    except Exception as exc:
        return False, type(exc).__name__


class HavenService:
    name = None
    catalogue = None  # the haven_kernel.events.Catalogue of the events this service emits and handles

    db = Database()
    outbox = OutboxRelay()

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
        for attr, path in (("health", "/health"), ("metrics", "/metrics")):
            if attr not in cls.__dict__:
                base = getattr(HavenService, "_" + attr)

                def endpoint(self, request, _base=base):
                    return _base(self, request)

                endpoint.__name__ = endpoint.__qualname__ = attr
                setattr(cls, attr, http("GET", path, public=True)(endpoint))

    def _health(self, request):
        checks = {}
        try:
            self.db.session.execute(text("SELECT 1"))
            checks["database"] = "up"
        except Exception as exc:
            checks["database"] = f"down: {type(exc).__name__}"
        finally:
            self.db.rollback()
        ok, error = broker_reachable(self.config_value("AMQP_URI"))
        checks["broker"] = "up" if ok else f"down: {error}"
        healthy = all(v == "up" for v in checks.values())
        body = {"service": self.name, "status": "ok" if healthy else "unavailable", "checks": checks}
        return Response(json.dumps(body), status=200 if healthy else 503, mimetype="application/json")

    def _metrics(self, request):
        families = []
        try:
            session = self.db.session
            backlog, age = self.outbox.backlog(session)
            backlog_family = GaugeMetricFamily("haven_outbox_backlog", "Outbox rows not yet published")
            backlog_family.add_metric([], backlog)
            age_family = GaugeMetricFamily("haven_outbox_oldest_unsent_age_seconds",
                                           "Age of the oldest unpublished outbox row (0 when none)")
            age_family.add_metric([], age)
            families += [backlog_family, age_family]
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
