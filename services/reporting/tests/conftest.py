"""Fixtures for reporting's tests: events as producers publish them, and the service on a real broker and database."""
import re

import pytest
import requests

from haven_contracts import catalogue
from haven_contracts.testing import Events
from haven_kernel.testing import ServiceHarness, publish_event, service_config, wait_until


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
def unit(sqlite_unit):
    """Reporting's unit of work on SQLite, migrated by its own revisions (the kernel's middle tier): the use cases
    and the event handlers' bodies without a broker; it reads as an OCHA reader."""
    from haven_reporting.service import ReportingService
    return sqlite_unit(ReportingService, "reporting:read", org="OCHA")
