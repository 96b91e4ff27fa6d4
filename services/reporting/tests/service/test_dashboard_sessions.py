"""Signing in to the dashboard (issue 10, point 5), as a browser does it, on a real broker and database.

The cookie holds a random session id, never the bearer token; the session is kept server-side (replicas share it,
signing out revokes it), ends when idle, at a configured maximum and with its token, and is renewed on use; the
cookie is HttpOnly, SameSite=Strict, and Secure over https or behind a trusted proxy that says so; /login and
/logout refuse cross-site and forged posts; a token in a query string is refused and never logged."""
import logging
from datetime import timedelta

import pytest
import requests
from sqlalchemy import create_engine, text

from haven_kernel.clock import utcnow
from haven_kernel.testing import make_token, wait_until

pytestmark = pytest.mark.service

EVIL = "https://evil.example"


def set_cookies(response):
    """The Set-Cookie headers of a response: {name: {"value": ..., attribute (lower case): value or True}}."""
    cookies = {}
    for header in response.raw.headers.getlist("Set-Cookie"):
        first, *attributes = [part.strip() for part in header.split(";")]
        name, _, value = first.partition("=")
        entry = {"value": value}
        for attribute in attributes:
            key, equals, val = attribute.partition("=")
            entry[key.lower()] = val if equals else True
        cookies[name] = entry
    return cookies


def session_rows(reporting):
    engine = create_engine(reporting.database_url)
    try:
        with engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(text("SELECT * FROM web_sessions"))]
    finally:
        engine.dispose()


def execute(reporting, sql, **params):
    engine = create_engine(reporting.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(sql), params)
    finally:
        engine.dispose()


def reads(reporting, browser):
    """Whether the browser's session reads the sitrep."""
    return browser.get(reporting.base_url + "/sitrep.json", timeout=10).status_code == 200


def test_the_cookie_holds_a_random_session_id_never_the_token(reporting):
    browser, response = reporting.sign_in(reporting.reader)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    cookie = set_cookies(response)[reporting.session_cookie]["value"]
    assert reporting.reader not in response.headers["Set-Cookie"]
    assert cookie != reporting.reader and cookie.count(".") != 2, "not a JWT"
    assert len(cookie) >= 32
    assert reads(reporting, browser)
    _, again = reporting.sign_in(reporting.reader)
    assert set_cookies(again)[reporting.session_cookie]["value"] != cookie, "a new random id per sign-in"
    assert reporting.reader not in str(session_rows(reporting)), "the server keeps no token either"


def test_the_cookie_is_httponly_strict_and_lives_no_longer_than_the_maximum_or_the_token(start_reporting):
    reporting = start_reporting(HTTP_SESSION_MAX_SECONDS=600)
    _, response = reporting.sign_in(make_token("reporting:read", org="OCHA", ttl_seconds=8 * 3600))
    cookie = set_cookies(response)[reporting.session_cookie]
    assert cookie["httponly"] is True and cookie["samesite"] == "Strict" and cookie["path"] == "/"
    assert "secure" not in cookie, "plain http, no proxy: a Secure cookie would never come back"
    assert 0 < int(cookie["max-age"]) <= 600, "the configured maximum, not the token's 8 hours"
    _, short = reporting.sign_in(make_token("reporting:read", org="OCHA", ttl_seconds=120))
    assert 0 < int(set_cookies(short)[reporting.session_cookie]["max-age"]) <= 120, "never beyond the token"


@pytest.mark.parametrize("trusted", [True, False])
def test_the_cookie_is_secure_behind_a_proxy_that_says_https_only_when_the_proxy_is_trusted(start_reporting, trusted):
    reporting = start_reporting(HTTP_TRUST_PROXY=trusted)
    _, response = reporting.sign_in(reporting.reader, headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 303
    assert ("secure" in set_cookies(response)[reporting.session_cookie]) is trusted
    _, plain = reporting.sign_in(reporting.reader, headers={"X-Forwarded-Proto": "http"})
    assert "secure" not in set_cookies(plain)[reporting.session_cookie]


def test_a_session_is_shared_by_replicas_and_signing_out_revokes_it_everywhere(reporting, start_reporting):
    replica = start_reporting(url=reporting.database_url)
    browser, _ = reporting.sign_in(reporting.reader)
    kept = dict(browser.cookies)
    assert reads(reporting, browser) and reads(replica, browser), "one session, whichever replica answers"
    response = replica.sign_out(browser)
    assert response.status_code == 303 and set_cookies(response)[reporting.session_cookie]["max-age"] == "0"
    stolen = requests.Session()
    stolen.cookies.update(kept)
    assert not reads(reporting, stolen) and not reads(replica, stolen), "the old cookie is dead on both"
    assert session_rows(reporting) == []


def test_a_session_is_renewed_on_use_and_ends_when_idle_or_with_its_token(start_reporting):
    reporting = start_reporting(HTTP_SESSION_IDLE_SECONDS=900, HTTP_SESSION_MAX_SECONDS=3600)
    browser, _ = reporting.sign_in(make_token("reporting:read", org="OCHA", ttl_seconds=1800))
    [row] = session_rows(reporting)
    assert row["expires_at"] <= row["ends_at"] <= utcnow() + timedelta(seconds=1800), "bounded by the token"
    soon = utcnow() + timedelta(seconds=30)
    execute(reporting, "UPDATE web_sessions SET expires_at = :at", at=soon)
    assert reads(reporting, browser)
    [renewed] = session_rows(reporting)
    assert renewed["expires_at"] > soon + timedelta(seconds=600), "used: renewed for the idle time again"
    assert renewed["expires_at"] <= renewed["ends_at"]

    execute(reporting, "UPDATE web_sessions SET expires_at = :at", at=utcnow() - timedelta(seconds=1))
    page = browser.get(reporting.base_url + "/", timeout=10)
    assert page.status_code == 401 and "session ended" in page.text and 'id="login-form"' in page.text
    assert reporting.session_cookie not in browser.cookies, "the dead cookie is cleared"

    ended, _ = reporting.sign_in(make_token("reporting:read", org="OCHA", ttl_seconds=1800))
    execute(reporting, "UPDATE web_sessions SET ends_at = :at", at=utcnow() - timedelta(seconds=1))
    assert not reads(reporting, ended), "past its end (the token's expiry or the maximum), renewal cannot save it"


def test_sign_in_refuses_forged_and_cross_site_posts(reporting):
    base = reporting.base_url
    forged = requests.post(base + "/login", data={"token": reporting.reader}, timeout=10, allow_redirects=False)
    assert forged.status_code == 403 and reporting.session_cookie not in set_cookies(forged)

    browser = requests.Session()
    form = browser.get(base + "/", timeout=10)
    csrf = reporting.form_field(form.text, "csrf_token")
    assert csrf, "the sign-in form carries a CSRF token"
    other = requests.post(base + "/login", data={"token": reporting.reader, "csrf_token": csrf}, timeout=10,
                          allow_redirects=False)
    assert other.status_code == 403, "a form token without its cookie (another browser's) is refused"
    for headers in ({"Origin": EVIL}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "null"},
                    {"Origin": "null", "Sec-Fetch-Site": "cross-site"}, {"Origin": EVIL, "Sec-Fetch-Site": "same-origin"}):
        refused = browser.post(base + "/login", data={"token": reporting.reader, "csrf_token": csrf},
                               headers=headers, timeout=10, allow_redirects=False)
        assert refused.status_code == 403 and reporting.session_cookie not in set_cookies(refused), headers
    own = {"Origin": base, "Sec-Fetch-Site": "same-origin"}
    accepted = browser.post(base + "/login", data={"token": reporting.reader, "csrf_token": csrf}, headers=own,
                            timeout=10, allow_redirects=False)
    assert accepted.status_code == 303 and reporting.session_cookie in set_cookies(accepted)
    # A same-origin form under Referrer-Policy: no-referrer is sent with Origin: null (Chromium does so).
    browser = requests.Session()
    csrf = reporting.form_field(browser.get(base + "/", timeout=10).text, "csrf_token")
    null = browser.post(base + "/login", data={"token": reporting.reader, "csrf_token": csrf}, timeout=10,
                        headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"}, allow_redirects=False)
    assert null.status_code == 303


def test_sign_out_refuses_forged_and_cross_site_posts(reporting):
    browser, _ = reporting.sign_in(reporting.reader)
    for headers in ({"Origin": EVIL}, {"Sec-Fetch-Site": "same-site"}):
        assert reporting.sign_out(browser, headers=headers).status_code == 403, headers
        assert reads(reporting, browser), "a cross-site post does not end the session"
    assert reporting.sign_out(browser, csrf=False).status_code == 403
    assert reads(reporting, browser), "a post without the session's CSRF token does not end it"
    assert reporting.sign_out(browser).status_code == 303
    assert not reads(reporting, browser)


def test_tokens_in_a_query_string_are_refused_and_never_logged(reporting, caplog):
    caplog.set_level(logging.DEBUG)
    base = reporting.base_url
    for path in ("/sitrep.json", "/sitrep.csv", "/", "/health"):
        for name in ("token", "access_token"):
            response = requests.get(f"{base}{path}?{name}={reporting.reader}", timeout=10)
            assert response.status_code == 400, (path, name)
            assert response.json()["error"] == "ValidationError" and name in response.json()["errors"]
    bearer = {"Authorization": "Bearer " + reporting.reader}
    response = requests.get(f"{base}/sitrep.json?adm1=Sofala&token={reporting.reader}", headers=bearer, timeout=10)
    assert response.status_code == 400, "refused even with a good header: the URL has leaked the token already"
    wait_until(lambda: any("/sitrep.json?adm1=Sofala" in record.getMessage() for record in caplog.records),
               message="the access log line")
    service_side = [record for record in caplog.records if not record.name.startswith("urllib3")]  # not the client
    logged = "\n".join(record.getMessage() + str(record.__dict__) for record in service_side)
    assert reporting.reader not in logged
    assert reporting.reader.split(".")[2] not in logged, "not even the signature"
