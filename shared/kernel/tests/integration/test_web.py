"""The kernel's HTTP entrypoint on a toy service: the same token, scopes and typed errors as RPC, as HTTP statuses;
security headers on every answer; the method's unit of work committed or rolled back; metrics per route; no
credential in a URL."""
import logging
import uuid

import pytest
import requests

from haven_kernel.errors import Conflict, NotFound, ValidationError
from haven_kernel.service import HavenService
from haven_kernel.testing import make_token, wait_until
from haven_kernel.web import csv_response, html_response, http

ENTRIES = {}  # the toy world's Entry model, set by the fixture (conftest modules are not importable)


class Pages(HavenService):
    name = "pages"

    @http("GET", "/entries/<entry_id>", scope="ledger:read")
    def entry(self, request, entry_id):
        if entry_id == "missing":
            raise NotFound("no such entry")
        if entry_id == "taken":
            raise Conflict("that entry is closed")
        if entry_id == "bad":
            raise ValidationError({"entry_id": ["Not a valid UUID."]})
        if entry_id == "boom":
            raise RuntimeError("internal detail: password=hunter2")
        return {"entry_id": entry_id, "org": request.haven.caller.org, "unit_org": self.db.caller.org}

    @http("GET", "/entries.csv", scope="ledger:read")
    def entries_csv(self, request):
        return csv_response("amount\n=1+1\n", "entries; all.csv")

    @http("GET", "/about", public=True)
    def about(self, request):
        return html_response("<p>toy</p>")

    @http("POST", "/entries", scope="ledger:write")
    def create(self, request):
        self.db.session.add(ENTRIES["model"](id=str(uuid.uuid4()), amount=int(request.form["amount"])))
        if request.form.get("then") == "fail":
            raise Conflict("refused after writing: nothing may stay")
        return {"created": True}


@pytest.fixture
def pages(toys):
    Pages.catalogue = toys.catalogue
    ENTRIES["model"] = toys.Entry
    container = toys.start(Pages)
    return "http://" + container.config["WEB_SERVER_ADDRESS"]


def get(url, token=None, **kwargs):
    headers = kwargs.pop("headers", {})
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return requests.get(url, headers=headers, timeout=10, **kwargs)


def test_tokens_and_scopes_are_checked_as_for_rpc(pages):
    reader = make_token("ledger:read", org="WFP")
    answer = get(pages + "/entries/e-1", reader)
    assert answer.status_code == 200 and answer.json() == {"entry_id": "e-1", "org": "WFP", "unit_org": "WFP"}
    assert get(pages + "/entries/e-1", make_token("admin")).status_code == 200
    for token in (None, make_token("ledger:read", ttl_seconds=-5), make_token("ledger:read", secret="x" * 40),
                  "garbage"):
        refused = get(pages + "/entries/e-1", token)
        assert refused.status_code == 401 and refused.json()["error"] == "Unauthenticated", token
        assert refused.headers["WWW-Authenticate"] == 'Bearer realm="haven-pages"'
    assert get(pages + "/entries/e-1", headers={"Authorization": "Basic dXNlcg=="}).status_code == 401
    forbidden = get(pages + "/entries/e-1", make_token("ledger:write"))
    assert forbidden.status_code == 403 and forbidden.json() == {
        "error": "Forbidden", "message": "scope 'ledger:read' is required"}


def test_typed_errors_become_their_status_and_anything_else_a_reference(pages, caplog):
    reader = make_token("ledger:read")
    assert get(pages + "/entries/missing", reader).status_code == 404
    assert get(pages + "/entries/taken", reader).json() == {"error": "Conflict", "message": "that entry is closed"}
    assert get(pages + "/entries/taken", reader).status_code == 409
    invalid = get(pages + "/entries/bad", reader)
    assert invalid.status_code == 400 and invalid.json()["errors"] == {"entry_id": ["Not a valid UUID."]}
    failed = get(pages + "/entries/boom", reader, headers={"X-Correlation-Id": "ref-42"})
    assert failed.status_code == 500
    assert failed.json() == {"error": "InternalError",
                             "message": "unexpected error in pages GET /entries/<entry_id>; reference ref-42"}
    assert "hunter2" not in failed.text and "RuntimeError" not in failed.text
    assert any(getattr(record, "reference", None) == "ref-42" and record.exc_info for record in caplog.records), \
        "the traceback is in the log, under the reference"


def test_every_answer_carries_the_security_headers(pages):
    reader = make_token("ledger:read")
    answers = {"json": get(pages + "/entries/e-1", reader), "csv": get(pages + "/entries.csv", reader),
               "html": get(pages + "/about"), "error": get(pages + "/entries/e-1"),
               "unrouted": get(pages + "/nowhere"), "health": get(pages + "/health")}
    for what, answer in answers.items():
        assert "default-src 'none'" in answer.headers["Content-Security-Policy"], what
        assert answer.headers["X-Content-Type-Options"] == "nosniff", what
        assert answer.headers["X-Frame-Options"] == "DENY" and answer.headers["Cache-Control"] == "no-store", what
        assert "Strict-Transport-Security" not in answer.headers, "plain http"
    assert answers["unrouted"].status_code == 404 and answers["unrouted"].json()["error"] == "NotFound"
    assert answers["csv"].headers["Content-Type"] == "text/csv; charset=utf-8"
    assert answers["csv"].headers["Content-Disposition"] == 'attachment; filename="entries__all.csv"'
    assert answers["html"].headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src 'none'" in answers["html"].headers["Content-Security-Policy"]


def test_a_change_commits_with_the_answer_and_a_refused_or_cross_site_one_leaves_nothing(pages, toys):
    writer = {"Authorization": "Bearer " + make_token("ledger:write")}
    assert requests.post(pages + "/entries", data={"amount": "3"}, headers=writer, timeout=10).status_code == 200
    failed = requests.post(pages + "/entries", data={"amount": "4", "then": "fail"}, headers=writer, timeout=10)
    assert failed.status_code == 409
    cross = requests.post(pages + "/entries", data={"amount": "5"}, timeout=10,
                          headers={**writer, "Origin": "https://evil.example"})
    assert cross.status_code == 403
    huge = requests.post(pages + "/entries", data={"amount": "6", "pad": "x" * 2_000_000}, headers=writer, timeout=10)
    assert huge.status_code == 413 and huge.json()["error"] == "RequestEntityTooLarge"
    assert [row.amount for row in toys.rows("pages", toys.Entry)] == [3]


def test_requests_are_counted_per_route_and_outcome(pages):
    reader = make_token("ledger:read")
    for path in ("/entries/a", "/entries/b", "/entries/missing"):
        get(pages + path, reader)
    get(pages + "/entries/a")
    metrics = get(pages + "/metrics").text
    route = 'route="GET /entries/<entry_id>"'
    assert f'haven_http_requests_total{{outcome="ok",{route}}} 2.0' in metrics
    assert f'haven_http_requests_total{{outcome="NotFound",{route}}} 1.0' in metrics
    assert f'haven_http_requests_total{{outcome="Unauthenticated",{route}}} 1.0' in metrics
    assert f'haven_http_duration_seconds_count{{{route}}} 4.0' in metrics


def test_a_token_in_the_url_is_refused_and_kept_out_of_the_access_log(pages, caplog):
    caplog.set_level(logging.INFO)
    token = make_token("ledger:read")
    for path in (f"/entries/e-1?token={token}", f"/about?Access_Token={token}"):
        refused = get(pages + path, token)
        assert refused.status_code == 400 and refused.json()["error"] == "ValidationError", path
    get(pages + f"/nowhere?x=1&token={token}")
    wait_until(lambda: sum("[redacted]" in r.getMessage() for r in caplog.records) >= 3, message="access log")
    assert not any(token in record.getMessage() for record in caplog.records if record.name != "urllib3")
