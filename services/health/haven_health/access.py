"""Who may change what: the one place organisation ownership is checked (TEAM.md decision 4). A record another
organisation owns is NotFound to a writer; aggregates (weekly figures, alerts, rates) are open to every reader.
When the kernel's sharing API lands, this module is what changes."""
from haven_kernel.errors import NotFound


def owned(unit, record, what, key):
    """``record`` if the caller's organisation owns it; NotFound (naming ``what`` and ``key``) otherwise."""
    if record is None or record.org != unit.caller.org:
        raise NotFound(f"{what} {key} not found")
    return record
