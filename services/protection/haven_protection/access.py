"""The one place a use case finds a case for its caller and writes the access log.

``find`` answers NotFound for a case the caller may not see (its existence is not revealed) and Forbidden for one
they may see but not do this to; every successful read or change writes an access-log row (who, organisation,
case, what, when; field and action names only, never values)."""
from haven_kernel.clock import utcnow
from haven_kernel.errors import Forbidden, NotFound
from haven_kernel.validation import load, parse_uuid

from . import domain, repository
from .schemas import LogQuery
from .views import log_entry, page


def viewer(unit):
    return domain.Viewer.of(unit.caller)


def case_access(case, referrals):
    return domain.CaseAccess(case.org, case.caseworker, case.case_type,
                             tuple(domain.Sharing(r.to_org, r.status, r.assigned_to) for r in referrals))


def find(unit, case_id, allowed=None, lock=False):
    """``(case, standing)`` for the caller; NotFound when they may not see it, Forbidden when ``allowed(standing)``
    says they may not do this."""
    case, standing, _ = find_with_referrals(unit, case_id, allowed, lock)
    return case, standing


def find_with_referrals(unit, case_id, allowed=None, lock=False):
    """:func:`find`, with the case's referrals (read to decide) as a third value."""
    case_id = parse_uuid(case_id, "case_id")
    case = repository.case(unit.session, case_id, lock=lock)
    referrals = repository.referrals_of(unit.session, [case_id])[case_id] if case is not None else []
    standing = domain.standing(viewer(unit), case_access(case, referrals)) if case is not None else None
    if standing is None:
        raise NotFound(f"no case {case_id}")
    if allowed is not None and not allowed(standing):
        raise Forbidden(f"your role may not do this to case {case_id}")
    return case, standing, referrals


def log(unit, cases, action, detail=""):
    """One access-log row per case (a Case or ``(case_id, owner org)``) for the caller."""
    caller, now = unit.caller, utcnow()
    rows = []
    for case in cases:
        case_id, case_org = (case.id, case.org) if hasattr(case, "id") else case
        rows.append({"at": now, "sub": caller.sub, "org": caller.org, "case_id": case_id, "case_org": case_org,
                     "action": action, "detail": detail[:200]})
    repository.write_log(unit.session, rows)


def read_log(unit, case_id=None, limit=50, offset=0):
    """A manager's view of the access log: their organisation's staff's reads and changes, and anyone's on the
    cases their organisation owned at the time. Others: Forbidden."""
    query = load(LogQuery(), {"case_id": case_id, "limit": limit, "offset": offset})
    if not domain.may_read_log(viewer(unit)):
        raise Forbidden("the access log is read by 'protection:manager'")
    rows = repository.log_of(unit.session, unit.caller.org, **query)
    return page([log_entry(row) for row in rows], domain.next_offset(query["offset"], query["limit"], len(rows)))
