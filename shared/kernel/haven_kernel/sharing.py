"""Who may see and change a record: Haven's data-sharing model, one decision for every service.

* A record belongs to the organisation that created it, its **owner** (the ``org`` of the token that created it; a
  site: its managing agency).
* Its personal fields are visible, and changes allowed, only to
  - its owner;
  - an organisation the owner **shares** with: an agreement recorded in the service (``grant_sharing``,
    ``revoke_sharing``, ``list_sharing``, on every ``HavenService``), granted by the owner, revocable, every grant
    and revoke written to the insert-only ``sharing_log``. Its access level is ``read`` (the partner sees the
    records; a change is Forbidden) or ``write`` (it sees and changes them as the owner does);
  - a caller holding the service's **lead-agency scope** ``<service>:lead``: every record of another organisation it
    reaches that way is written to the insert-only ``access_audit`` (who, which scope, which method, which record,
    whose, the correlation id), in the call's transaction.
  ``admin`` is none of these: it passes scope checks, never this one.
* For anyone else such a record does not exist: NotFound for a call on one record, absent from a search (and from
  its total). Aggregate counts (sitrep, metrics) stay open to readers.

The pure decision is :func:`decide`; a use case works through :class:`Sharing`::

    sharing = Sharing(self.db, "household")
    sharing.require(household.org, household.id)          # NotFound unless the caller may read; a lead's use audited
    sharing.require(household.org, household.id, write=True)  # a change: also Forbidden to a read-only partner
    household = sharing.record(session.get(Household, key), key)  # None or not the caller's to see: NotFound
    sharing.require_change(site.managing_agency, site.id) # reference data all readers see: Forbidden to change
    query = query.where(sharing.visible(Household.org))   # a search: only what the caller may see
    sharing.reached((h.org, h.id) for h in page)          # audits the lead's use of what the search returned
    if sharing.allows(other.org, other.id): ...           # a hint about another record: show it or only say it exists

The agreements are kept by :class:`Agreements` (the RPC methods call it).
"""
from sqlalchemy import delete, or_, select, true

from .clock import iso, utcnow
from .db.sharing_tables import AccessAudit, SharingAgreement, SharingLogEntry
from .errors import Forbidden, NotFound, ValidationError
from .validation import optional_text

OWNER, SHARED, LEAD = "owner", "shared", "lead"
READ, WRITE = "read", "write"  # an agreement's access level
LEVELS = (READ, WRITE)
MAX_ORG = 50


def lead_scope(service):
    return f"{service}:lead"


def decide(org, scopes, owner, sharers, service, write=False):
    """How a caller of ``org`` holding ``scopes`` reaches a record ``owner`` owns in ``service`` to read it (``write``:
    to change it): :data:`OWNER`, :data:`SHARED` (``sharers`` maps each organisation that shares with the caller's to
    its agreement's level, :data:`READ` or :data:`WRITE`; a change needs :data:`WRITE`), :data:`LEAD` (the caller
    holds ``<service>:lead``; ``admin`` does not count) or None (it may not)."""
    if not org or not owner:
        return None
    if owner == org:
        return OWNER
    if sharers.get(owner) == WRITE or (owner in sharers and not write):
        return SHARED
    if lead_scope(service) in scopes:
        return LEAD
    return None


class Sharing:
    """The caller's access to ``kind`` records of the service, over the unit of work ``unit`` (``self.db``)."""

    def __init__(self, unit, kind):
        self.unit = unit
        self.kind = kind
        self.service = unit.service_name
        caller = unit.caller
        self.org = caller.org if caller else None
        self.scopes = tuple(caller.scopes) if caller else ()
        self.sub = caller.sub if caller else None
        self._sharers = None

    @property
    def lead(self):
        return lead_scope(self.service) in self.scopes

    @property
    def sharers(self):
        """``{organisation: level}`` of the organisations that share their records with the caller's (read once)."""
        if self._sharers is None:
            self._sharers = dict(self.unit.session.execute(
                select(SharingAgreement.owner_org, SharingAgreement.access).where(
                    SharingAgreement.partner_org == self.org)).all()) if self.org else {}
        return self._sharers

    def access(self, owner, write=False):
        """:func:`decide` for a record of ``owner`` (``write``: to change it), without auditing."""
        if owner == self.org and owner:
            return OWNER
        return decide(self.org, self.scopes, owner, self.sharers, self.service, write)

    def allows(self, owner, record_id, write=False):
        """Whether the caller may see the record (``write``: and change it); a reach through the lead scope is
        audited."""
        access = self.access(owner, write)
        if access == LEAD:
            self._audit(owner, record_id)
        return access is not None

    def require(self, owner, record_id, write=False):
        """Raise NotFound (as for a record that does not exist) unless the caller may read the record; with
        ``write``, also Forbidden to an organisation the owner shares with for reading only."""
        if self.allows(owner, record_id, write):
            return
        if write and self.access(owner) is not None:
            raise Forbidden(f"{owner} shares its {self.kind} records with {self.org} for reading only: a change needs "
                            f"a write agreement (grant_sharing with access 'write') or {lead_scope(self.service)!r}")
        raise NotFound(f"{self.kind} {record_id} does not exist")

    def record(self, row, key=None, write=False):
        """``row`` (a record with its ``id`` and owner ``org``, or None) if the caller may read it (``write``: change
        it). NotFound naming ``key`` (default: its id) for None or a record the caller may not see, as if it did not
        exist; Forbidden for a change a read agreement does not allow. A lead's reach is audited."""
        key = row.id if key is None and row is not None else key
        if row is None or self.access(row.org) is None:
            raise NotFound(f"{self.kind} {key} does not exist")
        self.require(row.org, row.id, write)
        return row

    def require_change(self, owner, record_id):
        """For a record every reader may see (reference data, such as a site): raise Forbidden, naming the owner,
        unless the caller may change it (its owner, a write agreement, the lead scope)."""
        if not self.allows(owner, record_id, write=True):
            raise Forbidden(f"{self.kind} {record_id} is managed by {owner}: only {owner}, an organisation it shares "
                            f"with for writing, or a caller with {lead_scope(self.service)!r} may change it")

    def visible(self, owner_column, write=False):
        """A clause keeping the rows the caller may see (``write``: change; ``owner_column``: the owner's column):
        all for the lead scope (then audit what is returned with :meth:`reached`)."""
        if self.lead:
            return true()
        shared = select(SharingAgreement.owner_org).where(SharingAgreement.partner_org == self.org)
        if write:
            shared = shared.where(SharingAgreement.access == WRITE)
        return or_(owner_column == self.org, owner_column.in_(shared))

    def reached(self, records):
        """Audit the lead's use of ``records`` (``(owner, record id)`` pairs a search returned): those neither owned
        by the caller's organisation nor shared with it."""
        if not self.lead:
            return
        for owner, record_id in records:
            if self.access(owner) == LEAD:
                self._audit(owner, record_id)

    def _audit(self, owner, record_id):
        unit = self.unit
        unit.session.add(AccessAudit(at=utcnow(), sub=self.sub or "", org=self.org, scope=lead_scope(self.service),
                                     method=unit.method, record_kind=self.kind, record_id=str(record_id),
                                     owner_org=owner, correlation_id=unit.correlation_id))


class Agreements:
    """The caller's organisation's sharing agreements in this service: grant, revoke, list (every change logged)."""

    def __init__(self, unit):
        self.unit = unit
        caller = unit.caller
        self.org = caller.org if caller else None
        self.sub = caller.sub if caller else ""

    def grant(self, partner_org, note=None, access=READ):
        """Share the caller's organisation's records with ``partner_org`` at ``access`` level: :data:`READ` (it sees
        them) or :data:`WRITE` (it sees and changes them). Granting again at the same level changes nothing; at the
        other level it changes the agreement's level (logged as a grant)."""
        partner_org = self._partner(partner_org)
        note = optional_text("note", note, 500)
        if access not in LEVELS:
            raise ValidationError({"access": [f"Must be one of: {', '.join(LEVELS)}."]})
        session = self.unit.session
        agreement = session.get(SharingAgreement, (self.org, partner_org))
        if agreement is None or agreement.access != access:
            now = utcnow()
            if agreement is None:
                agreement = SharingAgreement(owner_org=self.org, partner_org=partner_org)
                session.add(agreement)
            agreement.access, agreement.granted_at, agreement.granted_by = access, now, self.sub
            agreement.note = note if note is not None else agreement.note
            self._log("granted", partner_org, note, now, access)
            session.flush()
        return _agreement_view(agreement)

    def revoke(self, partner_org):
        """End the agreement with ``partner_org`` (NotFound if there is none): from now on it sees none of the
        caller's organisation's records."""
        partner_org = self._partner(partner_org)
        removed = self.unit.session.execute(delete(SharingAgreement).where(
            SharingAgreement.owner_org == self.org, SharingAgreement.partner_org == partner_org)).rowcount
        if not removed:
            raise NotFound(f"{self.org} has no sharing agreement with {partner_org}")
        self._log("revoked", partner_org, None, utcnow())
        return {"owner_org": self.org, "partner_org": partner_org, "status": "revoked"}

    def list(self):
        """The agreements the caller's organisation granted and received, and its log (newest first, 100 at most)."""
        session = self.unit.session
        granted = session.execute(select(SharingAgreement).where(SharingAgreement.owner_org == self.org)
                                  .order_by(SharingAgreement.partner_org)).scalars()
        received = session.execute(select(SharingAgreement).where(SharingAgreement.partner_org == self.org)
                                   .order_by(SharingAgreement.owner_org)).scalars()
        log = session.execute(select(SharingLogEntry).where(or_(SharingLogEntry.owner_org == self.org,
                                                                SharingLogEntry.partner_org == self.org))
                              .order_by(SharingLogEntry.id.desc()).limit(100)).scalars()
        return {"org": self.org, "granted": [_agreement_view(a) for a in granted],
                "received": [_agreement_view(a) for a in received],
                "log": [{"at": iso(e.at), "action": e.action, "owner_org": e.owner_org, "partner_org": e.partner_org,
                         "access": e.access, "by": e.by_sub} for e in log]}

    def _partner(self, partner_org):
        partner_org = optional_text("partner_org", partner_org, MAX_ORG)
        if partner_org is None:
            raise ValidationError({"partner_org": ["Missing data for required field."]})
        if partner_org == self.org:
            raise ValidationError({"partner_org": ["Must be another organisation than the caller's."]})
        if not self.org:
            raise ValidationError({"partner_org": ["The caller has no organisation."]})
        return partner_org

    def _log(self, action, partner_org, note, at, access=None):
        self.unit.session.add(SharingLogEntry(at=at, action=action, owner_org=self.org, partner_org=partner_org,
                                              access=access, by_sub=self.sub, correlation_id=self.unit.correlation_id,
                                              note=note))


def _agreement_view(agreement):
    return {"owner_org": agreement.owner_org, "partner_org": agreement.partner_org, "access": agreement.access,
            "granted_at": iso(agreement.granted_at), "granted_by": agreement.granted_by, "note": agreement.note,
            "status": "granted"}
