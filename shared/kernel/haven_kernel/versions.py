"""Optimistic concurrency (issue 16 point 4): a record that changes carries a ``version`` (1 when created, one more
at each change); an update may name the version its caller read as ``expected_version``, and a record changed since
is a ``Conflict`` naming its current version, with nothing changed. Without ``expected_version`` the update is made
whatever the version.

A service declares the argument in its RPC contract with :func:`expected_version_field`, checks what it was sent
with :func:`expected_version` and compares, with the record locked, with :func:`require_version`."""
from marshmallow import fields, validate

from .errors import Conflict, ValidationError

FIELD = "expected_version"


def expected_version_field(kind="record"):
    """The contract's ``expected_version`` argument (optional; null or a whole number from 1)."""
    return fields.Integer(strict=True, allow_none=True, load_default=None, validate=validate.Range(min=1),
                          metadata={"description": f"the {kind}'s `version` as you read it: the change is refused "
                                                   "(Conflict) if it changed since; null (default) to change it "
                                                   "whatever its version", "example": 2})


def expected_version(value, kind="record"):
    """A caller's ``expected_version``: None (no check) or a whole number from 1; anything else is a
    ValidationError naming ``expected_version``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError({FIELD: [f"Must be a whole number of at least 1 (the {kind}'s `version` as you read "
                                       "it), or null."]})
    return value


def require_version(kind, record_id, current, expected):
    """Conflict when ``expected`` is given and differs from the record's ``current`` version."""
    if expected is not None and current != expected:
        raise Conflict(f"{kind} {record_id} is at version {current}, not {expected}: it changed since you read it; "
                       "read it again and decide")
