"""What ``GET /health`` (readiness), ``GET /health/live`` (liveness) and the ``haven_health_check_up`` gauges say.

``/health/live`` answers 200 as long as the process serves HTTP: it checks no dependency, so an orchestrator
restarts a process only when the process itself is stuck, never because PostgreSQL or RabbitMQ is down (restarting
would not bring them back).

``/health`` runs four checks and answers with the worst outcome:

========================  =============================================================  ==========================
check                     fails when                                                      status
========================  =============================================================  ==========================
``database``              ``SELECT 1`` on the service's database fails                    ``unavailable`` (503)
``broker``                RabbitMQ does not answer (the queue monitor's pass)             ``unavailable`` (503)
``dead_letters``          events wait in ``haven.<service>.dead-letters``                 ``degraded`` (200)
``outbox``                the oldest unpublished event is older than
                          ``HAVEN_OUTBOX_MAX_AGE_SECONDS`` (default 60, the alert's)      ``degraded`` (200)
``consumer``              the event consumer is paused, waiting for the database          ``degraded`` (200)
                          (a service without event handlers has no such check)
========================  =============================================================  ==========================

The database check gives up after ``HEALTH_DATABASE_TIMEOUT_SECONDS`` (default 2): a database that does not answer
(black-holed) is ``down: TimeoutError``, and ``/health`` answers anyway.

A degraded service still serves its callers, so it stays ready (200); the body names the failing checks. A check
that cannot be evaluated because its dependency is down says ``unknown``.
"""
import json
from dataclasses import dataclass, field

from sqlalchemy import text

from .db.provider import bounded

OK, DEGRADED, UNAVAILABLE = "ok", "degraded", "unavailable"
DEPENDENCIES = ("database", "broker")
CONDITIONS = ("dead_letters", "outbox", "consumer")
DEFAULT_OUTBOX_MAX_AGE_SECONDS = 60.0


@dataclass
class Report:
    service: str
    checks: dict = field(default_factory=dict)   # name -> what it found (text)
    passed: dict = field(default_factory=dict)   # name -> True, False, or None (not evaluated)
    outbox: tuple = None                         # (unsent rows, age of the oldest in seconds) when read
    queues: object = None                        # the queue monitor's Snapshot

    @property
    def failing(self):
        return [name for name in DEPENDENCIES + CONDITIONS if self.passed.get(name) is False]

    @property
    def status(self):
        if any(self.passed.get(name) is not True for name in DEPENDENCIES):
            return UNAVAILABLE
        return DEGRADED if self.failing else OK

    def body(self):
        body = {"service": self.service, "status": self.status, "checks": dict(self.checks)}
        if self.status != OK:
            body["failing"] = self.failing
        return body

    def response_args(self):
        """(JSON text, HTTP status)."""
        return json.dumps(self.body()), 503 if self.status == UNAVAILABLE else 200


def outbox_max_age(service):
    return float(service.config_value("HAVEN_OUTBOX_MAX_AGE_SECONDS") or DEFAULT_OUTBOX_MAX_AGE_SECONDS)


def check(service, session):
    """Run every check for ``service`` (a HavenService worker instance) with ``session`` (its unit's session)."""
    report = Report(service=service.name)
    try:
        with bounded(float(service.config_value("HEALTH_DATABASE_TIMEOUT_SECONDS") or 2)):
            session.execute(text("SELECT 1"))
            report.outbox = service.outbox.backlog(session)
        _set(report, "database", True, "up")
    except Exception as exc:
        if isinstance(exc, TimeoutError):
            session.invalidate()  # its connection is stuck mid-query: never give it back to the pool
        _set(report, "database", False, f"down: {type(exc).__name__}")
    consumer = service.consumer_state()
    if consumer is not None and consumer["paused"]:
        paused = consumer["paused"]
        _set(report, "consumer", False, f"paused since {paused['since']} (database: {paused['error_type']}); "
                                        f"{paused['held']} events held")
    elif consumer is not None:
        _set(report, "consumer", True, "running")
    snapshot = report.queues = service.queues.snapshot()
    _set(report, "broker", snapshot.broker_up, "up" if snapshot.broker_up else f"down: {snapshot.error}")

    if not snapshot.broker_up:
        _set(report, "dead_letters", None, "unknown: the broker is down")
    else:
        waiting = [(q.name, q.messages) for q in snapshot.of_kind("dead_letter") if q.messages]
        if waiting:
            _set(report, "dead_letters", False,
                 "; ".join(f"{count} waiting in {name}" for name, count in waiting))
        else:
            _set(report, "dead_letters", True, "none")

    if report.outbox is None:
        _set(report, "outbox", None, "unknown: the database is down")
    else:
        unsent, age = report.outbox
        limit = outbox_max_age(service)
        if age > limit:
            _set(report, "outbox", False, f"{unsent} unsent, the oldest {age:.0f} s old (over {limit:.0f} s)")
        else:
            _set(report, "outbox", True, f"{unsent} unsent" if unsent else "empty")
    return report


def _set(report, name, passed, found):
    report.passed[name] = passed
    report.checks[name] = found
