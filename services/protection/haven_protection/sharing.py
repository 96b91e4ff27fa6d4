"""Referral (shares a case with another organisation for a service: the receiver accepts or declines, the sender
may revoke) and transfer (moves ownership: only the receiver accepts or declines), with the consent rule.

A pending referral or transfer shows the receiver only what it needs to answer (type, risk, service; never the
person or narrative): the case itself stays NotFound for them until they accept.

Each change replies with an acknowledgement (:func:`views.referral_ack`, :func:`views.transfer_ack`; never the case,
a person or a reason) and may name the ``version`` its caller read (``expected_version``: the case's when referring
or transferring it, the referral's or the transfer's when answering or revoking): Conflict when it changed since."""
import uuid

from haven_kernel import versions
from haven_kernel.clock import iso, utcnow
from haven_kernel.errors import Conflict, Forbidden, NotFound, ValidationError
from haven_kernel.validation import load, parse_uuid

from . import access, domain, repository, views
from .cases import find_current
from .models import Referral, Transfer
from .schemas import AnswerSchema, PageQuery, ReferralSchema


def _emit_referral(desk, row, case_type):
    desk.unit.emit("case_referred", {"referral_id": row.id, "case_id": row.case_id, "case_type": case_type,
                                     "service_type": row.service_type, "status": row.status,
                                     "consent_override": row.consent_override, "version": row.version,
                                     "at": iso(row.answered_at or row.made_at)})


def _emit_transfer(desk, row, case_type):
    desk.unit.emit("case_transferred", {"transfer_id": row.id, "case_id": row.case_id, "case_type": case_type,
                                        "status": row.status, "version": row.version,
                                        "at": iso(row.answered_at or row.made_at)})


def refer_case(desk, case_id, payload, expected_version=None):
    """Refer a case; refused without the consent its type needs, unless a ``protection:consent_override`` holder
    gives a reason (kept sealed with the referral, and the override flagged in its event)."""
    case = find_current(desk, case_id, domain.may_change, expected_version)
    data = load(ReferralSchema(), payload, field="referral")
    viewer = access.viewer(desk.unit)
    if data["to_org"] == case.org:
        raise ValidationError({"referral.to_org": ["A case is referred to another organisation."]})
    missing = domain.missing_consents(case.case_type, {"services": case.consent_services,
                                                       "share": case.consent_share})
    refusal = domain.referral_override(viewer, missing, data.get("override_reason"))
    if refusal is not None:
        raise Forbidden(f"referral refused: {refusal}")
    now = utcnow()
    row = Referral(id=str(uuid.uuid4()), case_id=case.id, from_org=case.org, to_org=data["to_org"],
                   service_type=data["service_type"], status="pending", consent_override=bool(missing),
                   made_by=viewer.sub, made_at=now, version=1)
    if missing:
        row.override_by = viewer.sub
        row.override_reason_sealed = desk.keys.seal(data["override_reason"],
                                                    views.where(row, "override_reason_sealed"))
    desk.session.add(row)
    desk.session.flush()
    access.log(desk.unit, [case], "refer",
               f"to {row.to_org}" + (f"; consent override ({','.join(missing)})" if missing else ""))
    _emit_referral(desk, row, case.case_type)
    return views.referral_ack(row)


def _referral(desk, referral_id):
    referral_id = parse_uuid(referral_id, "referral_id")
    row = repository.referral(desk.session, referral_id, lock=True)
    if row is None:
        raise NotFound(f"no referral {referral_id}")
    return row


def answer_referral(desk, referral_id, payload, expected_version=None):
    """The receiving organisation's manager accepts (naming the caseworker who works it, by default themselves)
    or declines. Anyone else: NotFound. Accepted, the case is read with get_case."""
    expected = versions.expected_version(expected_version, "referral")
    row = _referral(desk, referral_id)
    viewer = access.viewer(desk.unit)
    if not domain.may_answer(viewer, row.to_org):
        raise NotFound(f"no referral {row.id}")
    versions.require_version("referral", row.id, row.version, expected)
    data = load(AnswerSchema(), payload, field="answer")
    to = "accepted" if data["accept"] else "declined"
    if to not in domain.referral_moves(row.status):
        raise Conflict(f"a {row.status} referral cannot be {to}")
    case = repository.case(desk.session, row.case_id, lock=True)
    row.status, row.answered_by, row.answered_at = to, viewer.sub, utcnow()
    row.assigned_to = data.get("caseworker", viewer.sub) if data["accept"] else None
    row.version += 1
    access.log(desk.unit, [case], "referral", to)
    _emit_referral(desk, row, case.case_type)
    return views.referral_ack(row)


def revoke_referral(desk, referral_id, expected_version=None):
    """The sending side takes a referral back: the receiver no longer sees the case."""
    expected = versions.expected_version(expected_version, "referral")
    row = _referral(desk, referral_id)
    case, _ = access.find(desk.unit, row.case_id, domain.may_change, lock=True)
    versions.require_version("referral", row.id, row.version, expected)
    if case.org != row.from_org or "revoked" not in domain.referral_moves(row.status):
        raise Conflict(f"a {row.status} referral cannot be revoked")
    row.status, row.answered_by, row.answered_at = "revoked", desk.unit.caller.sub, utcnow()
    row.version += 1
    access.log(desk.unit, [case], "referral", "revoked")
    _emit_referral(desk, row, case.case_type)
    return views.referral_ack(row)


def transfer_case(desk, case_id, to_org, expected_version=None):
    """The owning organisation's manager offers the case to another organisation (the consent the case type
    needs for a referral is needed too: the whole case leaves)."""
    case = find_current(desk, case_id, domain.may_transfer, expected_version)
    if not isinstance(to_org, str) or not to_org or len(to_org) > 50 or to_org == case.org:
        raise ValidationError({"to_org": ["Another organisation's name."]})
    missing = domain.missing_consents(case.case_type, {"services": case.consent_services,
                                                       "share": case.consent_share})
    if missing:
        raise Forbidden("transfer refused: consent missing: " + ", ".join(missing))
    if repository.pending_transfer(desk.session, case.id) is not None:
        raise Conflict(f"case {case.id} already has a transfer waiting for an answer")
    row = Transfer(id=str(uuid.uuid4()), case_id=case.id, from_org=case.org, to_org=to_org, status="pending",
                   made_by=desk.unit.caller.sub, made_at=utcnow(), version=1)
    desk.session.add(row)
    access.log(desk.unit, [case], "transfer", f"offered to {to_org}")
    _emit_transfer(desk, row, case.case_type)
    return views.transfer_ack(row)


def answer_transfer(desk, transfer_id, payload, expected_version=None):
    """The receiving manager accepts (the case becomes theirs, its caseworker the one named, by default
    nobody until they assign) or declines. Accepted, the case is read with get_case."""
    expected = versions.expected_version(expected_version, "transfer")
    transfer_id = parse_uuid(transfer_id, "transfer_id")
    row = repository.transfer(desk.session, transfer_id, lock=True)
    viewer = access.viewer(desk.unit)
    if row is None or not domain.may_answer(viewer, row.to_org):
        raise NotFound(f"no transfer {transfer_id}")
    versions.require_version("transfer", row.id, row.version, expected)
    data = load(AnswerSchema(), payload, field="answer")
    if row.status != "pending":
        raise Conflict(f"a {row.status} transfer cannot be answered")
    case = repository.case(desk.session, row.case_id, lock=True)
    row.status = "accepted" if data["accept"] else "declined"
    row.answered_by, row.answered_at = viewer.sub, utcnow()
    row.version += 1
    if data["accept"]:
        case.org, case.caseworker = row.to_org, data.get("caseworker")
        case.version += 1
        case.updated_at = row.answered_at
    access.log(desk.unit, [case], "transfer", row.status)
    _emit_transfer(desk, row, case.case_type)
    return {**views.transfer_ack(row), "case_version": case.version}


def incoming(desk, limit=50, offset=0):
    """Referrals and transfers waiting for the caller's organisation (managers)."""
    query = load(PageQuery(), {"limit": limit, "offset": offset})
    viewer = access.viewer(desk.unit)
    if not viewer.manager:
        return {"referrals": [], "transfers": []}
    referrals, transfers = repository.incoming(desk.session, viewer.org, query["limit"], query["offset"])
    return {"referrals": [views.offer(r, t, k, "referral") for r, t, k in referrals],
            "transfers": [views.offer(r, t, k, "transfer") for r, t, k in transfers]}
