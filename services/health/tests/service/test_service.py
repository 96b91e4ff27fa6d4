"""The health service in-process on a real RabbitMQ and PostgreSQL: RPCs end to end with their events,
registration's household events (twice, out of order) as live denominators, insert-only history, /health and
/metrics."""
import json

import pytest
from sqlalchemy import text

from haven_contracts import catalogue
from haven_contracts.testing import Events, household_event, sex_age_of, site_event
from haven_kernel.errors import NotFound, ValidationError
from haven_kernel.testing import publish_event, wait_until

from haven_health.models import HouseholdVersion, Site
from haven_health.testing import EARLY, SITE, report

pytestmark = pytest.mark.service


def test_health_says_the_database_and_the_broker_are_up(health):
    status, body = health.http_get("/health")
    health = json.loads(body)
    assert status == 200 and (health["service"], health["status"]) == ("health", "ok")
    assert (health["checks"]["database"], health["checks"]["broker"]) == ("up", "up")


def test_a_report_against_the_live_population_raises_the_mortality_alert_and_publishes_aggregates(
        health, record_events):
    events = Events(start=EARLY)
    publish_event(health.amqp_uri, catalogue, "shelter", "site_opened", site_event(site_id=SITE, adm2="Dondo"))
    households = [household_event(SITE, by_sex_age=sex_age_of(10)) for _ in range(50)]  # 500 people
    envelopes = [events.envelope("registration", "household_registered", data) for data in households]
    for envelope in envelopes + envelopes[:5]:  # five come twice
        publish_event(health.amqp_uri, catalogue, "registration", "household_registered", None, envelope=envelope)
    wait_until(lambda: health.count(HouseholdVersion) == 50 and health.count(Site) == 1, message="households")
    recorder = record_events(health.amqp_uri, "health")
    with health.client("writer") as client:
        hc = client.health.register_facility({"code": "HC-1", "name": "Health centre", "site_id": SITE,
                                              "facility_type": "health_centre_with_beds",
                                              "status_since": "2026-10-01"})
        submitted = client.health.submit_weekly_report(report(hc["facility_id"], "2026-W47", deaths=(0, 1)))
        with pytest.raises(ValidationError) as error:
            client.health.submit_weekly_report(report(hc["facility_id"], "2026-W47", deaths=(-1, 0)))
        assert list(error.value.errors) == ["report.deaths.under_five"]
        assert client.health.get_denominators(None, "Sofala", "Dondo", "2026-W47")["population"] == 500
    assert [a["rule_id"] for a in submitted["alerts"]] == ["crude-mortality"] and submitted["late"] is True
    assessed = recorder.wait_for("place_week_assessed")[0]["data"]
    assert (assessed["population"], assessed["crude_mortality"], assessed["crude_exceeded"]) == \
        (500, round(10000 / 3500, 4), True)
    assert recorder.wait_for("alert_raised")[0]["data"]["rule_id"] == "crude-mortality"
    status, metrics = health.http_get("/metrics")
    assert 'haven_health_alerts{status="raised"} 1.0' in metrics


def known_site(health, site_id=SITE):
    """Shelter's site_opened, as health receives it; until its replica has the site."""
    publish_event(health.amqp_uri, catalogue, "shelter", "site_opened", site_event(site_id=site_id))
    wait_until(lambda: health.count(Site, Site.site_id == site_id) == 1, message="site in the replica")


def test_a_facility_at_a_site_shelter_does_not_answer_for_is_not_found(health):
    with health.client("writer") as client, pytest.raises(NotFound):
        client.health.register_facility({"code": "HC-1", "name": "Health centre", "site_id": SITE,
                                         "facility_type": "health_post"})


def test_history_tables_refuse_update_and_delete_on_postgresql(health):
    known_site(health)
    with health.client("writer") as client:
        client.health.register_facility({"code": "HC-1", "name": "Health centre", "site_id": SITE,
                                         "facility_type": "health_post"})
    for statement in ("UPDATE facility_statuses SET status = 'closed'", "DELETE FROM facility_statuses"):
        with pytest.raises(Exception, match="insert-only"), health.database.engine.begin() as connection:
            connection.execute(text(statement))
