"""Where a household's specific needs go (docs/domain.md §3, "Sensitivity"; ``haven_contracts.reference``): never
in a household event; the codes of protection groups, per household, to protection alone
(``household_protection_needs``); per-site counts by group to reporting (``site_needs_counted``).

:class:`SiteNeeds` is the transaction's tally: each change of a household (registered, members changed, departed,
relocated) adds what it takes from one site and gives to another; just before the commit the sites whose counts
changed are locked (in id order), their counts and version stored and one ``site_needs_counted`` emitted for each.
Counts are kept, not recounted, so a registration costs the same at any site size; a lock per site makes two
transactions at one site apply their changes one after the other, each event carrying the counts after its own.
"""
from collections import Counter

from haven_contracts.reference import needs_by_group, protection_needs
from haven_kernel.context import EventContext
from haven_kernel.db import TransactionState

from . import views


def codes_of(members):
    """``{code: members with it}`` over stored or new members."""
    counts = Counter()
    for member in members:
        counts.update(views.member_facts(member).get("specific_needs") or ())
    return counts


def member_protection_needs(members):
    """``[{member_id, needs}]``: the members with a protection code, and those codes (member ids, nothing else)."""
    found = []
    for member in members:
        facts = member if isinstance(member, dict) else {"id": member.id, "specific_needs": member.specific_needs}
        codes = sorted(protection_needs(Counter(facts.get("specific_needs") or ())))
        if codes:
            found.append({"member_id": facts["id"], "needs": codes})
    return found


def protection_event(household, members, cause, from_site_id=None):
    """The data of ``household_protection_needs`` for ``household`` as it is now."""
    return {"household_id": household.id, "site_id": household.site_id, "org": household.org,
            "version": household.version, "status": household.status, "cause": cause,
            "from_site_id": from_site_id, "specific_needs": protection_needs(codes_of(members)),
            "member_needs": member_protection_needs(members)}


class SiteNeeds(TransactionState):
    """What this transaction changes in the per-site counts: ``{site_id: Counter(group -> delta)}``."""

    def __init__(self, repository):
        self.repository = repository
        self.deltas = {}

    def move(self, before_site, before_members, after_site, after_members):
        """A household's members with their needs left ``before_site`` (None: it was not counted, e.g. new) and are
        now counted at ``after_site`` (None: no longer, e.g. departed)."""
        if before_site is not None:
            self._add(before_site, needs_by_group(codes_of(before_members)), -1)
        if after_site is not None:
            self._add(after_site, needs_by_group(codes_of(after_members)), 1)

    def _add(self, site_id, groups, sign):
        if groups:
            delta = self.deltas.setdefault(site_id, Counter())
            for group, count in groups.items():
                delta[group] += sign * count

    def before_commit(self, unit):
        changed = {site: delta for site, delta in self.deltas.items() if any(delta.values())}
        self.deltas = {}
        if not changed:
            return
        # A count of its own: not the correlation id or organisation of the request that changed it, which would tie
        # the change to that request's household event.
        context = EventContext(correlation_id=None, origin_org=None)
        for site_id, (needs, version) in sorted(self.repository.apply_site_needs(changed).items()):
            unit.emit("site_needs_counted", {"site_id": site_id, "version": version, "needs": needs}, context=context)
