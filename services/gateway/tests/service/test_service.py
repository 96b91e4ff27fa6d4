"""The gateway in-process on a real RabbitMQ and PostgreSQL, alone (no service behind it): /health, /openapi.json,
what it refuses before anything reaches the bus, and a call to a service that is not running (503
UnknownService). The partner flow through it is tests/system/test_gateway.py."""
import json
import urllib.error
import urllib.request
from collections import Counter

import pytest

from haven_gateway.forward import ROUTES

pytestmark = pytest.mark.service


def request(gateway, path, body=b"{}", token=None, headers=None):
    req = urllib.request.Request(gateway.base_url + path, data=body, method="POST",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_health_and_the_openapi_document_need_no_token(gateway):
    status, body = gateway.http_get("/health")
    assert status == 200 and json.loads(body)["checks"]["broker"] == "up"
    status, body = gateway.http_get("/openapi.json")
    assert status == 200 and json.loads(body)["openapi"] == "3.1.0"


def test_it_forwards_exactly_the_partner_methods():
    assert ("registration", "register_household") in ROUTES and ROUTES[("registration", "register_household")]
    assert ROUTES[("shelter", "get_site")] is False
    assert ROUTES[("protection", "open_case")] and ROUTES[("protection", "get_case")] is False
    per_service = Counter(service for service, _ in ROUTES)  # each service's methods, the kernel's 3 sharing ones too
    assert per_service == {"registration": 8 + 3, "shelter": 14 + 3, "reporting": 5 + 3, "protection": 18,
                           "logistics": 26 + 3, "health": 20 + 3}
    assert ("registration", "grant_sharing") in ROUTES and ("protection", "grant_sharing") not in ROUTES


def test_a_method_of_a_service_that_is_not_running_is_503_unknown_service(gateway):
    status, body = request(gateway, "/rpc/shelter/list_sites", token=gateway.reader)
    assert (status, body["error"]) == (503, "UnknownService")


def test_a_bad_idempotency_key_is_refused_before_the_bus(gateway):
    status, body = request(gateway, "/rpc/shelter/create_site", token=gateway.reader,
                           headers={"Idempotency-Key": "has spaces"})
    assert status == 400 and list(body["errors"]) == ["Idempotency-Key"]
