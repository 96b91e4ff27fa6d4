"""Who may see and change health's records: ``haven_kernel.sharing`` decides, as in every service. A record belongs
to the organisation that manages its facility (``org``); it reaches that organisation, an organisation it shares
with (``grant_sharing``: ``read`` to see, ``write`` to change too) and a caller with ``health:lead`` (each use
audited).

* Facilities and alerts are open to every reader, as are the aggregates (place-weeks, completeness, denominators,
  KPIs, referral counts). Reporting for a facility (a weekly report, a signal, an alert by hand, a referral from
  it), changing it, answering a referral to it or moving its alert on is a change of the facility's organisation's
  records: Forbidden, naming it, to anyone else.
* A facility's weekly report is read by its organisation and those it shares with: NotFound to anyone else.
"""
from haven_kernel.errors import NotFound
from haven_kernel.sharing import Sharing


def to_change(unit, row, kind, key):
    """``row`` (a facility, an alert) if the caller may change it; NotFound if there is none, Forbidden otherwise."""
    if row is None:
        raise NotFound(f"{kind} {key} not found")
    Sharing(unit, kind).require_change(row.org, row.id)
    return row


def report(unit, row, key):
    """A weekly report the caller may read; NotFound (naming ``key``) otherwise, as if there were none."""
    return Sharing(unit, "report").record(row, key)
