"""Reporting's event handlers' bodies: every event it consumes is archived and applied to the projections (the
rules are in ``domain.py``), through the transaction's :class:`~.repository.SqlStore`, so that a batch of events
reads and writes each household, site and counter once; and the rebuild, which replays the archive.
"""
from . import logistics, repository


def _store(unit):
    """The projection store of this transaction: one for a whole batch of events, written before the commit."""
    return unit.state(repository.SqlStore, unit.session)


def prepare(unit, events):
    """Archive a batch of events and read (locked) what they concern, in one statement each."""
    _store(unit).prepare(events)


def record(unit, event):
    """Archive the event and apply it to the projections (committed with its inbox row); False if it was archived
    before (an archived event was applied then)."""
    return _store(unit).record(event)


def record_logistics(unit, event):
    """Archive one of logistics' events and, if it is new, apply it to the logistics projection."""
    if _store(unit).record(event):
        logistics.apply(unit.state(logistics.Pending), event)


def rebuild(unit):
    """Drop the projections and replay the whole archive into them (``repository.rebuild``, then each source's own
    projection: ``protection.rebuild``, ``logistics.rebuild``)."""
    from . import protection
    result = repository.rebuild(unit.session)
    result.update(protection.rebuild(unit.session))
    result.update(logistics.rebuild(unit.session, repository.default_catalogue))
    return result
