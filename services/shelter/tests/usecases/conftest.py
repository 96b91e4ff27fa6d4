"""The middle tier: shelter's use cases and event handlers on its unit of work over SQLite (the kernel's
``sqlite_unit``: a copy of a database migrated by shelter's own revisions), no broker and no server, in
milliseconds."""
import pytest

from haven_contracts import catalogue
from haven_contracts.standards import DEFAULT_TARGETS
from haven_shelter import handlers
from haven_shelter.allocation import Allocator
from haven_shelter.service import ShelterService
from haven_shelter.sites import SiteRegistry


class Shelter:
    """Shelter's use cases on one unit of work, each call one committed transaction as an entrypoint makes it;
    ``events`` lists what the transactions wrote to the outbox (their data)."""

    def __init__(self, work):
        self.work = work

    def sites(self, method, *args, **kwargs):
        """A call of ``SiteRegistry`` by a camp manager (as an RPC method makes it)."""
        with self.work.transaction():
            return getattr(SiteRegistry(self.work, DEFAULT_TARGETS), method)(*args, **kwargs)

    def allocation(self, method, *args, **kwargs):
        """A call of ``Allocator`` by a camp manager (as an RPC method makes it)."""
        with self.work.transaction():
            return getattr(Allocator(self.work), method)(*args, **kwargs)

    def apply(self, *changes):
        """Registration's household events ``(event_type, data)`` applied as the kernel applies a batch: prepared
        together, each handled under its own context (correlation ids ``corr-0``, ``corr-1``...), one commit."""
        events = [catalogue.parse(catalogue.envelope("registration", event_type, data, correlation_id=f"corr-{i}"))
                  for i, (event_type, data) in enumerate(changes)]
        self.work.apply_events(events, handlers.household_changed, prepare=handlers.prepare)

    @property
    def events(self):
        return self.work.events()

    def emitted(self, event_type):
        return self.work.events(event_type)


@pytest.fixture
def shelter_db(sqlite_unit):
    return Shelter(sqlite_unit(ShelterService, "shelter:write", "shelter:read", org="IOM", sub="camp-manager"))
