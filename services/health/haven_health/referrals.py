"""Referrals between facilities: counted by reason, urgency and status (referred, accepted, refused, completed);
never the patient."""
import uuid

from haven_kernel import versions
from haven_kernel.clock import utcnow
from haven_kernel.errors import Conflict, NotFound
from haven_kernel.validation import load, parse_uuid

from . import repository, views
from .access import to_change
from .models import Referral
from .schemas import ReferralSchema, ReferralStepSchema

NEXT = {"referred": ("accepted", "refused"), "accepted": ("completed",)}


def refer(unit, payload):
    data = load(ReferralSchema(), payload, field="referral")
    to_change(unit, repository.facility(unit.session, data["from_facility_id"]), "facility", data["from_facility_id"])
    if repository.facility(unit.session, data["to_facility_id"]) is None:
        raise NotFound(f"facility {data['to_facility_id']} not found")
    now = utcnow()
    referral = Referral(id=str(uuid.uuid4()), status="referred", org=unit.caller.org, referred_at=now,
                        updated_at=now, version=1, **data)
    unit.session.add(referral)
    unit.session.flush()
    return views.referral(referral)


def move(unit, payload, expected_version=None):
    """The receiving facility's organisation accepts, refuses, then completes a referral; Conflict when
    ``expected_version`` is given and the referral moved since."""
    expected = versions.expected_version(expected_version, "referral")
    data = load(ReferralStepSchema(), payload, field="referral")
    referral = repository.referral(unit.session, data["referral_id"], lock=True)
    if referral is None:
        raise NotFound(f"referral {data['referral_id']} not found")
    to_change(unit, repository.facility(unit.session, referral.to_facility_id), "facility", referral.to_facility_id)
    versions.require_version("referral", referral.id, referral.version, expected)
    if data["status"] not in NEXT.get(referral.status, ()):
        raise Conflict(f"a {referral.status} referral cannot become {data['status']}")
    referral.status = data["status"]
    referral.version += 1
    referral.updated_at = utcnow()
    return views.referral(referral)


def counts(unit, facility_id=None):
    facility_id = None if facility_id is None else parse_uuid(facility_id, "facility_id")
    return {"facility_id": facility_id, "counts": [
        {"reason": reason, "urgency": urgency, "status": status, "count": count}
        for reason, urgency, status, count in repository.referral_counts(unit.session, facility_id)]}
