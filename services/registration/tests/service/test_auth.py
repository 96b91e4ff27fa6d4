"""Tokens and scopes on every partner-facing method."""
import time

import pytest

from haven_kernel.auth import issue_token
from haven_kernel.errors import Forbidden, Unauthenticated
from haven_kernel.testing import make_token

METHODS = {
    "register_household": ("registration:write", ({},)),
    "register_households": ("registration:write", ([],)),
    "get_household": ("registration:read", ("00000000-0000-4000-8000-000000000000",)),
    "search_households": ("registration:read", ()),
    "update_household": ("registration:write", ("00000000-0000-4000-8000-000000000000", {})),
    "record_departure": ("registration:write", ("00000000-0000-4000-8000-000000000000", "other", "2026-11-28")),
    "relocate_household": ("registration:write", ("00000000-0000-4000-8000-000000000000",
                                                  "00000000-0000-4000-8000-000000000000")),
}


def test_every_method_refuses_missing_expired_forged_and_out_of_scope_tokens(registration):
    expired = issue_token(org="IOM", scopes=["admin"], ttl_seconds=5, now=time.time() - 60)
    forged = issue_token(org="IOM", scopes=["admin"], secret="somebody-elses-secret-long-enough-for-hs256")
    for method, (scope, args) in METHODS.items():
        for token, error in ((None, Unauthenticated), (expired, Unauthenticated), (forged, Unauthenticated),
                             ("garbage", Unauthenticated), (make_token("shelter:write", "shelter:read"), Forbidden)):
            with registration.client(token=token) as client:
                with pytest.raises(error):
                    getattr(client.registration, method)(*args)
        other = "registration:read" if scope == "registration:write" else "registration:write"
        with registration.client(token=make_token(other)) as client:
            with pytest.raises(Forbidden, match=scope):
                getattr(client.registration, method)(*args)


def test_readers_read_and_admins_do_everything(registration, make_household):
    site_id = registration.open_site()
    with registration.client(token=make_token("admin", org="IOM")) as client:
        created = client.registration.register_household(make_household(site_id))
    with registration.client(token="reader") as client:
        assert client.registration.get_household(created["household_id"])["org"] == "IOM"
        with pytest.raises(Forbidden):
            client.registration.register_household(make_household(site_id))
