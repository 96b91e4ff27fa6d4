"""The OpenAPI 3.1.0 document of the HTTPS/JSON gateway, from the RPC contracts: one ``POST /rpc/<service>/<method>``
per partner method, its JSON body the method's keyword arguments, its 200 reply the method's reply, typed errors as
``{"error": <type>, "message", "errors"}`` (the kernel's error body) with the status codes of :data:`STATUS`."""
from ..contract import rpc_methods

from ..web.entrypoint import MAX_BODY_BYTES

# What each typed error is over HTTP (the gateway maps them; the README's error table says the same).
STATUS = {"ValidationError": 400, "Unauthenticated": 401, "Forbidden": 403, "NotFound": 404, "MethodNotFound": 404,
          "Conflict": 409, "RequestEntityTooLarge": 413, "InternalError": 500, "UnknownService": 503,
          "ServiceUnavailable": 503, "RpcTimeout": 504}

ERROR = {"type": "object", "required": ["error", "message"], "properties": {
    "error": {"type": "string", "enum": list(STATUS), "description": "The error's type."},
    "message": {"type": "string"},
    "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
               "description": "ValidationError only: each offending field (dotted path) and its reasons."}}}


def _operation(method):
    contract = method.contract
    writes = bool(contract.writes)
    responses = {"200": {"description": contract.reply or "The reply.",
                         "content": {"application/json": {"schema": contract.reply_json_schema() or {}}}}}
    if contract.example:
        responses["200"]["content"]["application/json"]["example"] = contract.example[1]
    for name, when in contract.all_errors().items():
        code = str(STATUS.get(name, 500))
        found = responses.setdefault(code, {"description": "", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"}}}})
        found["description"] = "; ".join(filter(None, [found["description"], f"{name}: {when}"]))
    for name, when in (("RequestEntityTooLarge", f"the body is over {MAX_BODY_BYTES:,} bytes"),
                       ("RpcTimeout", "the service did not answer in time (a write may still have been done: retry "
                                      "with the same Idempotency-Key)")):
        responses.setdefault(str(STATUS[name]), {"description": f"{name}: {when}", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
    body = {"required": True, "content": {"application/json": {"schema": contract.arguments_json_schema()}}}
    if contract.example:
        body["content"]["application/json"]["example"] = contract.example[0]
    operation = {"operationId": f"{method.service}.{method.name}", "tags": [method.service],
                 "summary": contract.summary.split(". ")[0].rstrip(".")[:120], "description":
                 f"{contract.summary}\n\nScope: `{method.scope}`.", "requestBody": body, "responses": responses,
                 "security": [{"bearer": []}]}
    if writes:
        operation["parameters"] = [{"name": "Idempotency-Key", "in": "header", "required": False, "schema": {
            "type": "string", "maxLength": 200}, "description": "Send one per write: a retry with the same key and "
            "body is answered with the first reply, not done again; with another body it is a Conflict."}]
    return operation


def document(services):
    paths = {}
    for cls in services:
        for method in rpc_methods(cls):
            paths[f"/rpc/{method.service}/{method.name}"] = {"post": _operation(method)}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Haven partner gateway", "version": "0.1.0",
                 "description": "Haven's partner RPC methods over HTTPS/JSON, for partners who cannot speak AMQP. "
                                "The same tokens (`Authorization: Bearer <token>`), scopes and typed errors as RPC. "
                                "Generated from the code by `make docs`; served by the gateway at /openapi.json."},
        "servers": [{"url": "http://localhost:8006", "description": "make run (behind TLS in a deployment)"}],
        "paths": paths,
        "components": {"schemas": {"Error": ERROR},
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
    }
