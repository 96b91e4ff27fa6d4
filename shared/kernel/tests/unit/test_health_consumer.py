"""/health of a service whose event consumer paused for its database (issue 11): degraded, saying since when and
how many events it holds; and its database check bounded, so a database that does not answer cannot hang it."""
import time
from types import SimpleNamespace
from unittest import mock

import eventlet

from haven_kernel import health


def service(consumer, execute=None):
    snapshot = SimpleNamespace(broker_up=True, error=None, of_kind=lambda kind: [])
    return SimpleNamespace(name="toy", consumer_state=lambda: consumer, config_value=lambda key, default=None: None,
                           queues=SimpleNamespace(snapshot=lambda: snapshot),
                           outbox=SimpleNamespace(backlog=lambda session: (0, 0.0)))


def test_a_paused_consumer_makes_the_service_degraded_and_says_why():
    paused = {"since": "2026-12-01T21:00:00+00:00", "error_type": "OperationalError", "held": 37}
    report = health.check(service({"paused": paused}), mock.Mock())
    assert report.status == health.DEGRADED and report.failing == ["consumer"]
    assert report.checks["consumer"] == ("paused since 2026-12-01T21:00:00+00:00 (database: OperationalError); "
                                         "37 events held")


def test_a_running_consumer_is_said_and_a_service_without_one_has_no_such_check():
    assert health.check(service({"paused": None}), mock.Mock()).checks["consumer"] == "running"
    assert "consumer" not in health.check(service(None), mock.Mock()).checks


def test_a_database_that_does_not_answer_is_down_within_the_bound():
    session = mock.Mock()
    session.execute.side_effect = lambda *a, **k: eventlet.sleep(30)
    started = time.monotonic()
    report = health.check(service({"paused": None}), session)
    assert time.monotonic() - started < 5
    assert report.checks["database"] == "down: TimeoutError" and report.status == health.UNAVAILABLE
    session.invalidate.assert_called_once()
