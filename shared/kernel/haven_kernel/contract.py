"""RPC contracts: what a partner must know of each ``@rpc`` method, declared next to the code and checked against it.

    CREATE_SITE = RpcContract(
        "Open a site (camp, collective centre...).",
        args={"site": SiteSchema},                     # a Schema class: one object argument; or a Field
        reply="The site as get_site returns it.",
        errors={"ValidationError": "a field is missing or wrong; `errors` names each one"},
        example=({"site": {...}}, {...}))              # one call's keyword arguments and its reply
    GET_SITREP = RpcContract("...", args=SitrepSchema)   # a Schema class alone: its fields are the keyword arguments

    @rpc(scope="shelter:write", contract=api.CREATE_SITE)
    def create_site(self, site): ...

The arguments' types, required flags, allowed values and limits come from the marshmallow schemas the method
validates with (:mod:`haven_kernel.jsonschema`); the entrypoint refuses to start when the contract's arguments are
not the method's parameters (names, and which have no default). The reply's shape is derived from the example reply.
``docs/rpc/<service>.md``, the AsyncAPI document and the gateway's OpenAPI document are generated from these.
"""
import inspect
from dataclasses import dataclass

from marshmallow import Schema, fields

from .jsonschema import field_schema

# Every method can answer these, whatever its contract says.
COMMON_ERRORS = {
    "Unauthenticated": "no token, or a token that is expired, malformed or not signed by this Haven",
    "Forbidden": "the token lacks the method's scope",
    "ValidationError": "an argument is missing, unknown or of the wrong type (`errors` maps `_arguments` or each "
                       "field to its reasons)",
    "InternalError": "an unexpected failure; the message carries a reference to find it in the service's logs",
}


class RpcContract:
    def __init__(self, summary, args=None, reply="", errors=None, example=None, writes=None, notes=""):
        self.summary = summary
        self.args = _arguments(args)
        self.reply = reply
        self.errors = dict(errors or {})
        self.example = example
        self.writes = writes
        self.notes = notes

    def argument_schema(self, name):
        return field_schema(self.args[name])

    def arguments_json_schema(self):
        """The keyword arguments as one JSON object (what the gateway takes as a request body)."""
        properties = {name: field_schema(field) for name, field in self.args.items()}
        required = [name for name, field in self.args.items() if field.required]
        found = {"type": "object", "properties": properties, "additionalProperties": False}
        if required:
            found["required"] = required
        return found

    def reply_json_schema(self):
        return shape_of(self.example[1]) if self.example else {}

    def all_errors(self):
        found = dict(COMMON_ERRORS)
        for name, when in self.errors.items():
            found[name] = f"{found[name]}; {when}" if name in found else when
        return found


def undeclared(fn):
    """What can be said of a method that declares no contract (yet): its parameters, untyped. The references still
    list it, marked, and ``tests/docs`` names it until it gets a contract."""
    parameters = [p for p in inspect.signature(fn).parameters.values() if p.name != "self"]
    args = {p.name: fields.Raw(required=True) if p.default is inspect.Parameter.empty else
            fields.Raw(allow_none=True, load_default=p.default) for p in parameters}
    doc = " ".join((fn.__doc__ or "").split())
    return RpcContract(f"{doc + ' ' if doc else ''}(No contract declared yet: arguments untyped.)", args=args)


def _arguments(args):
    if args is None:
        return {}
    if isinstance(args, type) and issubclass(args, Schema):
        return dict(args().fields)
    found = {}
    for name, value in args.items():
        if isinstance(value, type) and issubclass(value, Schema):
            value = fields.Nested(value, required=True)
        found[name] = value
    return found


def contract_problems(method_name, fn, contract):
    """Why ``contract`` does not describe ``fn`` (its parameters, and which are required), or []."""
    parameters = [p for p in inspect.signature(fn).parameters.values() if p.name != "self"]
    names = [p.name for p in parameters]
    problems = []
    if set(names) != set(contract.args):
        problems.append(f"{method_name}: the method takes {names}, its contract declares {list(contract.args)}")
    for parameter in parameters:
        field = contract.args.get(parameter.name)
        if field is not None and field.required != (parameter.default is inspect.Parameter.empty):
            problems.append(f"{method_name}: {parameter.name} is {'required' if field.required else 'optional'} "
                            f"in the contract but {'has' if parameter.default is not inspect.Parameter.empty else 'has no'}"
                            " default")
    if contract.example is not None:
        call, _ = contract.example
        unknown = set(call) - set(names)
        if unknown:
            problems.append(f"{method_name}: the example passes unknown arguments {sorted(unknown)}")
    return problems


@dataclass(frozen=True)
class RpcMethod:
    service: str
    name: str
    scope: str
    contract: RpcContract
    function: object
    undeclared: bool = False  # the method names no contract: ``contract`` is :func:`undeclared`'s

    @property
    def parameters(self):
        return [p for p in inspect.signature(self.function).parameters.values() if p.name != "self"]


def rpc_methods(service_cls):
    """The ``@rpc`` methods of a service class, in the order they are written."""
    found = []
    for name, value in vars(service_cls).items():
        marker = getattr(value, "haven_rpc", None)
        if marker is not None:
            scope, contract, fn = marker
            found.append(RpcMethod(service_cls.name, name, scope, contract or undeclared(fn), fn, contract is None))
    return found


def shape_of(value):
    """The JSON Schema of an example value: its keys and their types (what a reply looks like)."""
    if isinstance(value, dict):
        return {"type": "object", "properties": {str(k): shape_of(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"type": "array", "items": shape_of(value[0])} if value else {"type": "array"}
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, float):
        return {"type": "number"}
    if value is None:
        return {}
    return {"type": "string"}


def shape_differences(documented, actual, path="reply"):
    """Where ``actual`` (a real reply) has other keys than ``documented`` (the example), recursively; [] if none."""
    if isinstance(documented, dict) and isinstance(actual, dict):
        found = []
        if set(documented) != set(actual):
            found.append(f"{path}: documented keys {sorted(documented)} but got {sorted(actual)}")
        for key in set(documented) & set(actual):
            found += shape_differences(documented[key], actual[key], f"{path}.{key}")
        return found
    if isinstance(documented, list) and isinstance(actual, list) and documented and actual:
        return shape_differences(documented[0], actual[0], f"{path}[0]")
    return []


def load_examples(package):
    """``{method: (call, reply)}`` from ``<package>/examples.json``, written by the examples test
    (``HAVEN_WRITE_EXAMPLES=1 pytest tests/system/test_partner_kit.py``) from real calls; {} when absent."""
    import json
    from importlib.resources import files
    try:
        text = files(package).joinpath("examples.json").read_text()
    except FileNotFoundError:
        return {}
    return {name: (found["call"], found["reply"]) for name, found in json.loads(text).items()}
