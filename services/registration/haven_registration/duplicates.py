"""Possible-duplicate detection for the households a call writes or changes, within the caps of ``domain``: each
member is compared with at most MAX_CANDIDATES_PER_MEMBER members of other households (found by its name key or its
phonetic key, in the database or earlier in the same call), a call gives a member at most MAX_LINKS_PER_MEMBER links
(whichever side of the pair it is on), and a call links at most MAX_LINKS_PER_CALL pairs. A possible duplicate is linked (both directions) and reported, never
blocked."""
import logging
import uuid
from collections import Counter
from itertools import chain, islice

from haven_kernel.clock import utcnow

from . import domain, views
from .repository import Candidate, Candidates

log = logging.getLogger(__name__)


def facts(member):
    """What detection reads of a member: a new one (``domain.new_member``'s mapping) or a stored ``models.Member``."""
    if isinstance(member, dict):
        return member
    return {"id": member.id, "position": member.position, "name_key": member.name_key,
            "phonetic_key": member.phonetic_key, "date_of_birth": member.date_of_birth,
            "date_of_birth_estimated": member.date_of_birth_estimated}


def keys(members):
    """(name keys, phonetic keys) of members with a name: what candidates are looked for by."""
    named = [facts(m) for m in members]
    return ({m["name_key"] for m in named if m["name_key"]},
            {m["phonetic_key"] for m in named if m["name_key"] and m["phonetic_key"]})


def _pool(candidates, linked):
    """The first MAX_CANDIDATES_PER_MEMBER distinct candidates (a member found by name and by sound is one) that this
    call has not linked to the full yet, among the first MAX_CANDIDATES_SCANNED: a common name costs no more."""
    seen, chosen = set(), []
    for candidate in islice(candidates, domain.MAX_CANDIDATES_SCANNED):
        if candidate.id not in seen and linked[candidate.id] < domain.MAX_LINKS_PER_MEMBER:
            seen.add(candidate.id)
            chosen.append(candidate)
            if len(chosen) == domain.MAX_CANDIDATES_PER_MEMBER:
                break
    return chosen


class Linker:
    """Links for one call: ``link`` a household's members against the candidates found in the database and the
    members linked earlier in the call; ``rows`` are the links to insert (both directions of each pair)."""

    def __init__(self, found: Candidates, threshold, shown=None):
        self.found = found
        self.threshold = threshold
        self.shown = shown  # shown(candidate): may the caller see the other household (else: only that one exists)
        self.recent = Candidates()  # members of households linked earlier in this call
        self.budget = domain.LinkBudget()
        self.linked = Counter()  # member id -> links this call gave it (either side)
        self.rows = []

    def link(self, household_id, registration_number, phone, members, already=frozenset(), remember=True):
        """The possible duplicates of the household's ``members`` (as ``views.found_duplicate`` reports them);
        ``already``: (member id, other member id) pairs linked before, not linked again."""
        reported = []
        for member in map(facts, members):
            if not member["name_key"]:
                continue
            if self.budget.spent:
                self.budget.capped += 1
                continue
            me = domain.Person(member["name_key"], member["phonetic_key"], member["date_of_birth"],
                               member["date_of_birth_estimated"], phone)
            pool = _pool(chain(self.found.for_keys(me.name_key, me.phonetic),
                               self.recent.for_keys(me.name_key, me.phonetic)), self.linked)
            linked = {other for mine, other in already if mine == member["id"]} if already else ()
            room = domain.MAX_LINKS_PER_MEMBER - self.linked[member["id"]]
            for other, score in domain.best_matches(me, pool, self.threshold, already=linked, budget=self.budget,
                                                    limit=room):
                self.linked[member["id"]] += 1
                self.linked[other.id] += 1
                self._add(household_id, member["id"], other, score)
                if other.org is None or self.shown is None or self.shown(other):
                    reported.append(views.found_duplicate(member, other, score))
                else:
                    reported.append(views.hidden_duplicate(member["position"], member["id"]))
        if remember and not self.budget.spent:
            for member in map(facts, members):
                if member["name_key"]:
                    self._remember(household_id, registration_number, phone, member)
        return reported

    def _remember(self, household_id, registration_number, phone, member):
        candidate = Candidate(member["id"], household_id, registration_number,
                              domain.Person(member["name_key"], member["phonetic_key"], member["date_of_birth"],
                                            member["date_of_birth_estimated"], phone))
        self.recent.add("n", member["name_key"], candidate)
        if member["phonetic_key"]:
            self.recent.add("p", member["phonetic_key"], candidate)

    def _add(self, household_id, member_id, other, score):
        now = utcnow()
        self.rows.append({"id": str(uuid.uuid4()), "household_id": household_id, "member_id": member_id,
                          "other_household_id": other.household_id, "other_member_id": other.id, "score": score,
                          "created_at": now})
        self.rows.append({"id": str(uuid.uuid4()), "household_id": other.household_id, "member_id": other.id,
                          "other_household_id": household_id, "other_member_id": member_id, "score": score,
                          "created_at": now})

    def report_caps(self, households):
        """A log line (counts only) when a cap cut this call's detection short."""
        if self.budget.capped:
            log.info("possible-duplicate detection capped", extra={
                "households": households, "members_capped": self.budget.capped, "links": len(self.rows) // 2,
                "max_links_per_member": domain.MAX_LINKS_PER_MEMBER, "max_links_per_call": domain.MAX_LINKS_PER_CALL})
