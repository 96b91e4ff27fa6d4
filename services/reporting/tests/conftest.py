"""Fixtures for reporting's tests: events as producers publish them, and the service on a real broker and database."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from haven_contracts import catalogue
from haven_contracts.reference import AGE_BANDS, SEXES
from haven_kernel.testing import ServiceHarness, publish_event, service_config, wait_until

T0 = datetime(2026, 11, 20, 6, 0, tzinfo=timezone.utc)


def new_id():
    return str(uuid.uuid4())


def sex_age(**cells):
    """sex_age(female_18_59=1, male_0_4=2) -> the by_sex_age block of a household event."""
    block = {sex: {band: 0 for band in AGE_BANDS} for sex in SEXES}
    for name, count in cells.items():
        sex, band = name.split("_", 1)
        band = {"0_4": "0-4", "5_17": "5-17", "18_59": "18-59", "60": "60+"}[band]
        block[sex][band] = count
    return block


class Events:
    """Builds catalogue-valid events (data, envelopes, or parsed Event objects) with controllable times."""

    sex_age = staticmethod(sex_age)

    def __init__(self):
        self.clock = T0

    def tick(self, seconds=1):
        self.clock += timedelta(seconds=seconds)
        return self.clock

    # -- data ----------------------------------------------------------------------------------------------------
    @staticmethod
    def site(site_id=None, **overrides):
        data = {"site_id": site_id or new_id(), "name": "Guara Guara", "site_type": "planned_camp",
                "adm1": "Sofala", "adm2": "Buzi", "lat": -19.87, "lon": 34.6, "status": "open",
                "managing_agency": "IOM"}
        data.update(overrides)
        return data

    @staticmethod
    def household(site_id, household_id=None, version=1, status="active", org="IOM", by_sex_age=None,
                  specific_needs=None, **extra):
        by_sex_age = by_sex_age or sex_age(female_18_59=1, male_18_59=1, female_5_17=1, male_0_4=1)
        size = sum(sum(bands.values()) for bands in by_sex_age.values())
        data = {"household_id": household_id or new_id(), "registration_number": "HV-7K3M-Q9TZ",
                "site_id": site_id, "size": size, "status": status, "version": version, "by_sex_age": by_sex_age,
                "specific_needs": specific_needs or {}, "origin": {"adm1": "Sofala", "adm2": "Buzi"},
                "displacement_date": "2026-11-19", "org": org, "registered_at": T0.isoformat()}
        data.update(extra)
        return data

    # -- envelopes and events ------------------------------------------------------------------------------------
    def envelope(self, source, event_type, data, at=None, event_id=None):
        return catalogue.envelope(source, event_type, data, occurred_at=at or self.tick(), event_id=event_id)

    def event(self, source, event_type, data, at=None, origin_org=None):
        return catalogue.parse(self.envelope(source, event_type, data, at=at), origin_org=origin_org)


@pytest.fixture
def events():
    return Events()


class ReportingHarness(ServiceHarness):
    tokens = {"reader": (("reporting:read",), "OCHA", None), "admin": (("admin",), "IOM", None)}

    def publish(self, source, event_type, data, **kwargs):
        return publish_event(self.amqp_uri, catalogue, source, event_type, data, **kwargs)

    def archived(self):
        from haven_reporting import store
        with self.database.session_factory() as session:
            return store.archived_count(session)

    def wait_archived(self, count, timeout=20):
        wait_until(lambda: self.archived() >= count, timeout=timeout, message=f"{count} archived events")
        assert self.archived() == count

    def sitrep(self, **filters):
        with self.client() as client:
            return client.reporting.get_sitrep(**filters)


@pytest.fixture
def reporting(amqp_uri, database_url, start_service):
    from haven_reporting.service import ReportingService
    url = database_url("haven_reporting")
    container = start_service(ReportingService, service_config(amqp_uri, url))
    return ReportingHarness(amqp_uri, url, container)
