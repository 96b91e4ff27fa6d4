"""Who may see and change logistics' records: ``haven_kernel.sharing`` decides, as in every service. A record
belongs to the organisation that created it (``org``); it reaches its owner, an organisation the owner shares with
(``grant_sharing``: ``read`` to see, ``write`` to change too) and a caller with ``logistics:lead`` (each use
audited).

* Warehouses are reference data every reader sees, with their stock figures, cards and pipeline (aggregates, open):
  a movement in a warehouse (a receipt, an adjustment, a count, its levels, a waybill or a round from it) changes it,
  so it needs the warehouse's organisation's write access; Forbidden otherwise.
* Waybills and rounds: another organisation's is NotFound (to a partner that may only read it, a change is
  Forbidden). The receiving warehouse's side reads the waybills coming to it and receives them.
"""
from haven_kernel.sharing import OWNER, SHARED, Sharing


def record(unit, row, kind, key, write=False):
    """``row`` (a waybill, a round) if the caller may read it (``write``: change it); NotFound (naming ``kind`` and
    ``key``) otherwise, Forbidden for a change a read agreement does not allow."""
    return Sharing(unit, kind).record(row, key, write)


def warehouse_to_change(unit, warehouse):
    """``warehouse`` if the caller may make a movement in it; Forbidden, naming its organisation, otherwise."""
    Sharing(unit, "warehouse").require_change(warehouse.org, warehouse.id)
    return warehouse


def waybill(unit, row, destination, key, write=False):
    """A waybill the caller may read (``write``: receive), as its organisation's or as the receiving warehouse's
    (or an organisation that one shares with)."""
    if row is not None and destination is not None \
            and Sharing(unit, "warehouse").access(destination.org, write) in (OWNER, SHARED):
        return row
    return record(unit, row, "waybill", key, write)
