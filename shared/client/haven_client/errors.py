"""The errors a Haven call raises: the services' typed errors (by the name in the reply's ``exc_type``) and the
client's own (:class:`RpcTimeout`, :class:`UnknownService`, :class:`MethodNotFound`)."""
import json


class HavenError(Exception):
    """Base of every error this client raises. ``message`` is the service's sentence."""

    def __init__(self, message=""):
        self.message = message
        super().__init__(message)


class ValidationError(HavenError):
    """Bad input, nothing changed. ``errors`` maps each offending field (dotted path, e.g. ``household.members.0.sex``)
    to its reasons: a dict."""

    def __init__(self, errors):
        if isinstance(errors, str):
            try:
                errors = json.loads(errors)
            except ValueError:
                errors = {"_schema": [errors]}
        self.errors = {str(k): list(v) if isinstance(v, (list, tuple)) else [str(v)] for k, v in dict(errors).items()}
        super().__init__(json.dumps(self.errors, sort_keys=True))


class NotFound(HavenError):
    """No such record (or none the caller's organisation may see)."""


class Conflict(HavenError):
    """The record's state refuses the change (closed site, departed household, a taken unit...), or an idempotency
    key was reused with another payload."""


class Unauthenticated(HavenError):
    """No token, or one expired, malformed or not signed by this Haven: get a new token."""


class Forbidden(HavenError):
    """The token lacks the method's scope."""


class ServiceUnavailable(HavenError):
    """A service the call depends on did not answer in time: retry later."""


class InternalError(HavenError):
    """An unexpected failure in the service; the message carries a reference for its operators."""


class MalformedRequest(HavenError):
    """The service could not read the request (not the client's usual doing)."""


class RpcTimeout(HavenError):
    """No reply within the timeout. A write may still have been done: retry with the same idempotency key (the
    client's retries do) and it is answered, not done twice."""

    def __init__(self, service, method, timeout):
        self.service, self.method, self.timeout = service, method, timeout
        super().__init__(f"{service}.{method} did not answer within {timeout:g} s")


class UnknownService(HavenError):
    """No service of this name is running on the broker (a typo, or it is down): nothing was done."""

    def __init__(self, service):
        self.service = service
        super().__init__(f"no service {service!r} is listening (unknown, or not running); nothing was done")


class MethodNotFound(HavenError):
    """The service runs but has no such method (a typo, or an older version of the service): nothing was done."""


class RemoteError(HavenError):
    """Any other error a service returned: ``exc_type`` names it."""

    def __init__(self, exc_type, message=""):
        self.exc_type = exc_type
        super().__init__(f"{exc_type}: {message}")


ERRORS = {cls.__name__: cls for cls in (ValidationError, NotFound, Conflict, Unauthenticated, Forbidden,
                                         ServiceUnavailable, InternalError, MalformedRequest, MethodNotFound)}


def from_reply(error):
    """The typed error of a reply's ``error`` (``{"exc_type", "value", ...}``)."""
    exc_type, value = error.get("exc_type"), error.get("value") or ""
    cls = ERRORS.get(exc_type)
    if cls is None:
        return RemoteError(exc_type, value)
    return cls(value)


def item_error(item):
    """The typed error of one item of a bulk reply (``{"error": {"type", "message", "errors"}}``), or None when the
    item succeeded: the same type and field map as the single call raises."""
    error = item.get("error") if isinstance(item, dict) else None
    if not error:
        return None
    if error.get("type") == "ValidationError":
        return ValidationError(error.get("errors") or error.get("message") or {})
    cls = ERRORS.get(error.get("type"))
    return cls(error.get("message", "")) if cls else RemoteError(error.get("type"), error.get("message", ""))
