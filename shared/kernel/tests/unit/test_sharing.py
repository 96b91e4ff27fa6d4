"""The data-sharing decision (``haven_kernel.sharing.decide``): owner, shared (read, or read and write), lead, or
nobody; admin is nobody."""
import pytest

from haven_kernel.auth import issue_token, verify_token
from haven_kernel.sharing import LEAD, OWNER, READ, SHARED, WRITE, decide


@pytest.mark.parametrize("org, scopes, owner, sharers, expected", [
    ("IOM", ("registration:read",), "IOM", {}, OWNER),
    ("NRC", ("registration:read", "registration:write"), "IOM", {}, None),
    ("NRC", ("registration:read",), "IOM", {"IOM": READ}, SHARED),
    ("NRC", ("registration:read",), "IOM", {"IOM": WRITE}, SHARED),
    ("NRC", ("registration:read",), "IOM", {"UNHCR": WRITE}, None),  # shared by another owner: not this record
    ("NRC", ("registration:read", "registration:lead"), "IOM", {}, LEAD),
    ("NRC", ("registration:read", "registration:lead"), "NRC", {}, OWNER),  # own records are never a lead use
    ("NRC", ("registration:read", "registration:lead"), "IOM", {"IOM": READ}, SHARED),  # shared: not audited as lead
    ("NRC", ("admin",), "IOM", {}, None),  # admin is not a way around it
    ("NRC", ("shelter:lead",), "IOM", {}, None),  # another service's lead scope
    ("", ("registration:lead",), "IOM", {}, None),  # no organisation: nothing
    ("NRC", ("registration:lead",), "", {}, None),  # an ownerless record: nobody
])
def test_decide(org, scopes, owner, sharers, expected):
    assert decide(org, scopes, owner, sharers, "registration") == expected


@pytest.mark.parametrize("org, scopes, owner, sharers, expected", [
    ("IOM", ("registration:write",), "IOM", {}, OWNER),
    ("NRC", ("registration:write",), "IOM", {"IOM": WRITE}, SHARED),
    ("NRC", ("registration:write",), "IOM", {"IOM": READ}, None),  # shared for reading only: no change
    ("NRC", ("registration:write", "registration:lead"), "IOM", {"IOM": READ}, LEAD),  # the lead changes it, audited
    ("NRC", ("registration:write", "registration:lead"), "IOM", {"IOM": WRITE}, SHARED),
    ("NRC", ("admin",), "IOM", {"UNHCR": WRITE}, None),
])
def test_decide_a_change(org, scopes, owner, sharers, expected):
    assert decide(org, scopes, owner, sharers, "registration", write=True) == expected


def test_the_lead_scope_is_a_scope_tokens_carry():
    caller = verify_token("Bearer " + issue_token("IOM", ["registration:lead"]))
    assert caller.scopes == ("registration:lead",)
    for malformed in ("registration:", "registration:lead:all", "Registration:lead", "lead"):
        with pytest.raises(ValueError):
            issue_token("IOM", [malformed])
