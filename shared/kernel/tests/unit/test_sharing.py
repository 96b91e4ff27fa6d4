"""The data-sharing decision (``haven_kernel.sharing.decide``): owner, shared, lead, or nobody; admin is nobody."""
import pytest

from haven_kernel.auth import issue_token, verify_token
from haven_kernel.sharing import LEAD, OWNER, SHARED, decide


@pytest.mark.parametrize("org, scopes, owner, sharers, expected", [
    ("IOM", ("registration:read",), "IOM", set(), OWNER),
    ("NRC", ("registration:read", "registration:write"), "IOM", set(), None),
    ("NRC", ("registration:read",), "IOM", {"IOM"}, SHARED),
    ("NRC", ("registration:read",), "IOM", {"UNHCR"}, None),  # shared by another owner: not this record
    ("NRC", ("registration:read", "registration:lead"), "IOM", set(), LEAD),
    ("NRC", ("registration:read", "registration:lead"), "NRC", set(), OWNER),  # own records are never a lead use
    ("NRC", ("registration:read", "registration:lead"), "IOM", {"IOM"}, SHARED),  # shared: not audited as lead
    ("NRC", ("admin",), "IOM", set(), None),  # admin is not a way around it
    ("NRC", ("shelter:lead",), "IOM", set(), None),  # another service's lead scope
    ("", ("registration:lead",), "IOM", set(), None),  # no organisation: nothing
    ("NRC", ("registration:lead",), "", set(), None),  # an ownerless record: nobody
])
def test_decide(org, scopes, owner, sharers, expected):
    assert decide(org, scopes, owner, frozenset(sharers), "registration") == expected


def test_the_lead_scope_is_a_scope_tokens_carry():
    caller = verify_token("Bearer " + issue_token("IOM", ["registration:lead"]))
    assert caller.scopes == ("registration:lead",)
    for malformed in ("registration:", "registration:lead:all", "Registration:lead", "lead"):
        with pytest.raises(ValueError):
            issue_token("IOM", [malformed])
