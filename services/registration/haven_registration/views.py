"""What registration returns and publishes: the reply shapes of its methods and the data of its household events
(counts, never names, birth dates or phone numbers)."""
from prometheus_client.core import GaugeMetricFamily

from haven_contracts.reference import age_on
from haven_kernel.clock import iso

from . import domain


def member_facts(member):
    """What ``domain.summarize`` reads of a member, from a stored member (a mapping or a ``models.Member``)."""
    if isinstance(member, dict):
        return member
    return {"sex": member.sex, "date_of_birth": member.date_of_birth, "relationship": member.relationship_to_head,
            "specific_needs": member.specific_needs or []}


def household_event(household, members, today):
    """The data of a household event: no names, no birth dates, no phone numbers, no specific needs (``needs``)."""
    by_sex_age, _ = domain.summarize([member_facts(m) for m in members], today)
    origin = None
    if household.origin_adm1 or household.origin_adm2:
        origin = {"adm1": household.origin_adm1, "adm2": household.origin_adm2}
    return {
        **_identity(household),
        "version": household.version,
        "by_sex_age": by_sex_age,
        "origin": origin,
        "displacement_date": household.displacement_date.isoformat() if household.displacement_date else None,
        "org": household.org,
        "registered_at": iso(household.registered_at),
        "collected_at": iso(household.collected_at),  # the enumerator, device and place stay here
    }


def provenance(household):
    """Where a household collected offline in the field came from (``haven_kernel.fieldsync``), or None."""
    if household.collected_at is None:
        return None
    return {"collected_at": iso(household.collected_at), "place": household.collected_place,
            "enumerator_id": household.enumerator_id, "device_id": household.device_id}


def registered(household, duplicates):
    """The reply to a registration (and each result of a bulk one): an acknowledgement, and the possible duplicates
    found (of households the caller may not see, only that one exists)."""
    return {**_identity(household), "version": household.version, "possible_duplicates": duplicates}


def acknowledged(household):
    """The reply to a change: what was written, not the record (a write-only token reads nothing through it)."""
    return {"household_id": household.id, "version": household.version, "status": household.status}


def _identity(household):
    return {"household_id": household.id, "registration_number": household.registration_number,
            "site_id": household.site_id, "size": household.size, "status": household.status}


def found_duplicate(member, candidate, score):
    """One possible duplicate as a registration or a change reports it."""
    return {"member_index": member["position"], "member_id": member["id"], "visible": True,
            "other_household_id": candidate.household_id,
            "other_registration_number": candidate.registration_number,
            "other_member_id": candidate.id, "score": score}


def hidden_duplicate(member_index, member_id):
    """A possible duplicate in a household the caller may not see: only that one exists (no id, number or score)."""
    return {"member_index": member_index, "member_id": member_id, "visible": False}


def household(household, members, links, today, shown):
    """A household as get_household and search_households return it. ``members``: stored members in order
    (``models.Member`` or :class:`MemberRow`); ``links``: its possible-duplicate link rows; ``shown(link)``: whether
    the caller may see the other household of a link (if not, the link says only that one exists)."""
    return {
        "household_id": household.id,
        "registration_number": household.registration_number,
        "site_id": household.site_id,
        "status": household.status,
        "size": household.size,
        "origin": {"adm1": household.origin_adm1, "adm2": household.origin_adm2},
        "displacement_date": household.displacement_date.isoformat() if household.displacement_date else None,
        "phone": household.phone,
        "consent": household.consent,
        "org": household.org,
        "version": household.version,
        "registered_at": iso(household.registered_at),
        "updated_at": iso(household.updated_at),
        "provenance": provenance(household),
        "departure": ({"reason": household.departure_reason, "date": household.departure_date.isoformat()}
                      if household.status == "departed" else None),
        "members": [{
            "member_id": m.id,
            "given_name": m.given_name,
            "family_name": m.family_name,
            "sex": m.sex,
            "date_of_birth": m.date_of_birth.isoformat(),
            "date_of_birth_estimated": m.date_of_birth_estimated,
            "age_years": age_on(m.date_of_birth, today),
            "relationship": m.relationship_to_head,
            "specific_needs": list(m.specific_needs or []),
        } for m in members],
        "possible_duplicates": [{
            "member_id": link.member_id,
            "visible": True,
            "other_household_id": link.other_household_id,
            "other_registration_number": link.registration_number,
            "other_member_id": link.other_member_id,
            "score": link.score,
        } if shown(link) else {"member_id": link.member_id, "visible": False} for link in links],
    }


class MemberRow:
    """A member read with its household (columns labelled ``m_*``), with the attributes ``household`` reads."""

    def __init__(self, row):
        self.id, self.given_name, self.family_name, self.sex = row.m_id, row.m_given_name, row.m_family_name, row.m_sex
        self.date_of_birth, self.date_of_birth_estimated = row.m_date_of_birth, row.m_date_of_birth_estimated
        self.relationship_to_head, self.specific_needs = row.m_relationship, row.m_specific_needs


def metric_families(counts_by_status, link_rows):
    """Registration's gauges: households and people by status, and links awaiting review (a pair counted once)."""
    households = GaugeMetricFamily("haven_registration_households", "Registered households by status",
                                   labels=["status"])
    individuals = GaugeMetricFamily("haven_registration_individuals", "Individuals in households by status",
                                    labels=["status"])
    counts = {"active": (0, 0), "departed": (0, 0), **counts_by_status}
    for status, (count, people) in sorted(counts.items()):
        households.add_metric([status], count)
        individuals.add_metric([status], people)
    duplicates = GaugeMetricFamily("haven_registration_possible_duplicate_links",
                                   "Possible-duplicate links awaiting review (each pair counted once)")
    duplicates.add_metric([], link_rows // 2)
    return [households, individuals, duplicates]
