"""Every statement registration sends: reads, locks, the duplicate-candidate query, the numbering inserts, and what
differs between PostgreSQL and SQLite. The use cases call these and never build SQL themselves."""
from collections import Counter, defaultdict
from itertools import chain

from sqlalchemy import func, insert, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from haven_contracts.reference import needs_by_group
from haven_kernel import dialect

from .domain import MAX_CANDIDATES_PER_CALL, MAX_CANDIDATES_PER_MEMBER, Person
from .models import Household, Member, PossibleDuplicate, SiteNeedsCount

_households, _members, _links = Household.__table__, Member.__table__, PossibleDuplicate.__table__

# Candidates for duplicate detection on PostgreSQL, for many households in one statement: for each name key and each
# phonetic key, up to MAX_CANDIDATES_PER_MEMBER members of other active households, MAX_CANDIDATES_PER_CALL in all.
# The lateral subqueries (OFFSET 0 keeps the planner from flattening them) make each key an index lookup on members
# and each match a primary-key lookup on households, whatever the table statistics say: a flat join planned on the
# statistics of a freshly loaded table scanned every active household for each registration.
_CANDIDATES_BY_KEY = """
SELECT '{kind}' AS kind, k.key, c.* FROM unnest(CAST(:{keys} AS text[])) AS k(key) CROSS JOIN LATERAL (
    SELECT m.id, m.household_id, m.name_key, m.phonetic_key, m.date_of_birth, m.date_of_birth_estimated,
           h.phone, h.registration_number, h.org
    FROM members m CROSS JOIN LATERAL (
        SELECT hh.phone, hh.registration_number, hh.org FROM households hh
        WHERE hh.id = m.household_id AND hh.status = 'active' AND hh.id <> :exclude OFFSET 0) h
    WHERE m.{column} = k.key LIMIT {limit}) c"""
_PG_CANDIDATES = text("\nUNION ALL".join(
    _CANDIDATES_BY_KEY.format(kind=kind, keys=keys, column=column, limit=MAX_CANDIDATES_PER_MEMBER)
    for kind, keys, column in (("n", "names", "name_key"), ("p", "phonetics", "phonetic_key")))
    + f"\nLIMIT {MAX_CANDIDATES_PER_CALL}")


class Candidate:
    """A member of another household that may be the same person as one being registered."""

    __slots__ = ("id", "household_id", "registration_number", "person", "org")

    def __init__(self, id, household_id, registration_number, person, org=None):
        self.id, self.household_id, self.registration_number, self.person = (id, household_id, registration_number,
                                                                             person)
        self.org = org  # the household's owner (None: a household of this call, the caller's own)

    @classmethod
    def from_row(cls, row):
        return cls(row.id, row.household_id, row.registration_number,
                   Person(row.name_key, row.phonetic_key, row.date_of_birth, row.date_of_birth_estimated, row.phone),
                   row.org)


class Candidates:
    """Candidate members found by key: ``for_keys(name_key, phonetic_key)`` lists those of one member."""

    def __init__(self):
        self.by_kind = {"n": defaultdict(list), "p": defaultdict(list)}

    def add(self, kind, key, candidate):
        self.by_kind[kind][key].append(candidate)

    def for_keys(self, name_key, phonetic):
        """An iterator (lists for common names can be long: the caller takes what it needs)."""
        return chain(self.by_kind["n"].get(name_key, ()), self.by_kind["p"].get(phonetic, ()))


class Repository:
    def __init__(self, session):
        self.session = session

    # -- households ------------------------------------------------------------------------------------------------
    def household_for_update(self, household_id):
        """The household (ORM, with its members on access), locked until the transaction ends; None if unknown."""
        query = dialect.for_update(self.session, select(Household).where(Household.id == household_id))
        return self.session.execute(query).scalar_one_or_none()

    def household_rows(self, household_id):
        """One statement: the household's columns with each member's (labelled ``m_*``), members in order."""
        return self.session.execute(
            select(*_households.c, *[c.label(f"m_{c.key}") for c in _members.c])
            .select_from(_households.outerjoin(_members, _members.c.household_id == _households.c.id))
            .where(_households.c.id == household_id).order_by(_members.c.position)
        ).all()

    def search(self, visible, site_id=None, registration_number=None, name_key=None, phonetic=None, limit=50,
               offset=0):
        """(total, a page of households with their members loaded in one more statement), among the households
        ``visible`` (a clause: ``haven_kernel.sharing.Sharing.visible``) keeps."""
        query = select(Household).where(visible)
        if site_id:
            query = query.where(Household.site_id == site_id)
        if registration_number:
            query = query.where(Household.registration_number == registration_number)
        if name_key:
            matching = select(Member.household_id).where(or_(
                Member.name_key.contains(name_key, autoescape=True), Member.phonetic_key == phonetic))
            query = query.where(Household.id.in_(matching))
        total = self.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = self.session.execute(
            query.options(selectinload(Household.members))  # one query for every listed household's members
            .order_by(Household.registered_at, Household.id).limit(limit).offset(offset)
        ).scalars().all()
        return total, rows

    def insert_numbered(self, rows):
        """Insert household rows whose registration number is free; returns the ids inserted. A number taken (by
        another household or a row of the same statement) leaves its row out."""
        if dialect.has_on_conflict(self.session):
            statement = dialect.insert_or_ignore(self.session, _households, [_households.c.registration_number]
                                                 ).returning(_households.c.id)
            return set(self.session.execute(statement, rows).scalars())
        inserted = set()  # one at a time, each in a savepoint
        for row in rows:
            try:
                with self.session.begin_nested():
                    self.session.execute(insert(_households), [row])
                inserted.add(row["id"])
            except IntegrityError:
                continue
        return inserted

    def insert_members(self, members):
        """Insert members given as ``domain.new_member`` made them."""
        if members:
            self.session.execute(insert(_members), [_member_row(m) for m in members])

    # -- possible duplicates -----------------------------------------------------------------------------------------
    def candidates(self, key_sets, exclude=None):
        """Members of other active households (not ``exclude``) sharing a name key or a phonetic key with the keys
        given (``[(name keys, phonetic keys)]``, one pair per household): at most MAX_CANDIDATES_PER_MEMBER per key
        and MAX_CANDIDATES_PER_CALL in all. Returns ``Candidates``."""
        found = Candidates()
        names = set().union(*(keys for keys, _ in key_sets))
        phonetics = set().union(*(phonetics for _, phonetics in key_sets))
        if not names:
            return found
        if dialect.dialect_name(self.session) == "postgresql":
            rows = self.session.execute(_PG_CANDIDATES, {"names": sorted(names), "phonetics": sorted(phonetics),
                                                         "exclude": exclude or ""})
            for row in rows:
                found.add(row.kind, row.key, Candidate.from_row(row))
            return found
        read = 0  # elsewhere (SQLite under `make run`): a statement per household, the same caps kept in Python
        for keys, phonetics in key_sets:
            if not keys or read >= MAX_CANDIDATES_PER_CALL:
                continue
            for row in self._candidates_of(keys, phonetics, exclude, MAX_CANDIDATES_PER_CALL - read):
                read += 1
                for kind, key in (("n", row.name_key), ("p", row.phonetic_key)):
                    if key in (keys if kind == "n" else phonetics) \
                            and len(found.by_kind[kind].get(key, ())) < MAX_CANDIDATES_PER_MEMBER:
                        found.add(kind, key, Candidate.from_row(row))
        return found

    def _candidates_of(self, keys, phonetics, exclude, limit):
        query = (select(_members.c.id, _members.c.household_id, _members.c.name_key, _members.c.phonetic_key,
                        _members.c.date_of_birth, _members.c.date_of_birth_estimated, _households.c.phone,
                        _households.c.registration_number, _households.c.org)
                 .join(_households, _households.c.id == _members.c.household_id)
                 .where(_households.c.status == "active",
                        or_(_members.c.name_key.in_(keys), _members.c.phonetic_key.in_(phonetics)))
                 .limit(min(limit, MAX_CANDIDATES_PER_MEMBER * 2 * len(keys))))
        if exclude is not None:
            query = query.where(_households.c.id != exclude)
        return self.session.execute(query)

    def apply_site_needs(self, deltas):
        """Add ``{site_id: {group: delta}}`` to the sites' counts, each site's row locked (in id order, created if
        new) and its version raised by one. Returns ``{site_id: (needs by group, version)}``."""
        ids = sorted(deltas)
        self.session.execute(dialect.insert_or_ignore(self.session, SiteNeedsCount, ["site_id"]),
                             [{"site_id": site_id, "needs": {}, "version": 0} for site_id in ids])
        rows = self.session.execute(dialect.for_update(self.session, select(SiteNeedsCount).where(
            SiteNeedsCount.site_id.in_(ids)).order_by(SiteNeedsCount.site_id)).execution_options(
            populate_existing=True)).scalars().all()  # the committed counts, read under the lock
        counted = {}
        for row in rows:
            needs = Counter(row.needs or {})
            needs.update(deltas[row.site_id])
            row.needs = needs_by_group({group: n for group, n in needs.items() if n > 0})
            row.version = (row.version or 0) + 1
            counted[row.site_id] = (row.needs, row.version)
        self.session.flush()
        return counted

    def linked_pairs(self, household_id):
        """(member id, other member id) of the household's links."""
        return {tuple(row) for row in self.session.execute(
            select(_links.c.member_id, _links.c.other_member_id).where(_links.c.household_id == household_id))}

    def insert_links(self, links):
        if links:
            self.session.execute(insert(_links), links)

    def links_of(self, household_ids):
        """{household id: [its possible-duplicate links, oldest first]} for several households, in one statement."""
        found = {}
        if household_ids:
            for link in self.session.execute(
                    select(_links.c.household_id, _links.c.member_id, _links.c.other_household_id,
                           _links.c.other_member_id, _links.c.score, _households.c.registration_number,
                           _households.c.org.label("other_org"))
                    .join(_households, _households.c.id == _links.c.other_household_id)
                    .where(_links.c.household_id.in_(household_ids))
                    .order_by(_links.c.created_at, _links.c.id)):  # oldest first; the same order every time
                found.setdefault(link.household_id, []).append(link)
        return found

    # -- metrics -----------------------------------------------------------------------------------------------------
    def counts_by_status(self):
        """{status: (households, people)}."""
        return {status: (count, int(people)) for status, count, people in self.session.execute(
            select(Household.status, func.count(), func.coalesce(func.sum(Household.size), 0))
            .group_by(Household.status))}

    def link_rows(self):
        return self.session.execute(select(func.count()).select_from(PossibleDuplicate)).scalar_one()


def _member_row(member):
    row = dict(member)
    row["relationship"] = row.pop("relationship_to_head")
    return row
