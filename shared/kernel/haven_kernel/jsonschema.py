"""marshmallow schemas and fields as JSON Schema (draft 7, what AsyncAPI 3 and OpenAPI 3.0 both read), so the
references partners read are generated from the very schemas the services validate with.

    json_schema(SiteSchema)            # {"type": "object", "properties": {...}, "required": [...], ...}
    field_schema(fields.Integer(...))  # {"type": "integer", "minimum": 0}
    example_of(SiteSchema)             # a value the schema accepts, the same every time (for examples)

What a validator checks that JSON Schema cannot say (a function such as ``not_in_future``) is named in the field's
``description`` from the validator's docstring's first line. Unknown fields are refused by every Haven schema, so an
object's ``additionalProperties`` is false.
"""
import uuid
from datetime import date, datetime, timezone

from marshmallow import Schema, fields, validate

from . import validation

EXAMPLE_DATE = date(2026, 11, 20)
EXAMPLE_TIME = datetime(2026, 11, 20, 6, 0, tzinfo=timezone.utc)
EXAMPLE_UUID = "3f2b8c1e-6d4a-4e0b-9a51-2c7d9e8f1a00"


def _schema_instance(schema):
    return schema() if isinstance(schema, type) else schema


def json_schema(schema):
    """The JSON Schema of a marshmallow ``schema`` (class or instance): an object of its fields."""
    instance = _schema_instance(schema)
    properties, required = {}, []
    for name, field in instance.fields.items():
        if field.load_only is False and field.dump_only:
            continue
        key = field.data_key or name
        properties[key] = field_schema(field)
        if field.required:
            required.append(key)
    found = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        found["required"] = required
    doc = (type(instance).__doc__ or "").strip()
    if doc:
        found["description"] = " ".join(doc.split())
    return found


def field_schema(field):
    """The JSON Schema of one marshmallow field, with its limits and allowed values."""
    found = _base(field)
    notes = [found.pop("description")] if "description" in found and not isinstance(field, fields.Nested) else []
    for validator in getattr(field, "validators", ()):
        _apply(found, validator, notes)
    if field.allow_none and "type" in found:
        types = found["type"] if isinstance(found["type"], list) else [found["type"]]
        found["type"] = [*types, "null"]
        if "enum" in found:
            found["enum"] = [*found["enum"], None]
    if field.load_default is not None and field.load_default is not fields.missing_ and \
            not callable(field.load_default):
        found["default"] = field.load_default
    if notes:
        found["description"] = " ".join(notes)
    return found


def _base(field):
    if isinstance(field, fields.Nested):
        nested = json_schema(field.nested() if callable(field.nested) and not isinstance(field.nested, type)
                             else field.nested)
        if field.many:
            return {"type": "array", "items": nested}
        return nested
    if isinstance(field, fields.List):
        return {"type": "array", "items": field_schema(field.inner)}
    if isinstance(field, fields.Dict):
        found = {"type": "object"}
        if field.value_field is not None:
            found["additionalProperties"] = field_schema(field.value_field)
        if field.key_field is not None:
            keys = field_schema(field.key_field)
            if "enum" in keys:
                found["propertyNames"] = {"enum": keys["enum"]}
            elif "maxLength" in keys:
                found["propertyNames"] = {"maxLength": keys["maxLength"]}
        return found
    if isinstance(field, fields.Boolean):
        return {"type": "boolean"}
    if isinstance(field, fields.Integer):
        return {"type": "integer"}
    if isinstance(field, (fields.Float, fields.Decimal, fields.Number)):
        return {"type": "number"}
    if isinstance(field, (fields.AwareDateTime, fields.DateTime)):
        return {"type": "string", "format": "date-time"}
    if isinstance(field, fields.Date):
        return {"type": "string", "format": "date"}
    if isinstance(field, (fields.UUID, validation.UUIDString)):
        return {"type": "string", "format": "uuid"}
    if isinstance(field, validation.Text):
        return {"type": "string", "description": "Trimmed text a person can read."}
    if isinstance(field, fields.String):
        return {"type": "string"}
    return {}


def _apply(found, validator, notes):
    if isinstance(validator, validate.OneOf):
        found["enum"] = list(validator.choices)
    elif isinstance(validator, validate.Range):
        if validator.min is not None:
            found["minimum" if validator.min_inclusive else "exclusiveMinimum"] = validator.min
        if validator.max is not None:
            found["maximum" if validator.max_inclusive else "exclusiveMaximum"] = validator.max
    elif isinstance(validator, validate.Length):
        array = found.get("type") == "array"
        if validator.min is not None:
            found["minItems" if array else "minLength"] = validator.min
        if validator.max is not None:
            found["maxItems" if array else "maxLength"] = validator.max
        if validator.equal is not None:
            found["minItems" if array else "minLength"] = found["maxItems" if array else "maxLength"] = validator.equal
    elif isinstance(validator, validate.Regexp):
        found["pattern"] = validator.regex.pattern.replace(r"\A", "^").replace(r"\Z", "$")
    else:
        doc = (getattr(validator, "__doc__", None) or "").strip().splitlines()
        if doc and callable(validator) and getattr(validator, "__module__", "").startswith("haven"):
            notes.append(doc[0].rstrip(".") + ".")


# -- examples ------------------------------------------------------------------------------------------------------
def example_of(schema, required_only=False):
    """A value ``schema`` accepts, built from its fields (the first allowed value, the lower limit), the same on
    every run: the examples of the event references."""
    instance = _schema_instance(schema)
    return {(field.data_key or name): example_value(field) for name, field in instance.fields.items()
            if field.required or not required_only}


def example_value(field):
    if isinstance(field, fields.Nested):
        nested = field.nested() if callable(field.nested) and not isinstance(field.nested, type) else field.nested
        value = example_of(nested)
        return [value] if field.many else value
    schema = field_schema(field)
    given = _validator_example(field)
    if given is not None:
        return given
    if isinstance(field, fields.List):
        return [example_value(field.inner)]
    if isinstance(field, fields.Dict):
        keys = (schema.get("propertyNames") or {}).get("enum")
        value = example_value(field.value_field) if field.value_field is not None else "value"
        if keys:
            return {key: value for key in keys}
        key = _validator_example(field.key_field) if field.key_field is not None else None
        return {key or "key": value}
    if "enum" in schema:
        return next(v for v in schema["enum"] if v is not None)
    kind = schema.get("type")
    kind = [k for k in kind if k != "null"][0] if isinstance(kind, list) else kind
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        value = max(low, 1) if "exclusiveMinimum" not in schema else low + 1
        if "maximum" in schema:
            value = min(value, schema["maximum"])
        return int(value) if kind == "integer" else float(value)
    fmt = schema.get("format")
    if fmt == "uuid":
        return EXAMPLE_UUID
    if fmt == "date":
        return EXAMPLE_DATE.isoformat()
    if fmt == "date-time":
        return EXAMPLE_TIME.isoformat()
    return "text"[:schema.get("maxLength", 4)] or "t"


def _validator_example(field):
    """A value the field (``metadata={"example": "2026-W47"}``) or a function validator (``validator.example =
    "SC-CH"``) offers as its example: what the schema's limits alone cannot guess (a pattern, a code from a list kept
    elsewhere)."""
    if (getattr(field, "metadata", None) or {}).get("example") is not None:
        return field.metadata["example"]
    for validator in getattr(field, "validators", ()):
        if getattr(validator, "example", None) is not None:
            return validator.example
    return None


def new_example_uuid(index):
    """A fixed uuid per index, for examples that need several."""
    return str(uuid.UUID(int=uuid.UUID(EXAMPLE_UUID).int + index))
