"""``haven new-service``: what it refuses, and what it writes (rendered, parseable, nothing left of a placeholder).
The generated service installing, migrating, running and passing its tests is tests/integration/test_scaffold.py."""
import re
import tomllib
from importlib.metadata import version

import pytest
import yaml

from haven_kernel.cli import main
from haven_kernel.scaffold import ScaffoldError, find_root, new_service, plan, service_ports


@pytest.fixture
def repo(tmp_path):
    """A repository as the scaffold sees it: shelter on 8002, the contracts package with a non-producer module."""
    (tmp_path / "services" / "shelter").mkdir(parents=True)
    (tmp_path / "services" / "shelter" / "pyproject.toml").write_text("[project]\nname = 'haven-shelter'\n")
    (tmp_path / "services" / "shelter" / "config.yml").write_text(
        "AMQP_URI: ${AMQP_URI:amqp://guest:guest@localhost:5672/}\nWEB_SERVER_ADDRESS: ${SHELTER_HTTP:0.0.0.0:8002}\n")
    contracts = tmp_path / "shared" / "contracts"
    (contracts / "haven_contracts").mkdir(parents=True)
    (contracts / "pyproject.toml").write_text('[project]\nname = "haven-contracts"\nversion = "0.1.0"\n')
    (contracts / "haven_contracts" / "reference.py").write_text("SEXES = ()\n")
    return tmp_path


@pytest.mark.parametrize("name", ["Logistics", "bad-name", "log1stics", "_x", "x_", "a__b", "", "x" * 31,
                                  "class", "kernel", "admin", "services"])
def test_names_that_cannot_be_a_service_are_refused(repo, name):
    with pytest.raises(ScaffoldError, match="cannot be a service name"):
        new_service(repo, name, 8003)
    assert sorted(p.name for p in (repo / "services").iterdir()) == ["shelter"]


def test_an_existing_service_a_taken_port_and_a_contracts_module_are_refused(repo):
    with pytest.raises(ScaffoldError, match="services/shelter is already a service"):
        new_service(repo, "shelter", 8009)
    with pytest.raises(ScaffoldError, match="port 8002 is shelter's"):
        new_service(repo, "health", 8002)
    for port in (80, 70000, "8004"):
        with pytest.raises(ScaffoldError, match="is not a port"):
            new_service(repo, "health", port)
    with pytest.raises(ScaffoldError, match="haven_contracts.reference exists and is not a producer's module"):
        new_service(repo, "reference", 8009)
    assert sorted(p.name for p in (repo / "services").iterdir()) == ["shelter"]
    assert service_ports(repo) == {8002: "shelter"}


def test_files_that_exist_are_kept_only_when_asked(repo):
    package = repo / "services" / "logistics" / "haven_logistics"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""Logistics, written before its skeleton."""\n')
    (package / "ledger.py").write_text("LEDGER = True\n")
    with pytest.raises(ScaffoldError, match=r"1 file\(s\) of the skeleton exist already "
                                            r"\(services/logistics/haven_logistics/__init__.py\)"):
        new_service(repo, "logistics", 8003)
    assert sorted(p.name for p in package.iterdir()) == ["__init__.py", "ledger.py"], "nothing written"
    result = new_service(repo, "logistics", 8003, keep_existing=True)
    assert result.kept == ["services/logistics/haven_logistics/__init__.py"]
    assert (package / "__init__.py").read_text() == '"""Logistics, written before its skeleton."""\n'
    assert (package / "service.py").exists() and "services/logistics/pyproject.toml" in result.written
    assert service_ports(repo) == {8002: "shelter", 8003: "logistics"}
    with pytest.raises(ScaffoldError, match="already a service"):
        new_service(repo, "logistics", 8003, keep_existing=True)


def test_what_it_writes_is_complete_and_parses(repo):
    files = plan(repo, "child_protection", 8006)
    assert {"services/child_protection/pyproject.toml", "services/child_protection/config.yml",
            "services/child_protection/README.md", "shared/contracts/haven_contracts/child_protection.py",
            "services/child_protection/haven_child_protection/migrations/versions/0001_initial.py",
            "services/child_protection/tests/service/test_rpc_auth.py",
            "services/child_protection/tests/usecases/test_examples.py"} <= set(files)
    for role in ("service", "schemas", "domain", "repository", "views", "models"):
        assert f"services/child_protection/haven_child_protection/{role}.py" in files
    for path, text in files.items():
        assert not re.search(r"@(name|Name|NAME|dist|title|port|today|kernel_version|contracts_version)@", text + path)
        if path.endswith(".py"):
            assert all(len(line) <= 120 for line in text.splitlines()), path
            compile(text, path, "exec")
    service = files["services/child_protection/haven_child_protection/service.py"]
    assert 'class ChildProtectionService(HavenService):\n    name = "child_protection"' in service
    assert '@rpc(scope="child_protection:read", contract=api.LIST_EXAMPLES)' in service
    config = yaml.safe_load(files["services/child_protection/config.yml"])
    assert config["WEB_SERVER_ADDRESS"] == "${CHILD_PROTECTION_HTTP:0.0.0.0:8006}"
    assert config["DATABASE_URL"] == "${CHILD_PROTECTION_DATABASE_URL:}"
    assert config["LOGGING"]["formatters"]["json"]["personal_keys"] == (
        "ext://haven_contracts.personal.PERSONAL_FIELDS")
    project = tomllib.loads(files["services/child_protection/pyproject.toml"])
    assert project["project"]["name"] == "haven-child-protection"
    assert project["project"]["dependencies"] == [f"haven-kernel=={version('haven-kernel')}",
                                                  "haven-contracts==0.1.0"]
    assert project["tool"]["setuptools"]["package-data"]["haven_child_protection"] == [
        "migrations/*.mako", "migrations/*.py", "migrations/versions/*.py"]
    contracts = files["shared/contracts/haven_contracts/child_protection.py"]
    assert 'SOURCE = "child_protection"' in contracts and "\nEVENTS = ()\n" in contracts


def test_the_longest_name_keeps_the_code_within_120_characters(repo):
    name = "protection_of_civilians_report"
    assert len(name) == 30
    for path, text in plan(repo, name, 8006).items():
        if path.endswith(".py"):
            assert max(map(len, text.splitlines() or [""])) <= 120, path


def test_the_command(repo, capsys):
    assert main(["new-service", "health", "--port", "8002", "--root", str(repo)]) == 2
    assert capsys.readouterr().err == "haven new-service: port 8002 is shelter's (services/shelter/config.yml): " \
                                      "choose another\n"
    assert main(["new-service", "health", "--port", "8004", "--root", str(repo / "services")]) == 0
    out = capsys.readouterr().out
    assert "wrote services/health/haven_health/service.py" in out and "'make install'" in out
    assert find_root(repo / "services" / "health") == repo
    (repo / "services" / "protection" / "haven_protection").mkdir(parents=True)
    (repo / "services" / "protection" / "haven_protection" / "__init__.py").write_text("")
    assert main(["new-service", "protection", "--port", "8005", "--root", str(repo), "--keep-existing"]) == 0
    kept = [line for line in capsys.readouterr().out.splitlines() if line.startswith("kept")]
    assert len(kept) == 1 and kept[0].startswith("kept  services/protection/haven_protection/__init__.py (yours")
    assert kept[0].endswith("templates/services/@name@/haven_@name@/__init__.py.tmpl)")
    with pytest.raises(ScaffoldError, match="no Haven repository"):
        find_root(repo.parent)
