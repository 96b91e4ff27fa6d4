"""``shared/client/haven_client/methods.py``: one typed method per partner RPC method, written from the contracts (the
client itself stays free of the kernel: it gets this file, not the contracts)."""
from ..contract import rpc_methods

HEADER = '''"""One typed method per Haven RPC method. Generated from the services' RPC contracts by `make docs` (`haven docs`);
do not edit: a test fails when it is stale. The references: docs/rpc/<service>.md."""
from typing import Any, Optional

from .base import ServiceClient
'''
PY_TYPES = {"object": "dict", "array": "list", "string": "str", "integer": "int", "number": "float",
            "boolean": "bool"}


def annotation(schema):
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds] if kinds else []
    names = [PY_TYPES[k] for k in kinds if k in PY_TYPES]
    name = names[0] if len(names) == 1 else "Any"
    return f"Optional[{name}]" if "null" in kinds else name


def _wrap(text, indent, width=112):
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(indent) + len(line) + 1 + len(word) > width:
            lines.append(indent + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(indent + line)
    return lines


def source(services):
    lines = [HEADER]
    names = []
    for cls in services:
        class_name = "".join(part.title() for part in cls.name.split("_"))
        names.append((cls.name, class_name))
        lines += ["", f"class {class_name}(ServiceClient):", f'    """`{cls.name}`\'s methods (docs/rpc/{cls.name}.md)."""',
                  "", f'    service = "{cls.name}"']
        for method in rpc_methods(cls):
            lines += [""] + _method(method)
    lines += ["", "", "SERVICES = {" + ", ".join(f'"{name}": {cls}' for name, cls in names) + "}", ""]
    return "\n".join(lines)


def _method(method):
    contract = method.contract
    parameters, keywords = [], []
    for parameter in method.parameters:
        field_schema = contract.argument_schema(parameter.name)
        kind = annotation(field_schema)
        if parameter.default is parameter.empty:
            parameters.append(f"{parameter.name}: {kind}")
        else:
            parameters.append(f"{parameter.name}: {kind if kind.startswith('Optional') else f'Optional[{kind}]'} "
                              f"= {parameter.default!r}")
        keywords.append(f'"{parameter.name}": {parameter.name}')
    extra = ["idempotency_key: Optional[str] = None"] if contract.writes else []
    extra.append("timeout: Optional[float] = None")
    signature = ", ".join(["self", *parameters, "*", *extra]) if parameters else ", ".join(["self", "*", *extra])
    returns = annotation(contract.reply_json_schema()) if contract.example else "Any"
    doc = _wrap(f"{contract.summary} Scope `{method.scope}`. Errors: {', '.join(contract.errors) or 'none of its own'}.",
                "        ")
    head = f"    def {method.name}({signature}) -> {returns}:"
    if len(head) > 120:
        head = f"    def {method.name}(\n            " + f",\n            ".join(signature.split(", ")) + \
               f"\n    ) -> {returns}:"
    call = (f'        return self._call("{method.name}", {{{", ".join(keywords)}}}, writes=True, '
            f"idempotency_key=idempotency_key, timeout=timeout)" if contract.writes else
            f'        return self._call("{method.name}", {{{", ".join(keywords)}}}, timeout=timeout)')
    if len(call) > 120:
        call = call.replace(", writes=True", ",\n                          writes=True").replace(
            "}, timeout=timeout)", "},\n                          timeout=timeout)")
    return [head, '        """' + doc[0].strip(), *doc[1:], '        """', call]
