"""What Haven's HTTP entrypoints answer: JSON, CSV and HTML with security headers, redirects, and a typed error as
its HTTP status with a JSON body (the same errors, and the same words, as RPC)."""
import json
import re

from werkzeug.wrappers import Response

from ..errors import Conflict, Forbidden, NotFound, ServiceUnavailable, Unauthenticated, ValidationError

STATUS = {ValidationError: 400, Unauthenticated: 401, Forbidden: 403, NotFound: 404, Conflict: 409,
          ServiceUnavailable: 503}

# Nothing may load, frame or be framed; a page that needs more says so (html_response).
POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
HSTS = "max-age=31536000"
UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


def page_policy(nonce=None):
    """The Content-Security-Policy of an HTML page: inline styles and data: images; scripts only with ``nonce``."""
    script = f"'nonce-{nonce}'" if nonce else "'none'"
    return (f"default-src 'none'; script-src {script}; style-src 'unsafe-inline'; img-src data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def json_response(data, status=200):
    return Response(json.dumps(data, ensure_ascii=False), status=status, mimetype="application/json")


def csv_response(text, filename):
    """A CSV download (``filename`` reduced to letters, digits, dot, dash and underscore)."""
    response = Response(text, status=200, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{UNSAFE_FILENAME.sub("_", filename)}"'
    return response


def html_response(page, status=200, nonce=None):
    """A page: its policy (``page_policy``), and ``Referrer-Policy: same-origin`` so that its forms' posts carry
    their Origin in every browser (under no-referrer a browser sends ``Origin: null``)."""
    response = Response(page, status=status, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = page_policy(nonce)
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def redirect(location, status=303):
    """After a form: ``303 See Other`` to ``location`` (a path of this service)."""
    return Response(status=status, headers={"Location": location})


def status_of(error):
    for cls, status in STATUS.items():
        if isinstance(error, cls):
            return status
    return 500


def error_response(error, status=None):
    """``{"error": <type>, "message": ...}`` (and ``"errors"``, the field map, for a ValidationError)."""
    body = {"error": type(error).__name__, "message": str(error)}
    if isinstance(error, ValidationError):
        body["errors"] = error.errors
    return json_response(body, status=status or status_of(error))


def http_exception_response(exc, environ=None):
    """A werkzeug HTTP exception (no route: 404, 405; a body too large: 413) as JSON, its own headers kept."""
    response = exc.get_response(environ)
    if exc.code >= 400:
        response.set_data(json.dumps({"error": type(exc).__name__, "message": exc.description}))
        response.mimetype = "application/json"
    return response


def secure(response, https=False):
    """Add the security headers a response does not set itself (and HSTS when the request came over https)."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", POLICY)
    for name, value in HEADERS.items():
        headers.setdefault(name, value)
    if https:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response
