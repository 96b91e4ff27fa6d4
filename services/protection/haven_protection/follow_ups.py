"""Follow-up from registration: registration's ``household_protection_needs`` (codes and counts only) opens one
follow-up task per protection need (a specific-needs group, by default SC, CR, SV) of a household, for the site's
protection focal organisation; a caseworker of that organisation turns it into a case or closes it with a reason.

Once per (household, need): the table's unique key and an INSERT that skips a taken key, so an event that arrives
twice, or an update that repeats a need, opens nothing new. A site not yet in the replica is retried (the kernel's
retries, then dead letters to replay): its admin area is what an SGBV follow-up's event may carry instead."""
import uuid

from haven_kernel import versions
from haven_kernel.clock import iso, utcnow
from haven_kernel.errors import Conflict, Forbidden, NotFound
from haven_kernel.replica import Replica
from haven_kernel.validation import load, parse_uuid

from . import access, domain, repository, views
from .cases import open_case
from .models import Site
from .schemas import CloseSchema, FollowUpQuery


class SiteNotYetKnown(RuntimeError):
    """A household's site has not reached protection's replica yet: retried by the kernel until it has."""


def _emit(unit, event_type, row):
    site_id, adm1 = domain.follow_up_place(row.need, row.site_id, row.adm1)
    unit.emit(event_type, {"follow_up_id": row.id, "need": row.need, "status": row.status, "site_id": site_id,
                           "adm1": adm1, "version": row.version, "at": iso(row.closed_at or row.opened_at)})


def on_protection_needs(unit, event, settings):
    """Open the follow-ups a household's needs call for (none for most households)."""
    data = event.data
    if data["status"] != "active":
        return []  # a departed household: nothing new to follow up (open tasks stay until a caseworker closes them)
    needs = domain.follow_up_needs(data["specific_needs"], settings.follow_up_needs)
    if not needs:
        return []
    site_id = str(data["site_id"])
    site = Replica(Site, unit).get(site_id)
    if site is None:
        raise SiteNotYetKnown(f"site {site_id} is not in protection's replica yet")
    org = settings.focal_org(site_id) or data["org"]
    opened = []
    for need, members in sorted(needs.items()):
        row = {"id": str(uuid.uuid4()), "household_id": str(data["household_id"]), "need": need,
               "site_id": site_id, "adm1": site.adm1, "org": org, "members": members, "status": "open",
               "opened_at": event.occurred_at or utcnow(), "version": 1}
        if repository.add_follow_up(unit.session, row):
            opened.append(row["id"])
            _emit(unit, "follow_up_opened", repository.follow_up(unit.session, row["id"]))
    return opened


def list_follow_ups(desk, site_id=None, status="open", limit=50, offset=0):
    query = load(FollowUpQuery(), {"site_id": site_id, "status": status, "limit": limit, "offset": offset})
    rows = repository.follow_ups_of(desk.session, access.viewer(desk.unit), **query)
    return views.page([views.follow_up(row) for row in rows],
                      domain.next_offset(query["offset"], query["limit"], len(rows)))


def _open_follow_up(desk, follow_up_id, expected_version=None):
    expected = versions.expected_version(expected_version, "follow-up")
    follow_up_id = parse_uuid(follow_up_id, "follow_up_id")
    row = repository.follow_up(desk.session, follow_up_id, lock=True)
    viewer = access.viewer(desk.unit)
    if row is None or row.org != viewer.org or not domain.may_open_case(viewer):
        raise NotFound(f"no follow-up {follow_up_id}")
    versions.require_version("follow-up", row.id, row.version, expected)
    if row.status != "open":
        raise Conflict(f"follow-up {follow_up_id} is already {row.status}")
    return row


def convert(desk, follow_up_id, case, expected_version=None):
    """Turn a follow-up into a case (the case payload as for open_case; its site is the follow-up's): the new
    case's acknowledgement, with the follow-up's id, status and version."""
    row = _open_follow_up(desk, follow_up_id, expected_version)
    if isinstance(case, dict) and case.get("site_id") not in (None, row.site_id):
        raise Forbidden("a case from a follow-up is at the follow-up's site")
    opened = open_case(desk, {**case, "site_id": row.site_id} if isinstance(case, dict) else case,
                       follow_up_id=row.id)
    row.status, row.case_id, row.closed_by, row.closed_at = "converted", opened["case_id"], desk.unit.caller.sub, utcnow()
    row.version += 1
    _emit(desk.unit, "follow_up_closed", row)
    return {**opened, "follow_up_id": row.id, "follow_up_status": row.status, "follow_up_version": row.version}


def close(desk, follow_up_id, reason, expected_version=None):
    """Close a follow-up with a reason (sealed)."""
    row = _open_follow_up(desk, follow_up_id, expected_version)
    data = load(CloseSchema(), {"reason": reason})
    row.status, row.closed_by, row.closed_at = "closed", desk.unit.caller.sub, utcnow()
    row.close_reason_sealed = desk.keys.seal(data["reason"], views.where(row, "close_reason_sealed"))
    row.version += 1
    _emit(desk.unit, "follow_up_closed", row)
    return views.follow_up_ack(row)
