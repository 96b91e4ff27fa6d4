"""An HTTP request to ``POST /rpc/<service>/<method>`` forwarded as that RPC call, with the partner's own token, and
its reply or typed error as JSON (the kernel's error body ``{"error", "message", "errors"}``; status codes in
:data:`STATUS`, which the OpenAPI document states too).

Only the partner methods the client knows (``haven_client.methods``, generated from the contracts) are forwarded;
the gateway checks the token's signature before anything goes on the bus, and the service checks its scope. A
write's ``Idempotency-Key`` header is passed on as the call's idempotency key; without one the gateway sends a new
key, so a partner that retries should send its own."""
import inspect
import json
import re

from haven_client import errors
from haven_client.methods import SERVICES
from haven_kernel.errors import NotFound, ValidationError
from haven_kernel.references.openapi import STATUS
from haven_kernel.web import json_response

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII, no spaces


def _routes():
    """``{(service, method): writes}`` of every partner method."""
    found = {}
    for service, cls in SERVICES.items():
        for name, member in vars(cls).items():
            if callable(member) and not name.startswith("_"):
                found[(service, name)] = "idempotency_key" in inspect.signature(member).parameters
    return found


ROUTES = _routes()


def arguments(request, service, method):
    """``(kwargs, writes, idempotency key)`` of a request, or the typed error that refuses it."""
    if (service, method) not in ROUTES:
        raise NotFound(f"no partner method {service}.{method}; see /openapi.json")
    writes = ROUTES[(service, method)]
    raw = request.get_data(cache=False)
    try:
        kwargs = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValidationError({"_body": ["Must be a JSON object of the method's arguments."]}) from None
    if not isinstance(kwargs, dict):
        raise ValidationError({"_body": ["Must be a JSON object of the method's arguments."]})
    key = request.headers.get("Idempotency-Key")
    if key is not None and not IDEMPOTENCY_KEY.match(key):
        raise ValidationError({"Idempotency-Key": ["Must be 1 to 200 printable ASCII characters, no spaces."]})
    return kwargs, writes, key if writes else None


def forward(pool, request, service, method):
    kwargs, writes, key = arguments(request, service, method)
    token = request.headers["Authorization"].split(" ", 1)[1].strip()  # the kernel has verified it
    try:
        with pool.client() as client:
            result = client.call(service, method, kwargs, writes=writes, idempotency_key=key, token=token,
                                 correlation_id=request.haven.correlation_id)
    except errors.HavenError as exc:
        return error_response(exc)
    return json_response(result)


def error_response(exc):
    name = type(exc).__name__ if not isinstance(exc, errors.RemoteError) else "InternalError"
    body = {"error": name, "message": exc.message if not isinstance(exc, errors.ValidationError) else str(exc)}
    if isinstance(exc, errors.ValidationError):
        body["errors"] = exc.errors
    return json_response(body, status=STATUS.get(name, 500))
