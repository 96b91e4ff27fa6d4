"""The AsyncAPI 3.0.0 document of Haven's bus, as Haven's services see it: they *send* events (channel = the topic
exchange ``<source>.events`` and the event type as routing key) and *receive* RPC requests (channel = the
``nameko-rpc`` exchange and ``<service>.<method>``), replying to the request's ``reply_to`` (a partner's reply queue,
``reply.<broker username>.<uuid4 hex>``, exclusive and auto-delete, bound to ``nameko-rpc`` with its own name).
Message payloads are JSON Schema generated from the marshmallow schemas."""
from ..contract import rpc_methods
from ..events import EnvelopeSchema
from ..jsonschema import example_of, json_schema

RPC_EXCHANGE = "nameko-rpc"
HEADERS = {
    "type": "object",
    "description": "nameko's context headers, each a string: `nameko.authorization` (`Bearer <token>`, required), "
                   "`nameko.correlation_id` (optional, ≤ 100 characters: logs and events carry it), "
                   "`nameko.idempotency_key` (optional: a write retried with the same key is answered from the "
                   "first call's reply, not done again).",
    "properties": {"nameko.authorization": {"type": "string", "pattern": "^Bearer "},
                   "nameko.correlation_id": {"type": "string", "maxLength": 100},
                   "nameko.idempotency_key": {"type": "string", "maxLength": 200}},
    "required": ["nameko.authorization"],
}
REPLY = {
    "type": "object",
    "description": "Published to the `nameko-rpc` exchange with the request's `reply_to` as routing key and its "
                   "`correlation_id` as the AMQP correlation id. Exactly one of `result` and `error` is not null.",
    "properties": {
        "result": {"description": "The method's reply (see the RPC reference)."},
        "error": {"type": ["object", "null"], "properties": {
            "exc_type": {"type": "string", "enum": ["ValidationError", "NotFound", "Conflict", "Unauthenticated",
                                                    "Forbidden", "ServiceUnavailable", "InternalError",
                                                    "MethodNotFound", "UnknownService", "MalformedRequest"]},
            "exc_path": {"type": "string"}, "exc_args": {"type": "array"},
            "value": {"type": "string", "description": "For ValidationError, the JSON of the field map "
                                                       "`{\"site.lat\": [\"...\"]}`; else a sentence."}}}},
    "required": ["result", "error"],
}


def _envelope(entry):
    schema = json_schema(EnvelopeSchema)
    schema["properties"]["data"] = json_schema(entry.schema)
    schema["properties"]["event_type"] = {"type": "string", "const": entry.name}
    schema["properties"]["source"] = {"type": "string", "const": entry.source}
    schema["properties"]["schema_version"] = {"type": "integer", "const": entry.version}
    return schema


def _exchange(name, kind):
    return {"amqp": {"is": "routingKey", "exchange": {"name": name, "type": kind, "durable": True,
                                                      "autoDelete": False, "vhost": "/"}, "bindingVersion": "0.3.0"}}


def document(catalogue, services):
    channels, operations, messages = {}, {}, {}
    for entry in catalogue.all():
        key = f"{entry.source}.events.{entry.name}"
        message_id = f"{entry.source}.{entry.name}"
        if getattr(entry, "confidential", False):
            key = f"{entry.source}.confidential.{entry.name}"
        messages[message_id] = {
            "name": entry.name, "title": f"{entry.source}.{entry.name} v{entry.version}",
            "summary": entry.description.split("\n")[0], "contentType": "application/json", "payload": _envelope(entry),
            "examples": [{"payload": {"event_id": "3f2b8c1e-6d4a-4e0b-9a51-2c7d9e8f1a00", "event_type": entry.name,
                                      "schema_version": entry.version, "occurred_at": "2026-11-20T06:00:00+00:00",
                                      "source": entry.source, "correlation_id": "c0ffee00-0000-4000-8000-000000000000",
                                      "data": example_of(entry.schema)}}],
            "bindings": {"amqp": {"contentEncoding": "utf-8", "messageType": entry.name, "bindingVersion": "0.3.0"}}}
        channels[key] = {"address": entry.name, "title": f"{entry.source}.events / {entry.name}",
                         "description": f"Consumed in Haven by: {', '.join(entry.consumers) or 'nobody yet'}.",
                         "messages": {entry.name: {"$ref": f"#/components/messages/{message_id}"}},
                         "bindings": _exchange(f"{entry.source}.events", "topic")}
        if getattr(entry, "confidential", False):  # straight to each consumer's queue, never to the exchange
            channels[key].update({
                "address": "haven.{consumer}." + f"{entry.source}.{entry.name}",
                "title": f"{entry.source}.{entry.name} (confidential)",
                "description": f"Confidential: published on the default exchange with each consumer's queue name as "
                               f"routing key; consumers: {', '.join(entry.consumers)}.",
                "parameters": {"consumer": {"enum": list(entry.consumers), "description": "the consuming service"}},
                "bindings": {"amqp": {"is": "queue", "queue": {"name": f"haven.<consumer>.{entry.source}.{entry.name}",
                                                               "durable": True, "exclusive": False,
                                                               "autoDelete": False, "vhost": "/"},
                                      "bindingVersion": "0.3.0"}}})
        operations[f"publish.{message_id}"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{key}"},
            "summary": f"{entry.source} publishes {entry.name} (outbox, publisher confirms, persistent).",
            "messages": [{"$ref": f"#/channels/{key}/messages/{entry.name}"}]}
    channels["rpc.reply"] = {
        "address": "reply.{username}.{uuid}", "title": "a partner's reply queue",
        "description": "The caller's exclusive, auto-delete queue, named `reply.<broker username>.<uuid4 hex>` and "
                       "bound to `nameko-rpc` with its own name; requests name it in `reply_to`.",
        "parameters": {"username": {"description": "the caller's broker user name"},
                       "uuid": {"description": "32 lowercase hex digits (uuid4)"}},
        "messages": {"reply": {"$ref": "#/components/messages/rpc.reply"}},
        "bindings": _exchange(RPC_EXCHANGE, "topic")}
    messages["rpc.reply"] = {"name": "reply", "contentType": "application/json", "payload": REPLY,
                             "correlationId": {"location": "$message.header#/correlation_id"}}
    for cls in services:
        for method in rpc_methods(cls):
            _rpc(method, channels, operations, messages)
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Haven message bus", "version": "0.1.0",
                 "description": "Haven's events and RPC requests on RabbitMQ (AMQP 0-9-1). Generated from the code "
                                "by `make docs`; readable versions: docs/events.md and docs/rpc/."},
        "defaultContentType": "application/json",
        "servers": {"rabbitmq": {"host": "localhost:5672", "protocol": "amqp", "protocolVersion": "0.9.1",
                                 "description": "The deployment's RabbitMQ; a partner gets a broker user of its own."}},
        "channels": channels, "operations": operations, "components": {"messages": messages},
    }


def _rpc(method, channels, operations, messages):
    key = f"rpc.{method.service}.{method.name}"
    contract = method.contract
    payload = {"type": "object", "required": ["args", "kwargs"], "additionalProperties": False,
               "properties": {"args": {"type": "array", "maxItems": 0,
                                       "description": "Empty: pass every argument as a keyword."},
                              "kwargs": contract.arguments_json_schema()}}
    message = {"name": method.name, "title": f"{method.service}.{method.name}", "summary": contract.summary,
               "contentType": "application/json", "headers": HEADERS, "payload": payload,
               "correlationId": {"location": "$message.header#/correlation_id"},
               "description": f"Scope `{method.scope}`. Set the AMQP properties `reply_to` (your reply queue) and "
                              "`correlation_id`; the reply's `result` is described in docs/rpc/"
                              f"{method.service}.md#{method.name}."}
    if contract.example:
        message["examples"] = [{"payload": {"args": [], "kwargs": contract.example[0]}}]
    messages[key] = message
    channels[key] = {"address": f"{method.service}.{method.name}", "title": f"{method.service}.{method.name}",
                     "messages": {"request": {"$ref": f"#/components/messages/{key}"}},
                     "bindings": _exchange(RPC_EXCHANGE, "topic")}
    operations[key] = {"action": "receive", "channel": {"$ref": f"#/channels/{key}"}, "summary": contract.summary,
                       "messages": [{"$ref": f"#/channels/{key}/messages/request"}],
                       "reply": {"address": {"location": "$message.header#/reply_to"},
                                 "channel": {"$ref": "#/channels/rpc.reply"},
                                 "messages": [{"$ref": "#/channels/rpc.reply/messages/reply"}]}}
