"""Input validation helpers: every RPC argument goes through one of these before anything is read or written."""
import re
import unicodedata
import uuid
from datetime import date

from marshmallow import Schema, ValidationError as MarshmallowError, fields, validate

from .errors import ValidationError, flatten_messages

MAX_TEXT = 200

_SURROGATE = re.compile("[\ud800-\udfff]")  # half of a UTF-16 pair alone: no text, and no database stores it
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # C0 and C1 controls but tab and line breaks
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")  # embeddings, overrides and isolates (Unicode UAX #9)


def text_problem(value):
    """Why ``value`` cannot be stored as a name or free text, or None. Refused: a lone surrogate, NUL and other
    control characters (tab and line breaks aside), bidirectional embeddings, overrides and isolates (U+202A-202E,
    U+2066-2069: they make text read other than it is stored), and text with no visible character (only spaces,
    zero-width or format characters). Marks such as U+200E and joiners inside a word remain allowed."""
    if _SURROGATE.search(value):
        return "Must be valid Unicode text (it holds a lone surrogate)."
    if _CONTROL.search(value):
        return "Must not contain control characters."
    if _BIDI_CONTROL.search(value):
        return "Must not contain bidirectional override or isolate characters."
    if not any(unicodedata.category(ch)[0] in "LNPS" for ch in value):
        return "Must contain a visible character."
    return None


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
    problem = text_problem(value)
    if problem:
        raise ValidationError({field: [problem]})
    return value.strip()


class Text(fields.String):
    """A trimmed, non-empty string of bounded length (huge strings are refused, not truncated) that is text a person
    can read as it is stored (:func:`text_problem`): for names and free text alike."""

    def __init__(self, max_length=MAX_TEXT, **kwargs):
        super().__init__(validate=validate.Length(min=1, max=max_length), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs).strip()
        problem = text_problem(value) if value else None  # an empty string is the Length validator's
        if problem:
            raise MarshmallowError(problem)
        return value


class UUIDString(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise MarshmallowError("Must be a uuid string.") from None


def not_in_future(value):
    """Must not be in the future (today at the latest).

    A marshmallow validator for a date (or datetime) field; the first line is what the references say of it."""
    day = value.date() if hasattr(value, "date") else value
    if day > date.today():
        raise MarshmallowError("Must not be in the future.")


def choice(values, **kwargs):
    return fields.String(validate=validate.OneOf(values, error="Must be one of: {choices}."), **kwargs)
