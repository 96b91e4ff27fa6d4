"""A service refuses to start when its configuration is unsafe or inconsistent."""
import pytest

from haven_kernel.errors import EventContractError
from haven_kernel.messaging import event_handler
from haven_kernel.service import HavenService


def test_outside_development_a_service_without_a_secret_does_not_start(toys, monkeypatch):
    monkeypatch.setenv("HAVEN_ENV", "production")
    monkeypatch.delenv("HAVEN_AUTH_SECRET", raising=False)
    with pytest.raises(RuntimeError, match="HAVEN_AUTH_SECRET"):
        toys.start(toys.Ledger)


class Stranger(HavenService):
    """Handles an event whose catalogue entry does not list it: its queue would not exist before the first publish."""

    name = "stranger"

    @event_handler("ledger", "entry_recorded")
    def on_entry_recorded(self, event):
        pass


def test_a_handler_missing_from_the_catalogue_does_not_start(toys):
    Stranger.catalogue = toys.catalogue
    with pytest.raises(EventContractError, match="does not list it as a consumer"):
        toys.start(Stranger)


class Nameless(HavenService):
    name = "nameless"


def test_a_service_without_a_catalogue_does_not_start(toys):
    with pytest.raises(RuntimeError, match="Nameless.catalogue is not set"):
        toys.start(Nameless)
