"""Optimistic concurrency (issue 16 point 4): update_household, record_departure and relocate_household take the
`version` the caller read as `expected_version`; a household changed since is a Conflict and nothing changes."""
import pytest

from haven_kernel.errors import Conflict, ValidationError

from haven_registration.models import Household

pytestmark = pytest.mark.service


def test_a_change_to_a_household_changed_since_it_was_read_is_a_conflict(registration, make_household):
    site_id = registration.open_site()
    with registration.client() as client:
        read = client.registration.register_household(make_household(site_id))
        household_id = read["household_id"]
        version = client.registration.get_household(household_id)["version"]
        changed = client.registration.update_household(household_id, {"phone": "+258 84 111 2222"},
                                                       expected_version=version)
        assert changed["version"] == version + 1
        # Another partner's client still holds the old version: each change it tries is refused.
        with pytest.raises(Conflict) as stale:
            client.registration.update_household(household_id, {"phone": "+258 84 333 4444"},
                                                 expected_version=version)
        assert f"at version {version + 1}, not {version}" in str(stale.value)
        with pytest.raises(Conflict):
            client.registration.record_departure(household_id, "returned_home", "2026-11-28",
                                                 expected_version=version)
        with pytest.raises(Conflict):
            client.registration.relocate_household(household_id, registration.open_site(), expected_version=version)
        with pytest.raises(ValidationError) as bad:
            client.registration.update_household(household_id, {"consent": True}, expected_version="2")
        assert list(bad.value.errors) == ["expected_version"]
        after = client.registration.get_household(household_id)
        assert (after["version"], after["phone"], after["status"]) == (version + 1, "+258 84 111 2222", "active")
        # Without expected_version a change is made whatever the version (as before).
        assert client.registration.update_household(household_id, {"consent": True})["version"] == version + 2
    assert registration.count(Household) == 1
