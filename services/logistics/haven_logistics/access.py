"""Who may see and change a record, in ONE place (TEAM.md decision 4): every record names the organisation that
created it (``org``); another organisation's record is NotFound, as if it did not exist. When the kernel's sharing
API lands, this module is what changes."""
from haven_kernel.errors import NotFound


def visible(unit, record, what, key):
    """``record`` if the caller's organisation owns it; NotFound (naming ``what`` and ``key``) otherwise."""
    if record is None or record.org != unit.caller.org:
        raise NotFound(f"{what} {key} does not exist")
    return record


def receiving(unit, waybill, destination):
    """A waybill may be received (or returned) by its own organisation or by the receiving warehouse's."""
    if waybill is None or unit.caller.org not in (waybill.org, destination.org if destination else None):
        raise NotFound(f"waybill {waybill.id if waybill else ''} does not exist".strip())
    return waybill
