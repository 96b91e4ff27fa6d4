"""What each scope lets a caller do (bad tokens and wrong scopes on every method: test_rpc_auth.py)."""
import pytest

from haven_kernel.errors import Forbidden
from haven_kernel.testing import make_token


def test_readers_read_and_admins_do_everything(registration, make_household):
    site_id = registration.open_site()
    with registration.client(token=make_token("admin", org="IOM")) as client:
        created = client.registration.register_household(make_household(site_id))
    with registration.client(token="reader") as client:
        assert client.registration.get_household(created["household_id"])["org"] == "IOM"
        with pytest.raises(Forbidden):
            client.registration.register_household(make_household(site_id))
