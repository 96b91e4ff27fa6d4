"""Reply shapes (what partners receive, built from rows, never a row itself) and the service's own gauges.

Sealed values are opened here, and only those the rules in domain.py let this caller see."""
import json

from prometheus_client.core import GaugeMetricFamily

from haven_kernel.clock import iso

from . import domain


def where(row, column):
    """The associated data a sealed value is bound to: its table, column and row."""
    return f"{row.__tablename__}.{column}:{row.id}"


def person(keys, case):
    return json.loads(keys.open(case.person_sealed, where(case, "person_sealed")))


def consents(case):
    return {kind: {"given": getattr(case, f"consent_{kind}"), "date": iso(getattr(case, f"consent_{kind}_at")),
                   "by": getattr(case, f"consent_{kind}_by")} for kind in ("services", "share")}


def case_detail(keys, case, standing, referrals, transfers, actions):
    owner = domain.may_change(standing)
    shown = domain.shows_name(standing, case.case_type, in_list=False)
    return {
        "case_id": case.id, "case_type": case.case_type,
        "person": person(keys, case) if shown else None, "person_withheld": not shown,
        "concerns": list(case.concerns), "specific_needs": list(case.specific_needs), "risk": case.risk,
        "uasc_status": case.uasc_status, "site_id": case.site_id, "org": case.org, "caseworker": case.caseworker,
        "status": case.status, "status_dates": dict(case.status_dates), "consents": consents(case),
        "narrative": (keys.open(case.narrative_sealed, where(case, "narrative_sealed"))
                      if domain.shows_narrative(standing, case.case_type) else None),
        "actions": [action(keys, row, owner) for row in actions],
        "referrals": [referral(keys, row, owner) for row in referrals],
        "transfers": [transfer(row) for row in transfers],
        "follow_up_id": case.follow_up_id, "version": case.version, "opened_at": iso(case.opened_at),
        "your_standing": standing,
    }


def case_item(keys, case, standing):
    """A case in a list: a GBV case never shows a name here."""
    name = None
    if case.household_id is None and domain.shows_name(standing, case.case_type, in_list=True):
        name = person(keys, case).get("name")
    return {"case_id": case.id, "case_type": case.case_type, "name": name, "risk": case.risk,
            "status": case.status, "site_id": case.site_id, "org": case.org, "caseworker": case.caseworker,
            "opened_at": iso(case.opened_at)}


def action(keys, row, with_note):
    return {"action_id": row.id, "kind": row.kind, "service_type": row.service_type,
            "provider_org": row.provider_org, "due_on": iso(row.due_on), "done": row.done,
            "note": keys.open(row.note_sealed, where(row, "note_sealed")) if with_note else None,
            "by": row.by, "at": iso(row.at)}


def referral(keys, row, with_reason):
    return {"referral_id": row.id, "case_id": row.case_id, "from_org": row.from_org, "to_org": row.to_org,
            "service_type": row.service_type, "status": row.status, "assigned_to": row.assigned_to,
            "consent_override": row.consent_override, "override_by": row.override_by,
            "override_reason": (keys.open(row.override_reason_sealed, where(row, "override_reason_sealed"))
                                if with_reason else None),
            "made_by": row.made_by, "made_at": iso(row.made_at), "answered_by": row.answered_by,
            "answered_at": iso(row.answered_at), "version": row.version}


def transfer(row):
    return {"transfer_id": row.id, "case_id": row.case_id, "from_org": row.from_org, "to_org": row.to_org,
            "status": row.status, "made_by": row.made_by, "made_at": iso(row.made_at),
            "answered_by": row.answered_by, "answered_at": iso(row.answered_at), "version": row.version}


def offer(row, case_type, risk, kind):
    """A referral or transfer waiting for the receiver: no person, no narrative until accepted."""
    shown = {"kind": kind, "case_id": row.case_id, "from_org": row.from_org, "case_type": case_type, "risk": risk,
             "made_at": iso(row.made_at), "version": row.version}
    if kind == "referral":
        shown.update(referral_id=row.id, service_type=row.service_type)
    else:
        shown.update(transfer_id=row.id)
    return shown


def log_entry(row):
    return {"at": iso(row.at), "sub": row.sub, "org": row.org, "case_id": row.case_id, "case_org": row.case_org,
            "action": row.action, "detail": row.detail}


def follow_up(row):
    return {"follow_up_id": row.id, "household_id": row.household_id, "need": row.need, "site_id": row.site_id,
            "org": row.org, "members": row.members, "status": row.status, "case_id": row.case_id,
            "closed_by": row.closed_by, "opened_at": iso(row.opened_at), "closed_at": iso(row.closed_at),
            "version": row.version}


# -- write replies: acknowledgements (ids, version, status, what changed), never a person, narrative, note or
# reason. The RPC inbox keeps each write's reply in plain JSON for a day (rpc_requests) to answer a retry; the
# partner reads the case itself with get_case (access-logged).
def case_ack(case, changed):
    """The reply to a change of a case: what was written, not the case."""
    return {"case_id": case.id, "case_type": case.case_type, "status": case.status, "risk": case.risk,
            "org": case.org, "caseworker": case.caseworker, "version": case.version, "changed": list(changed)}


def referral_ack(row):
    return {"referral_id": row.id, "case_id": row.case_id, "from_org": row.from_org, "to_org": row.to_org,
            "service_type": row.service_type, "status": row.status, "assigned_to": row.assigned_to,
            "consent_override": row.consent_override, "version": row.version}


def transfer_ack(row):
    return {"transfer_id": row.id, "case_id": row.case_id, "from_org": row.from_org, "to_org": row.to_org,
            "status": row.status, "version": row.version}


def follow_up_ack(row):
    return {"follow_up_id": row.id, "need": row.need, "site_id": row.site_id, "status": row.status,
            "case_id": row.case_id, "version": row.version}


def page(items, next_offset):
    return {"items": items, "next_offset": next_offset}


def metric_families(cases, follow_ups):
    gauge = GaugeMetricFamily("haven_protection_cases", "Protection cases by type and status (all organisations)",
                              labels=["case_type", "status"])
    for (case_type, status), count in sorted(cases.items()):
        gauge.add_metric([case_type, status], count)
    pending = GaugeMetricFamily("haven_protection_follow_ups", "Protection follow-ups by status",
                                labels=["status"])
    for status, count in sorted(follow_ups.items()):
        pending.add_metric([status], count)
    return [gauge, pending]
