"""Cases: open, read, list, change, move along the workflow, consent, services and follow-up visits, assign.

Each use case finds the case through :mod:`access` (NotFound / Forbidden by the rules of domain.py), writes the
access log and, for a change, emits the case's state (no names, narratives or free text; no site for GBV). A change
replies with an acknowledgement (:func:`views.case_ack`: ids, version, status, the names of what changed), never
the case: the RPC inbox keeps write replies in plain JSON, and a caller reads the case with :func:`get_case`. A
change may name the case's ``version`` its caller read (``expected_version``): a case changed since is a Conflict
naming its current version, and nothing changes."""
import json
import uuid

from haven_kernel import versions
from haven_kernel.clock import iso, utcnow
from haven_kernel.errors import Conflict, Forbidden, ValidationError
from haven_kernel.replica import Replica
from haven_kernel.validation import load

from . import access, domain, repository, views
from .models import Case, CaseAction, Site
from .schemas import ActionSchema, AssignSchema, CaseChangeSchema, CaseQuery, CaseSchema, ConsentSchema, StatusSchema


class Desk:
    """The use cases' context: the unit of work, the keyring and the sites' fallback lookup (shelter)."""

    def __init__(self, unit, keys, site_lookup=None):
        self.unit, self.keys, self.site_lookup = unit, keys, site_lookup

    @property
    def session(self):
        return self.unit.session

    def site(self, site_id, field="site_id"):
        site = Replica(Site, self.unit, fallback=self.site_lookup).get(site_id)
        if site is None:
            raise ValidationError({field: ["Unknown site."]})
        return site

    def emit_state(self, event_type, case):
        site_id, adm1 = domain.event_place(case.case_type, case.site_id, case.adm1)
        self.unit.emit(event_type, {"case_id": case.id, "case_type": case.case_type, "risk": case.risk,
                                    "status": case.status, "site_id": site_id, "adm1": adm1,
                                    "version": case.version, "at": iso(case.updated_at)})


def _seal_person(desk, case, person):
    case.person_sealed = desk.keys.seal(json.dumps(person, sort_keys=True), views.where(case, "person_sealed"))
    case.household_id, case.member_id = person.get("household_id"), person.get("member_id")


def open_case(desk, payload, follow_up_id=None):
    data = load(CaseSchema(), payload, field="case")
    viewer = access.viewer(desk.unit)
    if not domain.may_open_case(viewer):
        raise Forbidden("opening a case needs 'protection:caseworker' or 'protection:manager'")
    caseworker = data.get("caseworker")
    if not viewer.manager:
        if caseworker not in (None, viewer.sub):
            raise Forbidden("a caseworker opens cases for themselves; a manager assigns others")
        caseworker = viewer.sub
    site = desk.site(data["site_id"], "case.site_id")
    now = utcnow()
    case = Case(id=str(uuid.uuid4()), case_type=data["case_type"], concerns=data["concerns"],
                specific_needs=data["specific_needs"], risk=data["risk"], uasc_status=data.get("uasc_status"),
                site_id=site.site_id, adm1=site.adm1, org=viewer.org, caseworker=caseworker, status="new",
                status_dates={"new": iso(now.date())}, follow_up_id=follow_up_id, version=1, opened_at=now,
                updated_at=now)
    _seal_person(desk, case, data["person"])
    case.narrative_sealed = desk.keys.seal(data.get("narrative"), views.where(case, "narrative_sealed"))
    desk.session.add(case)
    desk.session.flush()
    access.log(desk.unit, [case], "change", "opened")
    desk.emit_state("case_opened", case)
    return views.case_ack(case, ["opened"])


def get_case(desk, case_id, logged=True):
    case, standing, referrals = access.find_with_referrals(desk.unit, case_id)
    session = desk.session
    if logged:
        access.log(desk.unit, [case], "open", "case")
    return views.case_detail(desk.keys, case, standing, referrals, repository.transfers_of(session, case.id),
                             repository.actions_of(session, case.id))


def list_cases(desk, query):
    """A page of the cases the caller may see; every case listed is a list hit in the access log."""
    query = load(CaseQuery(), query)
    viewer = access.viewer(desk.unit)
    rows = repository.visible_cases(desk.session, viewer, **query)
    referrals = repository.referrals_of(desk.session, [row.id for row in rows])
    shown = []
    for row in rows:
        standing = domain.standing(viewer, access.case_access(row, referrals[row.id]))
        if standing is not None:
            shown.append(views.case_item(desk.keys, row, standing))
    access.log(desk.unit, [(item["case_id"], item["org"]) for item in shown], "list", "list hit")
    return views.page(shown, domain.next_offset(query["offset"], query["limit"], len(rows)))


def find_current(desk, case_id, allowed, expected_version=None):
    """The case, locked, for a change ``allowed`` to the caller; Conflict when ``expected_version`` is given and the
    case is at another version (checked after access: a case the caller may not see stays NotFound)."""
    expected = versions.expected_version(expected_version, "case")
    case, _ = access.find(desk.unit, case_id, allowed, lock=True)
    versions.require_version("case", case.id, case.version, expected)
    return case


def _changed(desk, case, event_type, detail, changed, **more):
    case.version += 1
    case.updated_at = utcnow()
    access.log(desk.unit, [case], "change", detail)
    if event_type:
        desk.emit_state(event_type, case)
    return {**views.case_ack(case, changed), **more}


def update_case(desk, case_id, changes, expected_version=None):
    case = find_current(desk, case_id, domain.may_change, expected_version)
    data = load(CaseChangeSchema(), changes, field="changes")
    if "person" in data:
        _seal_person(desk, case, data["person"])
    if "narrative" in data:
        case.narrative_sealed = desk.keys.seal(data["narrative"], views.where(case, "narrative_sealed"))
    if "site_id" in data:
        site = desk.site(data["site_id"], "changes.site_id")
        case.site_id, case.adm1 = site.site_id, site.adm1
    for name in ("concerns", "specific_needs", "risk", "uasc_status"):
        if name in data:
            setattr(case, name, data[name])
    public = {"risk", "site_id"} & set(data)
    return _changed(desk, case, "case_updated" if public else None, ",".join(sorted(data)), sorted(data))


def change_status(desk, case_id, payload, expected_version=None):
    case = find_current(desk, case_id, domain.may_change, expected_version)
    data = load(StatusSchema(), payload)
    if not domain.may_move(case.status, data["status"]):
        raise Conflict(f"a case in {case.status} moves to {' or '.join(domain.next_statuses(case.status))}, "
                       f"not {data['status']}")
    case.status = data["status"]
    case.status_dates = {**case.status_dates, data["status"]: iso(data.get("date") or utcnow().date())}
    return _changed(desk, case, "case_status_changed", f"status:{data['status']}", ["status"])


def record_consent(desk, case_id, payload, expected_version=None):
    case = find_current(desk, case_id, domain.may_change, expected_version)
    data = load(ConsentSchema(), payload, field="consent")
    kind = data["kind"]
    setattr(case, f"consent_{kind}", data["given"])
    setattr(case, f"consent_{kind}_at", data["date"])
    setattr(case, f"consent_{kind}_by", desk.unit.caller.sub)
    return _changed(desk, case, None, f"consent:{kind}", [f"consents.{kind}"])


def record_action(desk, case_id, payload, expected_version=None):
    """A service planned or delivered, or a follow-up visit, on the case (its note sealed)."""
    case = find_current(desk, case_id, domain.may_change, expected_version)
    data = load(ActionSchema(), payload, field="action")
    row = CaseAction(id=str(uuid.uuid4()), case_id=case.id, kind=data["kind"],
                     service_type=data.get("service_type"), provider_org=data.get("provider_org"),
                     due_on=data.get("due_on"), done=data["done"], by=desk.unit.caller.sub, at=utcnow())
    row.note_sealed = desk.keys.seal(data.get("note"), views.where(row, "note_sealed"))
    desk.session.add(row)
    return _changed(desk, case, None, f"action:{data['kind']}", ["actions"], action_id=row.id)


def assign_case(desk, case_id, payload, expected_version=None):
    case = find_current(desk, case_id, domain.may_assign, expected_version)
    data = load(AssignSchema(), payload)
    case.caseworker = data["caseworker"]
    return _changed(desk, case, None, "assigned", ["caseworker"])
