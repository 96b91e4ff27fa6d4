"""Typed errors that partners see.

Each one is declared as an ``expected_exception`` of every Haven RPC entrypoint, so nameko does not log it as a
crash, and each is registered with nameko's exception registry, so a caller that has the kernel installed gets the
same type back; a partner without it gets ``RemoteError`` whose ``exc_type`` is the class name below.
"""
import json

from nameko.exceptions import deserialize_to_instance


class HavenError(Exception):
    """Base of every error a Haven service returns on purpose."""


@deserialize_to_instance
class ValidationError(HavenError):
    """Bad input. ``errors`` maps each offending field (dotted path, e.g. ``members.0.sex``) to its reasons.

    ``str(error)`` is the JSON of that mapping, which is what a partner reads in ``RemoteError.value``.
    """

    def __init__(self, errors):
        if isinstance(errors, str):
            try:
                errors = json.loads(errors)
            except ValueError:
                errors = {"_schema": [errors]}
        self.errors = {str(k): list(v) if isinstance(v, (list, tuple)) else [str(v)] for k, v in errors.items()}
        super().__init__(json.dumps(self.errors, sort_keys=True))


@deserialize_to_instance
class NotFound(HavenError):
    pass


@deserialize_to_instance
class Conflict(HavenError):
    pass


@deserialize_to_instance
class Unauthenticated(HavenError):
    pass


@deserialize_to_instance
class Forbidden(HavenError):
    pass


@deserialize_to_instance
class InternalError(HavenError):
    """What a caller sees of an unexpected failure: a reference to find it in the logs, no internals."""


@deserialize_to_instance
class ServiceUnavailable(HavenError):
    """A service this call depends on did not answer in time, or the service's own database is unavailable: try
    again later (with the same ``idempotency_key`` for a write)."""


EXPECTED = (ValidationError, NotFound, Conflict, Unauthenticated, Forbidden, ServiceUnavailable)


class EventContractError(Exception):
    """An event does not match its catalogue entry (a bug in the producer, or a malformed incoming event)."""


def flatten_messages(messages, prefix=""):
    """Turn marshmallow's nested error dict into ``{"members.0.sex": [...]}``."""
    flat = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema" and prefix:
                path = prefix
            flat.update(flatten_messages(value, path))
    elif isinstance(messages, (list, tuple)) and messages and all(isinstance(m, str) for m in messages):
        flat.setdefault(prefix or "_schema", []).extend(messages)
    elif isinstance(messages, (list, tuple)):
        for item in messages:
            flat.update(flatten_messages(item, prefix))
    else:
        flat.setdefault(prefix or "_schema", []).append(str(messages))
    return flat


def item_error(exc, **extra):
    """One refused item of a bulk reply, every bulk and sync call of every service alike:
    ``{"error": {"type", "message", "errors"}}``, the type, message and field map (a dict, the same field names as
    the single call gives; ``{}`` for an error without fields) that the single call would raise for that item."""
    return {**extra, "error": {"type": type(exc).__name__, "message": str(exc),
                               "errors": dict(getattr(exc, "errors", None) or {})}}
