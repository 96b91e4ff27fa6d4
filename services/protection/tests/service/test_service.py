"""The protection service in-process on a real RabbitMQ and PostgreSQL: its RPC, events, /health and /metrics,
the insert-only access log, and follow-ups from registration's events."""
import json

import pytest
from sqlalchemy import text

from haven_contracts import catalogue
from haven_contracts.testing import new_id, site_event
from haven_kernel.errors import NotFound, ValidationError
from haven_kernel.testing import publish_event, wait_until

from haven_protection.models import FollowUp, Site
from haven_protection.testing import SITE, case_payload, needs_data

pytestmark = pytest.mark.service


@pytest.fixture
def service(protection):
    publish_event(protection.amqp_uri, catalogue, "shelter", "site_opened", site_event(SITE, adm1="Sofala"))
    wait_until(lambda: protection.count(Site) == 1, message="the site reached protection's replica")
    return protection


def test_health_says_the_database_and_the_broker_are_up(protection):
    status, body = protection.http_get("/health")
    health = json.loads(body)
    assert status == 200 and (health["service"], health["status"]) == ("protection", "ok")
    assert (health["checks"]["database"], health["checks"]["broker"]) == ("up", "up")


def test_a_case_over_rpc_is_seen_by_its_caseworker_and_not_by_another_and_the_metrics_count_it(service):
    with service.client("ana") as client:
        case = client.protection.open_case(case_payload())
        assert client.protection.get_case(case["case_id"])["person"]["name"] == "Amina Test"
        with pytest.raises(ValidationError) as error:
            client.protection.list_cases(limit=0)
        assert list(error.value.errors) == ["limit"]
    with service.client("ben") as client, pytest.raises(NotFound):
        client.protection.get_case(case["case_id"])
    with service.client("admin") as client, pytest.raises(NotFound):
        client.protection.get_case(case["case_id"])
    status, text_ = service.http_get("/metrics")
    assert status == 200
    assert 'haven_protection_cases{case_type="child_protection",status="new"} 1.0' in text_
    assert 'haven_rpc_requests_total{method="get_case",outcome="NotFound"} 2.0' in text_


def test_the_access_log_refuses_update_delete_and_truncate(service):
    with service.client("ana") as client:
        case = client.protection.open_case(case_payload())
        client.protection.get_case(case["case_id"])
    with service.client("iom_manager") as client:
        log = client.protection.read_access_log(case["case_id"])["items"]
    assert [(row["sub"], row["action"]) for row in log] == [("ana", "change"), ("ana", "open")]
    for statement in ("UPDATE access_log SET sub = 'someone else'", "DELETE FROM access_log",
                      "TRUNCATE access_log"):
        with service.database.engine.connect() as connection, pytest.raises(Exception, match="insert-only"):
            connection.execute(text(statement))
            connection.commit()
    with service.database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM access_log")).scalar_one() == 2


def test_registrations_needs_open_one_follow_up_per_need_even_when_sent_twice(service, record_events):
    recorder = record_events(service.amqp_uri, "protection")
    household = new_id()
    data = needs_data(SITE, {"SC-UC": 2, "LP-ND": 1}, household)
    envelope = publish_event(service.amqp_uri, catalogue, "registration", "household_protection_needs", data)
    publish_event(service.amqp_uri, catalogue, "registration", "household_protection_needs", data,
                  envelope=envelope)
    publish_event(service.amqp_uri, catalogue, "registration", "household_protection_needs",
                  needs_data(SITE, {"SC-UC": 2, "SV-VA": 1}, household, version=2))
    recorder.wait_for("follow_up_opened", count=2)
    wait_until(lambda: service.count(FollowUp) == 2 and not service.container.config.get("_"), timeout=5)
    with service.client("ana") as client:
        items = client.protection.list_follow_ups()["items"]
    assert sorted(item["need"] for item in items) == ["SC", "SV"]
    assert sorted((e["data"]["need"], e["data"]["site_id"]) for e in recorder.events("follow_up_opened")) == [
        ("SC", SITE), ("SV", None)]
