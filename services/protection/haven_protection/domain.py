"""The protection service's rules in plain Python: no broker, no session, no clock of their own.

Who may see and do what with a case is decided HERE and nowhere else (``standing`` and the ``may_*`` rules); the
use cases ask these rules and turn a "no" into NotFound (the case's existence is not revealed) or Forbidden.

Scopes (the token's ``scopes``; ``admin`` gives nothing here: it passes the entrypoints' scope check, but the case
rules below never look at it):

- ``protection:read`` / ``protection:write``: needed by the read / change methods (checked by the entrypoints);
- ``protection:caseworker``: sees and works the cases assigned to them (``sub``) in their organisation (``org``);
- ``protection:manager``: sees every case of their organisation, assigns caseworkers, answers referrals and
  transfers to their organisation, reads their organisation's access log;
- ``protection:consent_override``: may refer a case without the consent its type needs, giving a reason.

Another organisation sees a case only while a referral to it is accepted (its managers, and the caseworker the
referral is assigned to), or once a transfer to it is accepted (then it owns the case and the sender no longer sees
it). A GBV case's name never appears in a list; on the case itself only its assigned caseworker sees it.
"""
from dataclasses import dataclass

CASEWORKER = "protection:caseworker"
MANAGER = "protection:manager"
CONSENT_OVERRIDE = "protection:consent_override"

MAX_PAGE = 200  # the most records one call returns

OWNER_CASEWORKER, OWNER_MANAGER, REFERRED = "caseworker", "manager", "referred"

WORKFLOW = ("new", "assessment", "case_plan", "services", "closed")
REOPENED_TO = "assessment"

# What a referral needs, per case type (docs/domain.md §7): child protection both, GBV consent for services;
# general protection (Haven default) consent to share, since the case leaves the organisation.
REFERRAL_CONSENTS = {
    "child_protection": ("services", "share"),
    "gbv": ("services",),
    "general_protection": ("share",),
}


@dataclass(frozen=True)
class Viewer:
    sub: str
    org: str
    scopes: frozenset

    @classmethod
    def of(cls, caller):
        return cls(caller.sub, caller.org, frozenset(caller.scopes))

    @property
    def caseworker(self):
        return CASEWORKER in self.scopes

    @property
    def manager(self):
        return MANAGER in self.scopes


@dataclass(frozen=True)
class Sharing:
    """A referral as the access rules see it."""
    to_org: str
    status: str
    assigned_to: str | None = None


@dataclass(frozen=True)
class CaseAccess:
    """A case as the access rules see it: its owner, assigned caseworker, type and referrals."""
    org: str
    caseworker: str | None
    case_type: str
    referrals: tuple = ()


def standing(viewer, case):
    """How ``viewer`` stands to ``case``: OWNER_CASEWORKER, OWNER_MANAGER, REFERRED, or None (may not see it)."""
    if viewer.org == case.org:
        if viewer.manager:
            return OWNER_MANAGER
        if viewer.caseworker and case.caseworker is not None and case.caseworker == viewer.sub:
            return OWNER_CASEWORKER
        return None
    for referral in case.referrals:
        if referral.to_org == viewer.org and referral.status == "accepted":
            if viewer.manager or (viewer.caseworker and referral.assigned_to == viewer.sub):
                return REFERRED
    return None


def may_change(standing_):
    """The owning organisation's caseworker (assigned) or manager changes a case; a referred one only reads it."""
    return standing_ in (OWNER_CASEWORKER, OWNER_MANAGER)


def may_assign(standing_):
    return standing_ == OWNER_MANAGER


def may_transfer(standing_):
    return standing_ == OWNER_MANAGER


def may_read_log(viewer):
    return viewer.manager


def may_open_case(viewer):
    return viewer.caseworker or viewer.manager


def may_answer(viewer, to_org):
    """A referral or transfer to ``to_org`` is answered by a manager of that organisation."""
    return viewer.manager and viewer.org == to_org


def shows_name(standing_, case_type, in_list):
    """Whether a case's person (name, identifying details) is shown: never for GBV in a list; on a GBV case only
    to its assigned caseworker; otherwise to whoever may see the case."""
    if standing_ is None:
        return False
    if case_type == "gbv":
        return not in_list and standing_ == OWNER_CASEWORKER
    return True


def shows_narrative(standing_, case_type):
    """The narrative: on the case itself, to the owner side; a GBV narrative only to the assigned caseworker."""
    if case_type == "gbv":
        return standing_ == OWNER_CASEWORKER
    return standing_ in (OWNER_CASEWORKER, OWNER_MANAGER)


def missing_consents(case_type, consents):
    """The consents a referral of a ``case_type`` case still needs: ``consents`` is ``{"services": bool|None,
    "share": bool|None}``; a consent counts only when given (True)."""
    return [kind for kind in REFERRAL_CONSENTS[case_type] if consents.get(kind) is not True]


def referral_override(viewer, missing, reason):
    """None when the referral may go ahead; otherwise why not. Missing consent is overridden only by a holder of
    ``protection:consent_override`` who gives a reason."""
    if not missing:
        return None
    if CONSENT_OVERRIDE not in viewer.scopes:
        return "consent missing: " + ", ".join(missing)
    if not reason:
        return "a consent override needs a reason"
    return None


def next_statuses(status):
    """Where a case may go from ``status``: one step on, or closed from any open step; closed reopens to
    assessment."""
    if status == "closed":
        return (REOPENED_TO,)
    step = WORKFLOW.index(status)
    return tuple(dict.fromkeys((WORKFLOW[step + 1], "closed")))


def may_move(status, to):
    return to in next_statuses(status)


def referral_moves(status):
    """A referral's next statuses: pending → accepted | declined | revoked; accepted → revoked."""
    return {"pending": ("accepted", "declined", "revoked"), "accepted": ("revoked",)}.get(status, ())


def follow_up_needs(specific_needs, groups):
    """``{group: members}`` for the specific-needs ``groups`` (e.g. SC, CR, SV) a household has (codes with
    counts; a group is named by its code or by ``GROUP-XX`` sub-codes)."""
    found = {}
    for code, count in specific_needs.items():
        group = code.split("-", 1)[0]
        if group in groups and count > 0:
            found[group] = found.get(group, 0) + count
    return found


def event_place(case_type, site_id, adm1):
    """The place an event may carry: a GBV case's events carry no site (admin level 1 at most)."""
    return (None, adm1) if case_type == "gbv" else (site_id, adm1)


def follow_up_place(need, site_id, adm1, gbv_needs=("SV",)):
    return (None, adm1) if need in gbv_needs else (site_id, adm1)


def next_offset(offset, limit, returned):
    """Where the next page starts, or None when this one was the last (it held fewer than ``limit``)."""
    return offset + limit if returned >= limit else None
