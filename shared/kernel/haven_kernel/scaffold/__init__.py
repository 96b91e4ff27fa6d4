"""``haven new-service <name> --port N``: a new service's skeleton, written from the templates shipped here.

It writes ``services/<name>/`` (pyproject.toml, config.yml, README.md, the package ``haven_<name>`` with one file
per role and its first migration, tests with the harness, the usecases tier and the RPC auth test) and the
contracts module ``shared/contracts/haven_contracts/<name>.py`` (no events yet). What it writes installs (``make
install`` finds every ``services/*/pyproject.toml``), migrates (``haven migrate <name>``), runs under ``make run``
(``deploy/run.py`` finds the service and its port in its config.yml) and passes its own tests.

It refuses a name that cannot be a service (its scopes, queues, package and environment variables are made from
it), a service that exists, a port another service's config.yml takes, and a file that exists unless told to keep
it (``keep_existing``: a folder that already holds some of the service's code, written before its skeleton).

Templates live in ``templates/`` as ``<path>.tmpl``, with ``@name@`` (child_protection), ``@Name@``
(ChildProtection), ``@NAME@`` (CHILD_PROTECTION), ``@dist@`` (child-protection), ``@title@`` (Child protection),
``@port@``, ``@today@``, ``@kernel_version@`` and ``@contracts_version@`` in paths and text.
"""
import keyword
import os
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import yaml

TEMPLATES = Path(__file__).parent / "templates"
NAME_PATTERN = re.compile(r"^[a-z]+(_[a-z]+)*$")  # what a scope allows ([a-z_]+), without stray underscores
MAX_NAME = 30
# Names that are something else already: the shared packages, the repository's folders, a scope.
RESERVED = frozenset({"admin", "bench", "client", "contracts", "deploy", "docs", "haven", "kernel", "service",
                      "services", "shared", "tests", "var"})
LEFTOVER = re.compile(r"@[A-Za-z_]+@")
ENV_VAR = re.compile(r"\$\{([^}:\s]+)(?::([^}]*))?\}")


class ScaffoldError(ValueError):
    """What the scaffold refuses to write, and why, in one sentence."""


@dataclass
class Written:
    root: Path
    written: list
    kept: list


def find_root(start="."):
    """The repository above ``start``: the folder holding ``services/`` and ``shared/contracts/haven_contracts/``."""
    path = Path(start).resolve()
    for folder in (path, *path.parents):
        if (folder / "services").is_dir() and (folder / "shared" / "contracts" / "haven_contracts").is_dir():
            return folder
    raise ScaffoldError(f"no Haven repository at or above {path} (a folder with services/ and "
                        "shared/contracts/haven_contracts/): run it from the repository, or give --root")


def check_name(root, name):
    if not isinstance(name, str) or not NAME_PATTERN.match(name) or len(name) > MAX_NAME:
        raise ScaffoldError(f"{name!r} cannot be a service name: use lowercase letters, words joined by single "
                            f"underscores, at most {MAX_NAME} characters (it makes the scopes '<name>:read', the "
                            "package haven_<name> and the variables <NAME>_DATABASE_URL and <NAME>_HTTP)")
    if keyword.iskeyword(name) or name in RESERVED:
        raise ScaffoldError(f"{name!r} cannot be a service name: it is reserved ({', '.join(sorted(RESERVED))})")
    if (root / "services" / name / "pyproject.toml").exists():
        raise ScaffoldError(f"services/{name} is already a service (it has a pyproject.toml)")
    module = root / "shared" / "contracts" / "haven_contracts" / f"{name}.py"
    if module.exists() and not re.search(r"^EVENTS\s*=", module.read_text(), re.MULTILINE):
        raise ScaffoldError(f"haven_contracts.{name} exists and is not a producer's module (no EVENTS): a service "
                            f"named {name!r} would take its name")


def service_ports(root):
    """``{port: service}`` of every service's default HTTP port (its config.yml's WEB_SERVER_ADDRESS)."""
    ports = {}
    for config in sorted((root / "services").glob("*/config.yml")):
        with open(config) as handle:
            address = str((yaml.safe_load(handle) or {}).get("WEB_SERVER_ADDRESS", ""))
        port = ENV_VAR.sub(lambda match: match.group(2) or "", address).rpartition(":")[2]
        if port.isdigit():
            ports[int(port)] = config.parent.name
    return ports


def check_port(root, name, port):
    if not isinstance(port, int) or not 1024 <= port <= 65535:
        raise ScaffoldError(f"port {port!r} is not a port a service may take: use a number from 1024 to 65535")
    taken = service_ports(root).get(port)
    if taken is not None and taken != name:
        raise ScaffoldError(f"port {port} is {taken}'s (services/{taken}/config.yml): choose another")


def _version(distribution, pyproject):
    try:
        return version(distribution)
    except PackageNotFoundError:
        with open(pyproject, "rb") as handle:
            return tomllib.load(handle)["project"]["version"]


def values(root, name, port):
    """What the templates' placeholders become."""
    kernel = _version("haven-kernel", Path(__file__).parents[2] / "pyproject.toml")
    contracts_pyproject = root / "shared" / "contracts" / "pyproject.toml"
    contracts = _version("haven-contracts", contracts_pyproject) if contracts_pyproject.exists() else kernel
    return {"@name@": name, "@Name@": "".join(word.capitalize() for word in name.split("_")),
            "@NAME@": name.upper(), "@dist@": name.replace("_", "-"), "@title@": name.replace("_", " ").capitalize(),
            "@port@": str(port), "@today@": date.today().isoformat(), "@kernel_version@": kernel,
            "@contracts_version@": contracts}


def render(text, mapping):
    for placeholder, value in mapping.items():
        text = text.replace(placeholder, value)
    leftover = LEFTOVER.search(text)
    if leftover:
        raise ScaffoldError(f"template placeholder {leftover.group()} has no value (a template is broken)")
    return text


def templates(root, name, port):
    """``{path relative to the repository: the template it is written from}`` of every file of the skeleton."""
    mapping = values(root, name, port)
    return {render(str(template.relative_to(TEMPLATES))[:-len(".tmpl")], mapping): template
            for template in sorted(TEMPLATES.rglob("*.tmpl"))}


def plan(root, name, port):
    """``{path relative to the repository: text}`` of every file of the skeleton."""
    mapping = values(root, name, port)
    return {path: render(template.read_text(), mapping) for path, template in templates(root, name, port).items()}


def new_service(root, name, port, keep_existing=False):
    """Write the skeleton of service ``name`` on ``port`` into the repository at ``root``; see the module's
    docstring for what it refuses. Returns what it wrote and what it kept."""
    root = Path(root).resolve()
    check_name(root, name)
    check_port(root, name, port)
    files = plan(root, name, port)
    existing = [path for path in files if (root / path).exists()]
    if existing and not keep_existing:
        raise ScaffoldError(f"{len(existing)} file(s) of the skeleton exist already ({', '.join(existing[:5])}"
                            f"{', ...' if len(existing) > 5 else ''}): keep them with --keep-existing, or move them")
    written = []
    for path, text in files.items():
        if path in existing:
            continue
        target = root / path
        os.makedirs(target.parent, exist_ok=True)
        target.write_text(text)
        written.append(path)
    return Written(root, written, existing)
