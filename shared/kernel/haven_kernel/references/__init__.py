"""The partner references, generated from the code: ``haven docs`` (``make docs``) writes them, a test regenerates
them and fails when what is committed differs.

* ``docs/rpc/<service>.md``: each RPC method's arguments, reply, errors, scope and an example (:mod:`.markdown`)
  from its :class:`~haven_kernel.contract.RpcContract`;
* ``docs/events.md``: each event's full schema (inner shapes, allowed values) and an example;
* ``docs/asyncapi.json``: AsyncAPI 3.0.0: the events' exchanges and routing keys and the RPC request and reply
  messages, with JSON Schema from the marshmallow schemas (:mod:`.asyncapi`);
* ``docs/openapi.json``: OpenAPI 3.1.0 of the HTTPS/JSON gateway, from the same contracts (:mod:`.openapi`);
* ``shared/client/haven_client/methods.py``: the partner client's typed methods (:mod:`.client`).
"""
import importlib
import json
from pathlib import Path

from ..contract import rpc_methods

RPC_DIR = "rpc"


def discover_services(root):
    """The service classes of ``root``'s ``services/<name>/`` (each ``haven_<name>.service``), by name."""
    from ..service import HavenService
    found = []
    for pyproject in sorted(Path(root).glob("services/*/pyproject.toml")):
        name = pyproject.parent.name
        module = importlib.import_module(f"haven_{name}.service")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, HavenService) and value is not HavenService \
                    and value.__module__ == module.__name__:
                found.append(value)
    return found


def partner_services(services):
    """Services with partner RPC methods (the gateway has none of its own)."""
    return [cls for cls in services if rpc_methods(cls)]


CLIENT_METHODS = "shared/client/haven_client/methods.py"
GATEWAY_OPENAPI = "services/gateway/haven_gateway/openapi.json"


def generate(root, catalogue, where):
    """``{path relative to the repository: text}`` of every reference, and of the client's generated methods."""
    from . import asyncapi, client, markdown, openapi
    services = partner_services(discover_services(root))
    files = {"docs/events.md": markdown.events_page(catalogue, where),
             f"docs/{RPC_DIR}/README.md": markdown.rpc_index(services),
             "docs/asyncapi.json": _json(asyncapi.document(catalogue, services)),
             "docs/openapi.json": _json(openapi.document(services)),
             GATEWAY_OPENAPI: _json(openapi.document(services)),  # what the gateway serves
             CLIENT_METHODS: client.source(services)}
    for cls in services:
        files[f"docs/{RPC_DIR}/{cls.name}.md"] = markdown.rpc_page(cls)
    return files


def _json(document):
    return json.dumps(document, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def write(root, files):
    for relative, text in files.items():
        path = Path(root) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def stale(root, files):
    """The generated files whose committed copy under ``root`` differs (or is missing)."""
    found = []
    for relative, text in files.items():
        path = Path(root) / relative
        if not path.exists() or path.read_text() != text:
            found.append(relative)
    return found
