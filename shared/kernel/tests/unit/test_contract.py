"""RPC contracts and marshmallow as JSON Schema (haven_kernel.contract, haven_kernel.jsonschema), on a toy schema."""
import pytest
from marshmallow import Schema, fields, validate

from haven_kernel.contract import RpcContract, contract_problems, shape_differences, shape_of, undeclared
from haven_kernel.jsonschema import example_of, json_schema
from haven_kernel.validation import Text, UUIDString, choice, not_in_future

pytestmark = pytest.mark.unit


class Parcel(Schema):
    """A toy parcel."""

    kind = choice(("tent", "kit"), required=True)
    weight_kg = fields.Float(required=True, validate=validate.Range(min=0, max=50, min_inclusive=False))
    label = Text(max_length=20, allow_none=True)
    sent_on = fields.Date(validate=not_in_future)
    site_id = UUIDString()
    tags = fields.List(fields.String(), validate=validate.Length(max=3))


def test_limits_allowed_values_and_nulls_become_json_schema():
    schema = json_schema(Parcel)
    assert schema["required"] == ["kind", "weight_kg"] and schema["additionalProperties"] is False
    assert schema["description"] == "A toy parcel."
    properties = schema["properties"]
    assert properties["kind"] == {"type": "string", "enum": ["tent", "kit"]}
    assert properties["weight_kg"] == {"type": "number", "exclusiveMinimum": 0, "maximum": 50}
    assert properties["label"]["type"] == ["string", "null"] and properties["label"]["maxLength"] == 20
    assert properties["sent_on"]["format"] == "date" and "future" in properties["sent_on"]["description"]
    assert properties["site_id"]["format"] == "uuid"
    assert properties["tags"] == {"type": "array", "items": {"type": "string"}, "maxItems": 3}
    assert Parcel().validate(example_of(Parcel)) == {}


def test_a_contract_that_does_not_describe_its_method_is_found():
    def send(self, parcel, express=False):
        pass

    good = RpcContract("Send.", args={"parcel": Parcel, "express": fields.Boolean(load_default=False)},
                       example=({"parcel": {}}, {"ok": True}))
    assert contract_problems("send", send, good) == []
    assert contract_problems("send", send, RpcContract("Send.", args={"parcel": Parcel}))[0].startswith(
        "send: the method takes ['parcel', 'express']")
    optional = RpcContract("Send.", args={"parcel": fields.Raw(), "express": fields.Boolean()})
    assert "parcel is optional in the contract but has no default" in contract_problems("send", send, optional)[0]
    wrong_example = RpcContract("Send.", args=good.args, example=({"parcle": {}}, {}))
    assert "unknown arguments ['parcle']" in contract_problems("send", send, wrong_example)[0]
    assert undeclared(send).args["parcel"].required and not undeclared(send).args["express"].required


def test_a_reply_with_other_keys_than_its_example_is_found():
    documented = {"site_id": "x", "units": [{"unit_id": "u", "number": 1}], "services": None}
    assert shape_differences(documented, {"site_id": "y", "units": [], "services": {"latrines": 1}}) == []
    assert shape_differences(documented, {"site_id": "y", "units": [{"unit_id": "u"}], "services": None}) == [
        "reply.units[0]: documented keys ['number', 'unit_id'] but got ['unit_id']"]
    assert shape_of({"a": [1.5], "b": True}) == {"type": "object", "properties": {
        "a": {"type": "array", "items": {"type": "number"}}, "b": {"type": "boolean"}}}
