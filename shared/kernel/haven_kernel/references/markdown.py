"""The readable references: one page per service's RPC methods, an index of them, and the events page. Each field is
a row (dotted path, type, required, allowed values and limits), inner shapes included."""
import json
import pprint

from ..contract import rpc_methods
from ..events import EnvelopeSchema, consumer_queue_name
from ..jsonschema import example_of, json_schema

GENERATED = "Generated from the code by `make docs` (`haven docs`); do not edit: a test fails when it is stale."


def schema_rows(schema, path="", required=True):
    """``(path, type, required, limits)`` for a JSON Schema and every field inside it."""
    rows = []
    kind = _type(schema)
    if path:
        rows.append((path, kind, required, _limits(schema)))
    if schema.get("type") == "object" or "properties" in schema:
        needed = set(schema.get("required", ()))
        for name, inner in schema.get("properties", {}).items():
            rows += schema_rows(inner, f"{path}.{name}" if path else name, name in needed)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            keys = (schema.get("propertyNames") or {}).get("enum")
            key = "<" + "|".join(keys) + ">" if keys else "<key>"
            rows += schema_rows(extra, f"{path}.{key}" if path else key, False)
    elif _types(schema) & {"array"} and isinstance(schema.get("items"), dict):
        rows += [row for row in schema_rows(schema["items"], f"{path}[]", True) if row[0] != f"{path}[]"
                 or _is_leaf(schema["items"])]
    return rows


def _is_leaf(schema):
    return not (schema.get("type") == "object" or "properties" in schema)


def _types(schema):
    kind = schema.get("type", [])
    return set(kind if isinstance(kind, list) else [kind])


def _type(schema):
    kinds = [k for k in (schema.get("type") if isinstance(schema.get("type"), list) else [schema.get("type")]) if k]
    name = " or ".join(k for k in kinds if k != "null") or "any"
    if schema.get("format"):
        name = {"date": "date (YYYY-MM-DD)", "date-time": "date-time (ISO 8601, with offset)",
                "uuid": "uuid"}.get(schema["format"], schema["format"])
    if schema.get("type") == "array" or "array" in kinds:
        inner = schema.get("items") or {}
        name = f"list of {_type(inner) if _is_leaf(inner) else 'objects'}"
    if "null" in kinds:
        name += ", or null"
    return name


def _limits(schema):
    parts = []
    if "enum" in schema:
        parts.append("one of: " + ", ".join(f"`{v}`" for v in schema["enum"] if v is not None))
    if "minLength" in schema or "maxLength" in schema:
        parts.append(f"{schema.get('minLength', 0)} to {schema['maxLength']} characters" if "maxLength" in schema
                     else f"at least {schema['minLength']} character(s)")
    for key, word in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"), ("exclusiveMaximum", "<")):
        if key in schema:
            parts.append(f"{word} {schema[key]}")
    if "minItems" in schema:
        parts.append(f"at least {schema['minItems']} item(s)")
    if "maxItems" in schema:
        parts.append(f"at most {schema['maxItems']:,} items")
    if "pattern" in schema:
        parts.append(f"pattern `{schema['pattern']}`")
    if "default" in schema:
        parts.append(f"default `{json.dumps(schema['default'])}`")
    if schema.get("description") and _is_leaf(schema):
        parts.append(schema["description"])
    return "; ".join(parts).replace("|", "\\|")


def field_table(rows, header="field"):
    lines = [f"| {header} | type | required | allowed values and limits |", "| --- | --- | --- | --- |"]
    lines += [f"| `{path}` | {kind} | {'yes' if required else 'no'} | {limits} |" for path, kind, required, limits in rows]
    return lines


def python_call(callee, kwargs, width=100):
    """A call as Python a partner can paste (True/None, not JSON's true/null), wrapped when long."""
    one_line = f"{callee}(" + ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) + ")"
    if len(one_line) <= width:
        return one_line
    parts = [f"    {k}=" + pprint.pformat(v, width=width - 5 - len(k), sort_dicts=False).replace(
        "\n", "\n" + " " * (5 + len(k))) + "," for k, v in kwargs.items()]
    return "\n".join([f"{callee}(", *parts, ")"])


def _json_block(value):
    return ["```json", json.dumps(value, indent=2, ensure_ascii=False), "```"]


# -- RPC -----------------------------------------------------------------------------------------------------------
def rpc_index(services):
    lines = ["# Haven RPC reference", "", GENERATED, "",
             "Partners call `<service>.<method>` with keyword arguments, with the Python client (`haven-client`, "
             "its five-minute tutorial is `shared/client/README.md` in this repository), over AMQP in any language ([asyncapi.json](../asyncapi.json)"
             ") or through the HTTPS gateway ([openapi.json](../openapi.json)). Every call carries a token; each "
             "method needs the scope it names (`admin` passes everywhere).", ""]
    for cls in services:
        lines.append(f"## [{cls.name}]({cls.name}.md)")
        lines.append("")
        lines += [f"- [`{m.name}`]({cls.name}.md#{m.name}) ({m.scope}): {m.contract.summary.split('. ')[0].rstrip('.')}."
                  for m in rpc_methods(cls)]
        lines.append("")
    return "\n".join(lines)


def rpc_page(cls):
    methods = rpc_methods(cls)
    lines = [f"# `{cls.name}`: RPC methods", "", GENERATED, "",
             f"Call them as `{cls.name}.<method>` on the `nameko-rpc` exchange, or with the client as "
             f"`client.{cls.name}.<method>(...)`, or as `POST /rpc/{cls.name}/<method>` on the gateway. "
             "Arguments are keywords. Errors are typed: see [the error table](../../README.md#for-partners).", ""]
    for method in methods:
        lines += _method_section(method)
    return "\n".join(lines)


def _method_section(method):
    contract = method.contract
    names = ", ".join(p.name if p.default is p.empty else f"{p.name}=None" for p in method.parameters)
    lines = [f"<a id=\"{method.name}\"></a>", f"## `{method.name}({names})`", "", contract.summary, "",
             f"- scope: `{method.scope}`",
             f"- writes: {'yes: send an idempotency key so that a retry is answered, not done twice' if contract.writes else 'no'}"]
    lines += [f"- {contract.notes}", ""] if contract.notes else [""]
    if contract.args:
        lines += ["### Arguments", ""]
        rows = []
        for name in contract.args:
            rows += schema_rows(contract.argument_schema(name), name, contract.args[name].required)
        lines += field_table(rows, "argument") + [""]
    else:
        lines += ["No arguments.", ""]
    lines += ["### Reply", "", contract.reply or "See the example.", ""]
    lines += ["### Errors", "", "| error | when |", "| --- | --- |"]
    lines += [f"| `{name}` | {when} |" for name, when in contract.all_errors().items()] + [""]
    if contract.example:
        call, reply = contract.example
        lines += ["### Example", "", "```python", python_call(f"client.{method.service}.{method.name}", call), "```",
                  "", "Reply:", ""] + _json_block(reply) + [""]
    return lines


# -- events ----------------------------------------------------------------------------------------------------------
def events_page(catalogue, where):
    lines = ["# Haven events", "", f"Generated from `{where}` by `make docs` (`haven docs`); do not edit: a test "
             "fails when it is stale.", "",
             "Every event travels as JSON in this envelope, published to the topic exchange `<source>.events` with "
             "the event type as routing key (persistent, publisher-confirmed). A consumer binds a durable queue of "
             "its own to the routing keys it needs. Events can arrive more than once and out of order: use "
             "`event_id` to skip duplicates and `version` (households) or `occurred_at` to skip stale ones. A "
             "confidential event goes only to its consumers' queues (the default exchange, routing key = the queue "
             "name `haven.<consumer>.<source>.<event>`), never to the exchange. "
             "Machine-readable: [asyncapi.json](asyncapi.json) (AsyncAPI 3).", ""]
    lines += field_table(schema_rows(json_schema(EnvelopeSchema)), "envelope field") + [""]
    for entry in catalogue.all():
        schema = json_schema(entry.schema)
        where = (f"Confidential: delivered to its consumers' queues only ("
                 + ", ".join(f"`{consumer_queue_name(c, entry.source, entry.name)}`" for c in entry.consumers)
                 + ")." if getattr(entry, "confidential", False)
                 else f"Exchange `{entry.source}.events`, routing key `{entry.name}`.")
        lines += [f"## `{entry.source}.{entry.name}` v{entry.version}", "", entry.description, "",
                  f"{where} Consumed in Haven by: {', '.join(entry.consumers) or 'nobody yet'}.", ""]
        lines += field_table(schema_rows(schema, "data")) + [""]
        lines += ["Example `data`:", ""] + _json_block(example_of(entry.schema)) + [""]
    return "\n".join(lines)
