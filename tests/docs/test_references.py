"""The partner references (issue 16 point 1): generated from the code, committed, valid, and complete.

* every RPC method of every service has a contract that matches its parameters, with an example;
* what ``make docs`` would write is what is committed (a changed schema or contract fails here until regenerated);
* ``docs/asyncapi.json`` validates against the AsyncAPI 3.0.0 JSON Schema vendored in tests/docs/schemas, with
  check-jsonschema (offline), and ``docs/openapi.json`` with openapi-spec-validator;
* every event's example in the references is accepted by the event's marshmallow schema and by its generated JSON
  Schema, so the JSON Schema says no less than marshmallow checks on those values."""
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from haven_contracts import catalogue
from haven_kernel.contract import contract_problems, rpc_methods
from haven_kernel.jsonschema import example_of, json_schema
from haven_kernel.references import discover_services, generate, stale

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def files():
    return generate(ROOT, catalogue, "haven_contracts:catalogue")


def test_every_rpc_method_of_every_service_has_a_contract_with_an_example():
    services = {cls.name: cls for cls in discover_services(ROOT)}
    assert {"registration", "shelter", "reporting"} <= set(services)
    missing, problems = [], []
    for cls in services.values():
        for method in rpc_methods(cls):
            if method.undeclared or method.contract.example is None:
                missing.append(f"{cls.name}.{method.name}")
            else:
                problems += contract_problems(method.name, method.function, method.contract)
    assert missing == [], "declare a contract with an example (DEVELOPERS.md, 'RPC contracts') for these"
    assert problems == []


def test_the_committed_references_are_what_make_docs_writes(files):
    assert {"docs/events.md", "docs/asyncapi.json", "docs/openapi.json", "docs/rpc/shelter.md",
            "docs/rpc/registration.md", "docs/rpc/reporting.md", "shared/client/haven_client/methods.py"} <= set(files)
    assert stale(ROOT, files) == [], "run 'make docs' and commit what it writes"


def test_a_changed_reference_is_found_stale(files, tmp_path):
    from haven_kernel.references import write
    write(tmp_path, files)
    assert stale(tmp_path, files) == []
    (tmp_path / "docs" / "rpc" / "shelter.md").write_text(files["docs/rpc/shelter.md"].replace("site_type", "kind"))
    assert stale(tmp_path, files) == ["docs/rpc/shelter.md"]


def test_the_asyncapi_document_validates_against_the_asyncapi_3_schema(files, tmp_path):
    document = tmp_path / "asyncapi.json"
    document.write_text(files["docs/asyncapi.json"])
    schema = ROOT / "tests" / "docs" / "schemas" / "asyncapi-3.0.0.json"
    run = subprocess.run([str(BIN / "check-jsonschema"), "--schemafile", str(schema), str(document)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    # ...and the check can fail: a channel without its address's binding object is refused.
    broken = json.loads(files["docs/asyncapi.json"])
    broken["asyncapi"] = "3.0.9"
    document.write_text(json.dumps(broken))
    run = subprocess.run([str(BIN / "check-jsonschema"), "--schemafile", str(schema), str(document)],
                         capture_output=True, text=True)
    assert run.returncode != 0


def test_the_asyncapi_document_names_every_event_channel_and_rpc_method(files):
    document = json.loads(files["docs/asyncapi.json"])
    for entry in catalogue.all():
        if entry.confidential:  # straight to each consumer's queue (default exchange), never to the exchange
            channel = document["channels"][f"{entry.source}.confidential.{entry.name}"]
            assert channel["bindings"]["amqp"]["is"] == "queue"
            assert channel["parameters"]["consumer"]["enum"] == list(entry.consumers)
            continue
        channel = document["channels"][f"{entry.source}.events.{entry.name}"]
        assert channel["address"] == entry.name
        assert channel["bindings"]["amqp"]["exchange"]["name"] == f"{entry.source}.events"
    request = document["components"]["messages"]["rpc.shelter.create_site"]
    assert request["payload"]["properties"]["kwargs"]["properties"]["site"]["required"][:2] == ["name", "site_type"]
    assert document["channels"]["rpc.shelter.create_site"]["address"] == "shelter.create_site"


def test_the_openapi_document_validates(files, tmp_path):
    from openapi_spec_validator import validate
    document = json.loads(files["docs/openapi.json"])
    validate(document)
    assert "/rpc/registration/register_household" in document["paths"]
    post = document["paths"]["/rpc/registration/register_household"]["post"]
    assert post["parameters"][0]["name"] == "Idempotency-Key"
    assert {"400", "401", "403", "404", "409", "504"} <= set(post["responses"])


@pytest.mark.parametrize("entry", catalogue.all(), ids=lambda e: f"{e.source}.{e.name}")
def test_each_event_example_is_valid_for_marshmallow_and_for_the_json_schema(entry):
    example = example_of(entry.schema)
    assert entry.schema().validate(example) == {}
    jsonschema.validate(example, json_schema(entry.schema))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**example, "surprise": 1}, json_schema(entry.schema))


def test_every_example_call_in_the_rpc_pages_is_python_a_partner_can_paste(files):
    import ast
    import re
    for path, text in files.items():
        if path.startswith("docs/rpc/") and path != "docs/rpc/README.md":
            for block in re.findall(r"```python\n(.*?)```", text, flags=re.S):
                call = ast.parse(block).body[0].value  # a SyntaxError names the page's broken example
                for keyword in call.keywords:
                    ast.literal_eval(keyword.value)  # literals only: JSON's true or null would be refused here


def test_the_events_page_shows_inner_shapes_allowed_values_and_an_example(files):
    page = files["docs/events.md"]
    assert "`data.by_sex_age.<female|male|other|unknown>.<0-4|5-17|18-59|60+>`" in page.replace("\\|", "|")
    assert "`data.origin.adm1`" in page
    assert "one of: `returned_home`" in page
    assert page.count("Example `data`:") == len(catalogue.all())
