"""HTTP on the reporting service: token checks for browsers and scripts, and the responses.

A script sends ``Authorization: Bearer <token>``. A person pastes a token into the login form once; the service
checks it and keeps it in an HttpOnly, SameSite=Strict cookie that expires with the token. Either way the token
must carry ``reporting:read`` (or ``admin``). Nothing but the login form is served without one.
"""
import json
import logging
import secrets
import time
import uuid

import jwt
from werkzeug.wrappers import Response

from haven_kernel.auth import authorize, verify_token
from haven_kernel.errors import Forbidden, HavenError, InternalError, NotFound, Unauthenticated, ValidationError

from . import dashboard, pages

log = logging.getLogger(__name__)

SESSION_COOKIE = "haven_reporting_session"
READ_SCOPE = "reporting:read"
MAX_TOKEN_LENGTH = 4000


def authorization_of(request):
    header = request.headers.get("Authorization")
    if header:
        return header
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return "Bearer " + cookie
    return None


def authenticate(request, scope=READ_SCOPE):
    """The verified caller of an HTTP request; Unauthenticated or Forbidden otherwise."""
    return authorize(verify_token(authorization_of(request)), scope)


def _security_headers(response, nonce=None):
    script = f"'nonce-{nonce}'" if nonce else "'none'"
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src {script}; style-src 'unsafe-inline'; img-src data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


STATUS = {Unauthenticated: 401, Forbidden: 403, ValidationError: 400, NotFound: 404}


def error_json(error):
    status = STATUS.get(type(error), 500)
    body = {"error": type(error).__name__, "message": str(error)}
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="haven-reporting"'
    return _security_headers(response)


def json_response(data):
    return _security_headers(Response(json.dumps(data, ensure_ascii=False), status=200,
                                      mimetype="application/json"))


def csv_response(text, filename):
    response = Response(text, status=200, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _security_headers(response)


def html_response(page, status=200, nonce=None):
    return _security_headers(Response(page, status=status, content_type="text/html; charset=utf-8"), nonce)


def login_page(status=401, message=None, clear_cookie=False):
    response = html_response(pages.login_page(message), status=status)
    if clear_cookie:
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Strict")
    return response


def internal_error(what):
    """An unexpected failure: logged with its traceback, answered with a reference and no internals."""
    reference = str(uuid.uuid4())
    log.exception("reporting HTTP request failed", extra={"path": what, "reference": reference})
    return error_json(InternalError(f"unexpected error; reference {reference}"))


def guarded(request, produce):
    """Run ``produce(caller)`` for an authenticated reader, or answer the error as JSON."""
    try:
        caller = authenticate(request)
        return produce(caller)
    except HavenError as error:
        return error_json(error)
    except Exception:
        return internal_error(request.path)


def dashboard_response(request, produce_report):
    """GET /: the dashboard for a reader, the login form for anyone else."""
    has_cookie = bool(request.cookies.get(SESSION_COOKIE))
    try:
        caller = authenticate(request)
    except Unauthenticated as error:
        message = f"Your session ended ({error}). Paste a token again." if has_cookie else None
        return login_page(401, message, clear_cookie=has_cookie)
    except Forbidden:
        return login_page(403, "This token does not allow reading reports (scope reporting:read is needed).",
                          clear_cookie=has_cookie)
    nonce = secrets.token_urlsafe(16)
    try:
        page = dashboard.render(produce_report(), caller, nonce)
    except Exception:
        return internal_error(request.path)
    return html_response(page, nonce=nonce)


def login(request):
    """POST /login: check the pasted token, keep it in the session cookie, go to the dashboard."""
    token = (request.form.get("token") or "").strip()
    if token.lower().startswith("bearer "):
        token = token[len("bearer "):].strip()
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return login_page(401, "Paste a token issued for you (haven token --scope reporting:read).")
    try:
        authorize(verify_token("Bearer " + token), READ_SCOPE)
    except Unauthenticated as error:
        return login_page(401, f"That token was refused: {error}.")
    except Forbidden:
        return login_page(403, "That token does not allow reading reports (scope reporting:read is needed).")
    expires = jwt.decode(token, options={"verify_signature": False}).get("exp")
    max_age = max(1, int(expires - time.time())) if isinstance(expires, (int, float)) else 3600
    response = Response(status=303, headers={"Location": "/"})
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, path="/", httponly=True, samesite="Strict",
                        secure=request.scheme == "https")
    return _security_headers(response)


def logout(request):
    response = Response(status=303, headers={"Location": "/"})
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Strict")
    return _security_headers(response)
