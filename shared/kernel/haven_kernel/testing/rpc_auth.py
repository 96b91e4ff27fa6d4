"""One test for every partner-facing entrypoint of a service: each ``@rpc`` method and each ``@http`` route that
takes credentials, found on the service class (so one added later is covered without anyone listing it), is called
with no token, an expired one, a forged one (signed with another key), an unsigned one, garbage, a token under
another scheme, a token without its claims, and tokens with the wrong scopes. Each call must fail with
Unauthenticated (HTTP 401), or Forbidden (403; over RPC naming the scope) for a wrong scope, and the service's
database must be as it was: no row written, no event in the outbox. Then each is called once with a token holding
just its scope, which must get past authorisation (so the refusals above were not an accident of the set-up), and
one that needs only a ``read`` scope (or is an HTTP GET) must change nothing then.

A service wires it in with one short file, ``tests/service/test_rpc_auth.py``::

    from haven_kernel.testing.rpc_auth import RpcAuthTests

    class TestRpcAuth(RpcAuthTests):
        harness = "shelter"                    # the fixture that starts the service (a ServiceHarness)

        def arguments(self, harness):          # optional: calls that would succeed with a good token
            return {"create_site": (site_payload(),), "site_page": "/sites/" + site_id}   # a route: its path
"""
import re
import time
import urllib.error
import urllib.request

import jwt
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.rpc import Rpc
from sqlalchemy import MetaData, Table, inspect, select

from ..auth import auth_secret, issue_token
from ..errors import Forbidden, Unauthenticated
from ..rpc import HavenRpc
from ..service import SHARING_METHODS
from .harness import make_token, rpc_client

PLAIN = "plain nameko @rpc"  # the scope recorded for a method whose entrypoint is not Haven's (no token checked)
FORGED_KEY = "a-key-that-is-not-the-platforms-but-long-enough"


def rpc_methods(service_cls):
    """``{method name: scope}`` of every RPC entrypoint of ``service_cls``, in name order. The scope is None for
    ``@rpc()`` without one, :data:`PLAIN` for a plain nameko ``@rpc`` (which checks no token at all)."""
    found = {}
    for name in sorted(dir(service_cls)):
        for extension in getattr(getattr(service_cls, name, None), ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(extension, Rpc):
                found[name] = extension.scope if isinstance(extension, HavenRpc) else PLAIN
    return found


def bad_credentials(org="IOM"):
    """``[(what, context data)]``: credentials that must each get Unauthenticated, whatever the method. They carry
    the ``admin`` scope where they carry any, so only the one thing wrong with each is wrong."""
    now = time.time()
    unsigned = jwt.encode({"sub": "intruder", "org": org, "scopes": ["admin"], "exp": int(now) + 600}, None,
                          algorithm="none")
    claimless = jwt.encode({"sub": "intruder", "exp": int(now) + 600}, auth_secret(), algorithm="HS256")
    return [
        ("no token", {}),
        ("an expired token", _bearer(issue_token(org=org, scopes=["admin"], ttl_seconds=5, now=now - 60))),
        ("a forged token (another key)", _bearer(issue_token(org=org, scopes=["admin"], secret=FORGED_KEY))),
        ("an unsigned token (alg none)", _bearer(unsigned)),
        ("a token without org and scopes", _bearer(claimless)),
        ("garbage", _bearer("garbage")),
        ("a token under another scheme", {"authorization": "Token " + make_token("admin", org=org)}),
    ]


def _bearer(token):
    return {"authorization": f"Bearer {token}"}


def wrong_scopes(service, scope):
    """The scope sets that must get Forbidden from a method needing ``scope``: another service's, and this
    service's others (``read`` does not give ``write``, nor ``write`` give ``read``; ``admin`` needs ``admin``)."""
    others = sorted({f"{service}:read", f"{service}:write"} - {scope})
    return [("another service's scopes", (f"not_{service}:read", f"not_{service}:write")),
            (f"only {', '.join(others)}", tuple(others))]


# Columns the service's own background work changes on rows written before (the outbox relay marks a row published
# in its own time, after the call that emitted it): not a change made by the calls a snapshot brackets.
BOOKKEEPING = {"outbox_events": {"published_at", "attempts"}}


def snapshot(engine):
    """Every row of every table of a service's database (the outbox and inbox included), to compare; the relay's
    bookkeeping columns left out (``BOOKKEEPING``), so an event published meanwhile is not a change."""
    rows = {}
    with engine.connect() as connection:
        for name in sorted(inspect(connection).get_table_names()):
            if name != "alembic_version":
                table = Table(name, MetaData(), autoload_with=connection)
                columns = [c for c in table.columns if c.name not in BOOKKEEPING.get(name, ())]
                rows[name] = sorted(map(repr, connection.execute(select(*columns)).all()))
    return rows


def changes(before, after):
    """What differs between two snapshots, one line a table."""
    found = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, []), after.get(name, [])
        if old != new:
            found.append(f"table {name}: {len(old)} rows before, {len(new)} after, "
                         f"{len(set(new) - set(old))} new or changed")
    return found


def _call(client, service, method, arguments):
    return getattr(getattr(client, service), method)(*arguments.get(method, ()))


def rpc_auth_problems(harness, arguments=None, open_methods=()):
    """What is wrong with the authentication and authorisation of every RPC method and authenticated HTTP route of
    the service ``harness`` runs: a list of sentences, empty when all is well (see the module's docstring)."""
    container = harness.container
    service = container.service_name
    methods = rpc_methods(container.service_cls)
    routes = http_routes(container.service_cls)
    arguments = arguments or {}
    if not set(methods) - set(SHARING_METHODS) and not routes:  # the kernel's sharing methods are on every service
        return [f"{container.service_cls.__name__} has no @rpc method and no @http route that takes credentials: "
                "nothing was checked"]
    problems = [f"{method}: {PLAIN} checks no token; use haven_kernel.rpc.rpc(scope=...)"
                for method, scope in methods.items() if scope == PLAIN]
    problems += [f"{method}: @rpc without a scope lets any organisation's token in"
                 for method, scope in methods.items() if scope is None and method not in open_methods]
    problems += [f"{method}: @http without a scope lets any organisation's token in"
                 for method, (_, _, scope) in routes.items() if scope is None and method not in open_methods]
    problems += [f"{method}: nameko's own @http checks no token; use haven_kernel.web.http(..., scope=...)"
                 for method, (_, _, scope) in routes.items() if scope == PLAIN]
    engine = harness.database.engine
    before = snapshot(engine)
    for what, context in bad_credentials():
        with rpc_client(harness.amqp_uri, None, **context) as client:
            for method in methods:
                problems += _refused(client, service, method, arguments, what, Unauthenticated)
    scopes = sorted({scope for scope in methods.values() if scope not in (None, PLAIN)})
    for scope in scopes:
        for what, granted in wrong_scopes(service, scope):
            with rpc_client(harness.amqp_uri, make_token(*granted)) as client:
                for method in (m for m, s in methods.items() if s == scope):
                    problems += _refused(client, service, method, arguments, f"{what} (needs {scope!r})",
                                         Forbidden, scope)
    problems += _http_refusals(harness, routes, arguments)
    problems += [f"refused calls changed the database: {line}" for line in changes(before, snapshot(engine))]
    for method, scope in methods.items():
        problems += _granted(harness, service, method, scope, arguments)
    for method, route in routes.items():
        problems += _http_granted(harness, method, route, arguments)
    return problems


def _granted(harness, service, method, scope, arguments):
    """Call ``method`` with a token holding just its scope: it must get past authorisation, and a method that
    needs only a ``read`` scope must change nothing."""
    reads = isinstance(scope, str) and scope.endswith(":read")
    before = snapshot(harness.database.engine) if reads else None
    granted = (scope,) if scope not in (None, PLAIN) else (f"{service}:read",)
    with rpc_client(harness.amqp_uri, make_token(*granted)) as client:
        try:
            _call(client, service, method, arguments)
        except (Unauthenticated, Forbidden) as error:
            return [f"{method}: refused a token with its own scope {scope!r}: {type(error).__name__}: {error}"]
        except Exception:
            pass  # past authorisation: a bad argument or an unknown record is the method's own answer
    if reads:
        return [f"{method} needs only {scope!r} but changed the database: {line}"
                for line in changes(before, snapshot(harness.database.engine))]
    return []


def _refused(client, service, method, arguments, what, expected, scope=None):
    try:
        _call(client, service, method, arguments)
    except expected as error:
        if scope is not None and repr(scope) not in str(error):
            return [f"{method} with {what}: {expected.__name__} does not name the scope: {error}"]
        return []
    except Exception as error:
        return [f"{method} with {what}: {type(error).__name__} ({str(error)[:200]}) instead of {expected.__name__}"]
    return [f"{method} with {what}: answered instead of raising {expected.__name__}"]


# -- HTTP routes -------------------------------------------------------------------------------------------------------
PATH_VALUE = re.compile(r"<(?:[^:<>]+:)?[^<>]+>")  # werkzeug's <converter:name> in a route's url
PLACEHOLDER_ID = "00000000-0000-4000-8000-000000000000"


def http_routes(service_cls):
    """``{method name: (HTTP method, url, scope)}`` of every HTTP route of ``service_cls`` but Haven's
    ``public=True`` ones, in name order; the scope is :data:`PLAIN` for nameko's own ``@http`` (no token checked)."""
    from nameko.web.handlers import HttpRequestHandler

    from ..web.entrypoint import HavenHttp
    found = {}
    for name in sorted(dir(service_cls)):
        for extension in getattr(getattr(service_cls, name, None), ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(extension, HttpRequestHandler) and not getattr(extension, "public", False):
                scope = extension.scope if isinstance(extension, HavenHttp) else PLAIN
                found[name] = (extension.method.split(",")[0].strip().upper(), extension.url, scope)
    return found


def _status(harness, route, method, arguments, context):
    """The HTTP status of a request to ``route`` (its path from ``arguments[method]``, or its url with placeholder
    values) carrying ``context``'s authorization, if any."""
    verb, url, _ = route
    path = arguments.get(method) if isinstance(arguments.get(method), str) else PATH_VALUE.sub(PLACEHOLDER_ID, url)
    headers = {"Authorization": context["authorization"]} if "authorization" in context else {}
    request = urllib.request.Request(harness.base_url + path, method=verb, headers=headers,
                                     data=None if verb in ("GET", "HEAD") else b"")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _http_refusals(harness, routes, arguments):
    problems = []
    for method, route in routes.items():
        verb, url, scope = route
        refusals = [(what, context, 401) for what, context in bad_credentials()]
        if scope not in (None, PLAIN):
            refusals += [(f"{what} (needs {scope!r})", _bearer(make_token(*granted)), 403)
                         for what, granted in wrong_scopes(harness.container.service_name, scope)]
        for what, context, expected in refusals:
            status = _status(harness, route, method, arguments, context)
            if status != expected:
                problems.append(f"{method} ({verb} {url}) with {what}: HTTP {status} instead of {expected}")
    return problems


def _http_granted(harness, method, route, arguments):
    """Request ``route`` with a token holding just its scope: past authorisation, and a GET or a route that needs
    only a ``read`` scope changes nothing."""
    verb, url, scope = route
    reads = verb in ("GET", "HEAD") or str(scope).endswith(":read")
    before = snapshot(harness.database.engine) if reads else None
    token = make_token(scope if scope not in (None, PLAIN) else f"{harness.container.service_name}:read")
    status = _status(harness, route, method, arguments, _bearer(token))
    if status in (401, 403):
        return [f"{method} ({verb} {url}): HTTP {status} for a token with its own scope {scope!r}"]
    if reads:
        return [f"{method} ({verb} {url}) needs only {scope!r} but changed the database: {line}"
                for line in changes(before, snapshot(harness.database.engine))]
    return []


class RpcAuthTests:
    """Subclass as ``TestRpcAuth`` in a service's tests, naming the fixture that starts it (``harness``)."""

    harness = None  # the name of the fixture that gives the service's ServiceHarness
    open_methods = ()  # methods and routes any authenticated caller may call, with no scope (none in Haven so far)

    def arguments(self, harness):
        """``{method: args}`` for calls that would succeed with a good token (so a refused call that did run
        would show in the database), and ``{route method: path}`` for routes whose url has values; methods not
        named are called without arguments, routes with a placeholder id in each value."""
        return {}

    def test_every_entrypoint_refuses_bad_tokens_and_wrong_scopes_and_changes_nothing(self, request):
        harness = request.getfixturevalue(self.harness)
        problems = rpc_auth_problems(harness, self.arguments(harness), self.open_methods)
        assert not problems, "\n".join(problems)
