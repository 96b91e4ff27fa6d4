"""``@http(method, url, scope=...)``: a service method served over HTTP with the same token, scopes and typed
errors as RPC.

Before a worker starts, the entrypoint refuses a credential in the URL (400), a cross-site unsafe request (403),
and a caller without a valid token (401, with ``WWW-Authenticate``) or the scope (403); a route that accepts browser
sessions (``session=True``) also takes the service's session cookie (``Sessions``) and, for an unsafe method, its
CSRF token. The method then runs in its unit of work (``self.db``, committed before the response, rolled back on an
error) with ``request.haven`` telling it who called; it returns a werkzeug ``Response`` (``json_response``,
``csv_response``, ``html_response``, ``redirect``) or JSON-able data. A typed error becomes its status
(ValidationError 400 with the field map, NotFound 404, Conflict 409, ServiceUnavailable 503); anything else is
logged with its traceback and answered 500 with a reference and no internals. Every response gets the security
headers; every request counts in ``haven_http_requests_total{route,outcome}`` and ``haven_http_duration_seconds``.

The routes of a service share one web server (``WEB_SERVER_ADDRESS``), whose access log never shows a credential
given in a query string. Do not mix nameko's own ``@http`` into a Haven service: it would start a second server on
the same address.
"""
import logging
import time
from dataclasses import dataclass
from functools import partial

from eventlet.event import Event
from nameko.exceptions import ContainerBeingKilled
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import HttpOnlyProtocol, WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from ..auth import Caller, authorize, check_secret_at_start, verify_token
from ..context import worker_context
from ..db import Database, in_unit_of_work
from ..errors import EXPECTED, InternalError, ServiceUnavailable, Unauthenticated
from ..logs import set_correlation_id
from ..metrics import metrics_for
from .requests import (SAFE_METHODS, WebSettings, correlation_id_of, over_https, redact, refuse_cross_site,
                       refuse_query_credentials)
from .responses import error_response, http_exception_response, json_response, secure, status_of
from .sessions import Session, Sessions

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000


@dataclass
class RequestContext:
    """``request.haven``: what the entrypoint established about a request."""

    correlation_id: str
    https: bool                       # came over https (directly or through a trusted proxy)
    sessions: Sessions | None         # the service's browser sessions, if it keeps any
    caller: Caller | None = None      # None on a public route
    session: Session | None = None    # the browser session that authenticated the request, if one did
    stale_cookie: bool = False        # a session cookie came that matches no live session: cleared in the answer


class RedactingProtocol(HttpOnlyProtocol):
    """nameko's HTTP protocol, with the request line (what the access log and error lines quote) redacted."""

    def parse_request(self):
        parsed = super().parse_request()
        self.requestline = redact(self.requestline or "")
        return parsed


class HavenWsgiApp(WsgiApp):
    """nameko's WSGI app, but a path or method no route serves is answered like any other error: JSON, with the
    security headers."""

    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)  # shallow until a route's entrypoint takes it
        try:
            provider, values = self.url_map.bind_to_environ(environ).match()
            request.path_values = values
            response = provider.handle_request(request)
        except HTTPException as exc:
            response = secure(http_exception_response(exc, environ))
        return response(environ, start_response)


class HavenWebServer(WebServer):
    """One per service container, shared by its Haven routes (``/health`` and ``/metrics`` included)."""

    def get_wsgi_app(self):
        return HavenWsgiApp(self)

    def get_wsgi_server(self, sock, wsgi_app, protocol=RedactingProtocol, debug=False):
        return super().get_wsgi_server(sock, wsgi_app, protocol=protocol, debug=debug)


class HavenHttp(HttpRequestHandler):
    server = HavenWebServer()

    def __init__(self, method, url, scope=None, public=False, session=False, error_page=None, **kwargs):
        if public and (scope or session):
            raise ValueError(f"{method} {url}: a public route takes no scope and no session")
        self.scope, self.public, self.session, self.error_page = scope, public, session, error_page
        super().__init__(method, url, **kwargs)

    def setup(self):
        check_secret_at_start()  # refuses to start without a secret outside development; warns on the development one
        Database.of(self.container)
        self.settings = WebSettings.from_config(self.container.config)
        self.metrics = metrics_for(self.container)
        self.route = f"{self.method} {self.url}"
        self.realm = f"haven-{self.container.service_name}"
        self.sessions = Sessions.of(self.container)
        if self.session and self.sessions is None:
            raise RuntimeError(f"{self.container.service_name} {self.route} takes sessions but the service keeps "
                               "none: declare `sessions = Sessions()` on it")
        super().setup()

    def handle_request(self, request):
        started = time.perf_counter()
        request.shallow = False
        request.max_content_length = MAX_BODY_BYTES
        context = RequestContext(correlation_id_of(request), over_https(request, self.settings), self.sessions)
        request.haven = context
        set_correlation_id(context.correlation_id)
        outcome = "ok"
        try:
            refuse_query_credentials(request)
            if request.method not in SAFE_METHODS:
                refuse_cross_site(request, self.settings)
            self.authenticate(request, context)
            response = self.run(request, context)
        except Exception as exc:
            response, outcome = self.failure(request, context, exc)
        self.metrics.http_requests.labels(self.route, outcome).inc()
        self.metrics.http_duration.labels(self.route).observe(time.perf_counter() - started)
        return secure(response, context.https)

    def authenticate(self, request, context):
        if self.public:
            return
        header = request.headers.get("Authorization")
        if header is None and self.session:
            context.session = self.sessions.resume(request, context)
            if request.method not in SAFE_METHODS:
                self.sessions.check_csrf(request, context.session)
            caller = context.session.caller
        elif header is None:
            raise Unauthenticated("missing credentials: send the header 'Authorization: Bearer <token>'")
        else:
            caller = verify_token(header)
        context.caller = authorize(caller, self.scope)

    def run(self, request, context):
        caller = context.caller
        data = worker_context(context.correlation_id, caller.as_context() if caller else None,
                              caller.org if caller else None)
        args, kwargs = self.get_entrypoint_parameters(request)
        self.check_signature(args, kwargs)
        event = Event()
        try:
            self.container.spawn_worker(self, args, kwargs, context_data=data,
                                        handle_result=partial(self.handle_result, event))
        except ContainerBeingKilled:
            raise ServiceUnavailable(f"{self.container.service_name} is stopping; try again") from None
        return self.response_from_result(event.wait())

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        if isinstance(result, (dict, list)):
            return json_response(result)
        raise TypeError(f"{self.route} returned {type(result).__name__}: return a Response or JSON-able data")

    def failure(self, request, context, exc):
        """(the error response, the outcome label) of an exception raised before or by the worker."""
        if isinstance(exc, HTTPException) and exc.code and exc.code < 500:  # e.g. a body over MAX_BODY_BYTES
            return http_exception_response(exc, request.environ), type(exc).__name__
        if isinstance(exc, EXPECTED):
            log.info("http refused", extra={"route": self.route, "error_type": type(exc).__name__})
        else:
            log.error("http request failed", exc_info=(type(exc), exc, exc.__traceback__),
                      extra={"route": self.route, "reference": context.correlation_id})
            exc = InternalError(f"unexpected error in {self.container.service_name} {self.route}; "
                                f"reference {context.correlation_id}")
        status = status_of(exc)
        response = self._page(request, exc)
        if response is None:
            response = error_response(exc, status)
        response.status_code = status
        if status == 401:
            response.headers["WWW-Authenticate"] = f'Bearer realm="{self.realm}"'
        if context.stale_cookie:
            self.sessions.clear_cookie(response, context)
        return response, type(exc).__name__

    def _page(self, request, error):
        """The route's own error page (a browser's sign-in form, say), or None for the JSON error."""
        if self.error_page is None:
            return None
        try:
            return self.error_page(request, error)
        except Exception:
            log.exception("error page failed", extra={"route": self.route})
            return None


def http(method, url, scope=None, public=False, session=False, error_page=None):
    """Serve a ``HavenService`` method ``(self, request, **path_values)`` at ``method url``.

    ``scope``: required of the caller (``admin`` passes); ``public=True``: no credentials at all (health, a sign-in
    form); ``session=True``: a signed-in browser's session cookie is accepted besides a bearer token (the service
    declares ``sessions = Sessions()``); ``error_page(request, error)``: a Response for an error (status set by the
    entrypoint), or None for the JSON error."""

    def decorate(fn):
        return HavenHttp.decorator(method, url, scope=scope, public=public, session=session,
                                   error_page=error_page)(in_unit_of_work(fn))

    return decorate
