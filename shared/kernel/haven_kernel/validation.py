"""Input validation helpers: every RPC argument goes through one of these before anything is read or written."""
import uuid
from datetime import date

from marshmallow import Schema, ValidationError as MarshmallowError, fields, validate

from .errors import ValidationError, flatten_messages

MAX_TEXT = 200


def load(schema: Schema, data, field=None, partial=False):
    """Validate ``data`` with ``schema``; raise :class:`ValidationError` naming every bad field, under ``field``."""
    if not isinstance(data, dict):
        raise ValidationError({field or "_schema": ["Must be an object."]})
    try:
        return schema.load(data, partial=partial)
    except MarshmallowError as exc:
        raise ValidationError(flatten_messages(exc.messages, field or "")) from None


def parse_uuid(value, field):
    """A uuid string, normalised; anything else is a ValidationError naming ``field``."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str) or len(value) > 64:
        raise ValidationError({field: ["Must be a uuid string."]})
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValidationError({field: ["Must be a uuid string."]}) from None


def one_of(field, value, choices):
    if value not in choices:
        raise ValidationError({field: [f"Must be one of: {', '.join(choices)}."]})
    return value


def optional_text(field, value, max_length=MAX_TEXT):
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise ValidationError({field: [f"Must be a non-empty string of at most {max_length} characters."]})
    return value.strip()


class Text(fields.String):
    """A trimmed, non-empty string of bounded length (huge strings are refused, not truncated)."""

    def __init__(self, max_length=MAX_TEXT, **kwargs):
        super().__init__(validate=validate.Length(min=1, max=max_length), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        return value.strip()


class UUIDString(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise MarshmallowError("Must be a uuid string.") from None


def not_in_future(value):
    """A marshmallow validator for a date (or datetime) field: today at the latest."""
    day = value.date() if hasattr(value, "date") else value
    if day > date.today():
        raise MarshmallowError("Must not be in the future.")


def choice(values, **kwargs):
    return fields.String(validate=validate.OneOf(values, error="Must be one of: {choices}."), **kwargs)
