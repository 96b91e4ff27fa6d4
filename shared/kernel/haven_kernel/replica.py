"""A service's replica of another service's records, kept from that service's events, with one fallback lookup.

A consumer often needs a few fields of records another service owns (does this place exist, is it open, where is
it). It keeps them in a table of its own, fed by the owner's events; when a record is asked for before its first
event has arrived, it asks the owner once (an RPC) and keeps the answer. The kernel names no service: what is
replicated is data, a :class:`ReplicaSpec` declared by the producer's contracts module next to its events:

* ``source``, ``key`` and ``fields``: whose records, the key, and the fields kept (name -> SQLAlchemy type);
* ``events``: the source's events that carry the record (each one's data holds ``key`` and ``fields``);
* ``lookup`` and ``scopes``: the source's RPC method that returns one record by key (NotFound when there is none),
  and the scopes the consumer's service token needs for it.

A consumer adopts it with a model, one one-line handler per event and a ServiceRpc (DEVELOPERS.md has the whole
example)::

    class Depot(replica_model(DEPOT_REPLICA), Base):            # models.py: key, fields, as_of
        __tablename__ = "depots"

    stores = ServiceRpc(DEPOT_REPLICA.source, scopes=DEPOT_REPLICA.scopes)     # service.py

    @event_handler("stores", "depot_opened")                     # one per event in DEPOT_REPLICA.events
    def on_depot_opened(self, event):
        Replica(Depot, self.db).apply(event)

    depot = Replica(Depot, self.db, fallback=self.stores).get(depot_id)   # a use case: None if unknown

Order: every row keeps ``as_of``, the time of the event (or of the lookup) it was last written from; an event older
than that is ignored, so replayed, redelivered and out-of-order events never overwrite newer data.
"""
from dataclasses import dataclass, field

from sqlalchemy import DateTime, String
from sqlalchemy.orm import mapped_column

from .clock import aware, utcnow
from .errors import NotFound, ServiceUnavailable


@dataclass(frozen=True)
class ReplicaSpec:
    """What a consumer keeps of ``source``'s records (see the module's docstring)."""

    source: str
    key: str
    fields: dict
    events: tuple
    lookup: str
    scopes: tuple
    optional: tuple = ()  # fields that may be None (the others are NOT NULL)
    key_type: object = field(default_factory=lambda: String(36))

    def values(self, data):
        """The fields this replica keeps, from an event's data or a lookup's reply (other keys ignored)."""
        return {name: data.get(name) for name in self.fields}


def replica_model(spec):
    """A declarative mixin with the replica's columns: the key (primary key), each field, and ``as_of``. Subclass it
    with the service's ``Base`` and give ``__tablename__``; the service's migration creates the same table."""
    attributes = {
        "__replica__": spec,
        spec.key: mapped_column(spec.key_type, primary_key=True),
        "as_of": mapped_column(DateTime(timezone=True), nullable=False),
    }
    for name, type_ in spec.fields.items():
        attributes[name] = mapped_column(type_, nullable=name in spec.optional)
    return type(f"{spec.source.capitalize()}Replica", (), attributes)


class Replica:
    """One model's replica over a unit of work: ``apply`` an event, ``get`` a record (asking ``fallback`` once)."""

    def __init__(self, model, unit, fallback=None):
        self.model = model
        self.spec = model.__replica__
        self.unit = unit
        self.fallback = fallback  # the source's ServiceRpc dependency (self.<source> in a service), or None

    def apply(self, event):
        """Write an event's record, unless the row was written from something newer."""
        return self.apply_data(event.data, as_of=event.occurred_at)

    def apply_data(self, data, as_of=None):
        """Upsert the row from ``data`` as of ``as_of`` (default now: a lookup's answer is current). An older
        ``as_of`` than the row's leaves it as it is. Returns the row."""
        session = self.unit.session
        key = str(data[self.spec.key])
        as_of = aware(as_of) if as_of is not None else utcnow()
        row = session.get(self.model, key)
        if row is not None and row.as_of is not None and aware(row.as_of) > as_of:
            return row
        if row is None:
            row = self.model(**{self.spec.key: key})
            session.add(row)
        for name, value in self.spec.values(data).items():
            setattr(row, name, value)
        row.as_of = as_of
        session.flush()
        return row

    def get(self, key):
        """The row for ``key`` from the replica; if it is not there, asked of the source once (``lookup``) and kept.
        None when the source does not know it, does not answer, or there is no fallback."""
        row = self.unit.session.get(self.model, key)
        if row is not None or self.fallback is None:
            return row
        try:
            found = getattr(self.fallback, self.spec.lookup)(key)
        except (NotFound, ServiceUnavailable):
            return None
        if found is None:
            return None
        return self.apply_data(found)
