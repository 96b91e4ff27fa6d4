"""Registration's household events: logistics keeps each household's id, site, size and status (never names), as of
the newest version seen. Every household event carries the whole summary, so each is applied the same way; one
with a version not newer than what is kept (a redelivery, a replay, an event overtaken by a later one) changes
nothing. A batch reads its households in one query (``prepare``) and writes them together."""
import uuid
from dataclasses import dataclass, field

from haven_kernel import dialect
from haven_kernel.db import TransactionState

from .models import Household
from .repository import Repository


@dataclass
class Batch(TransactionState):
    """The households known in this transaction ({id: (site_id, size, status, version)}), written at the commit."""

    known: dict = field(default_factory=dict)
    changed: set = field(default_factory=set)

    def before_commit(self, unit):
        if self.changed:
            rows = [{"id": key, "site_id": self.known[key][0], "size": self.known[key][1],
                     "status": self.known[key][2], "version": self.known[key][3]} for key in sorted(self.changed)]
            statement = dialect.insert(unit.session, Household)
            statement = statement.on_conflict_do_update(
                index_elements=["id"], where=Household.version < statement.excluded.version,
                set_={name: statement.excluded[name] for name in ("site_id", "size", "status", "version")})
            unit.session.execute(statement, rows)


def prepare(unit, events):
    """Read every household a batch of events names, once."""
    batch = unit.state(Batch)
    ids = set()
    for event in events:
        try:
            ids.add(str(uuid.UUID(str(event.data["household_id"]))))
        except (KeyError, TypeError, ValueError):
            continue  # refused when applied on its own
    for key, row in Repository(unit.session).households(ids - set(batch.known)).items():
        batch.known[key] = (row.site_id, row.size, row.status, row.version)


def household_changed(unit, event):
    """Keep what the event says unless a newer version is known; returns True when it changed something."""
    batch = unit.state(Batch)
    data = event.data
    key = str(uuid.UUID(str(data["household_id"])))
    if key not in batch.known:
        row = Repository(unit.session).household(key)
        if row is not None:
            batch.known[key] = (row.site_id, row.size, row.status, row.version)
    known = batch.known.get(key)
    if known is not None and known[3] >= data["version"]:
        return False
    batch.known[key] = (str(uuid.UUID(str(data["site_id"]))), data["size"], data["status"], data["version"])
    batch.changed.add(key)
    return True
