"""Fixtures for reporting's tests: events as producers publish them, and the service on a real broker and database."""
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests

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
    session_cookie = "haven_reporting_session"

    def publish(self, source, event_type, data, **kwargs):
        return publish_event(self.amqp_uri, catalogue, source, event_type, data, **kwargs)

    def archived(self):
        from haven_reporting.models import ArchivedEvent
        return self.count(ArchivedEvent)

    def wait_archived(self, count, timeout=20):
        wait_until(lambda: self.archived() >= count, timeout=timeout, message=f"{count} archived events")
        assert self.archived() == count

    def sitrep(self, **filters):
        with self.client() as client:
            return client.reporting.get_sitrep(**filters)

    # -- the dashboard, as a browser uses it ---------------------------------------------------------------------
    @staticmethod
    def form_field(page, name):
        match = re.search(rf'name="{name}" value="([^"]*)"', page)
        return match.group(1) if match else None

    def sign_in(self, token, browser=None, headers=None):
        """Open the sign-in form, paste ``token``, submit: (the browser, the response to the POST, not followed)."""
        browser = browser or requests.Session()
        form = browser.get(self.base_url + "/", timeout=10)
        data = {"token": token}
        csrf = self.form_field(form.text, "csrf_token")
        if csrf is not None:
            data["csrf_token"] = csrf
        response = browser.post(self.base_url + "/login", data=data, headers=headers or {}, timeout=10,
                                allow_redirects=False)
        return browser, response

    def sign_out(self, browser, headers=None, csrf=True):
        page = browser.get(self.base_url + "/", timeout=10).text
        data = {}
        token = self.form_field(page, "csrf_token")
        if csrf and token is not None:
            data["csrf_token"] = token
        return browser.post(self.base_url + "/logout", data=data, headers=headers or {}, timeout=10,
                            allow_redirects=False)


@pytest.fixture
def start_reporting(amqp_uri, database_url, start_service):
    """``start_reporting(url=None, **config)``: a reporting container (on a fresh database unless ``url``: a replica
    of another one when given its database)."""
    from haven_reporting.service import ReportingService

    def start(url=None, **config):
        url = url or database_url("haven_reporting")
        container = start_service(ReportingService, service_config(amqp_uri, url, **config))
        return ReportingHarness(amqp_uri, url, container)

    return start


@pytest.fixture
def reporting(start_reporting):
    return start_reporting()


@pytest.fixture
def unit(tmp_path):
    """A unit of work on reporting's migrated schema in a SQLite file: the use cases and the event handlers' bodies
    without a broker (the middle tier)."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    from haven_kernel.db import UnitOfWork
    from haven_kernel.migrations import upgrade
    url = f"sqlite:///{tmp_path / 'reporting.db'}"
    upgrade("haven_reporting", url)
    engine = create_engine(url)
    unit = UnitOfWork(sessionmaker(engine, expire_on_commit=False), "reporting", None, catalogue)
    yield unit
    unit.rollback()
    unit.close()
    engine.dispose()
