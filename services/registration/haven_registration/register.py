"""The household register: registration's use cases over a unit of work. Each method validates, changes the
tables and writes its event to the outbox; the entrypoint commits both together."""
import uuid
from collections import defaultdict
from datetime import date

from sqlalchemy import func, insert, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from haven_contracts.reference import age_on, estimated_birth_date
from haven_kernel import dialect
from haven_kernel.clock import aware, iso, utcnow
from haven_kernel.errors import Conflict, NotFound, ValidationError
from haven_kernel.validation import load, parse_uuid

from . import domain
from .models import Household, Member, PossibleDuplicate, SiteReplica
from .schemas import DepartureSchema, HouseholdChangesSchema, HouseholdSchema, SearchSchema

MAX_BATCH = 1000
MAX_CANDIDATES = 500  # members compared per household; which ones, beyond that, is unspecified
NUMBER_ATTEMPTS = 5

_households, _members, _links = Household.__table__, Member.__table__, PossibleDuplicate.__table__
_sites = SiteReplica.__table__
_HOUSEHOLD_SCHEMA = HouseholdSchema()  # holds no state between loads; building one per household cost 0.3 ms

# Candidates for duplicate detection on PostgreSQL, for many households in one statement: for each name key and each
# phonetic key, up to MAX_CANDIDATES members of other active households. The lateral subqueries (OFFSET 0 keeps the
# planner from flattening them) make each key an index lookup on members and each match a primary-key lookup on
# households, whatever the table statistics say: a flat join planned on the statistics of a freshly loaded table
# scanned every active household for each registration.
_CANDIDATES_BY_KEY = """
SELECT '{kind}' AS kind, k.key, c.* FROM unnest(CAST(:{keys} AS text[])) AS k(key) CROSS JOIN LATERAL (
    SELECT m.id, m.household_id, m.name_key, m.phonetic_key, m.date_of_birth, m.date_of_birth_estimated,
           h.phone, h.registration_number
    FROM members m CROSS JOIN LATERAL (
        SELECT hh.phone, hh.registration_number FROM households hh
        WHERE hh.id = m.household_id AND hh.status = 'active' AND hh.id <> :exclude OFFSET 0) h
    WHERE m.{column} = k.key LIMIT {limit}) c"""
_PG_CANDIDATES = text("\nUNION ALL".join(
    _CANDIDATES_BY_KEY.format(kind=kind, keys=keys, column=column, limit=MAX_CANDIDATES)
    for kind, keys, column in (("n", "names", "name_key"), ("p", "phonetics", "phonetic_key"))))


class HouseholdRegister:
    def __init__(self, unit, site_lookup=None, duplicate_threshold=3, today=None):
        self.unit = unit
        self.session = unit.session
        self.site_lookup = site_lookup
        self.duplicate_threshold = duplicate_threshold
        self.today = today or date.today()
        self._sites = {}  # site id -> (site_id, status) read from the replica by this call's registrations

    # -- sites ---------------------------------------------------------------------------------------------------
    def open_site(self, site_id):
        """The site, from the replica or once from shelter; NotFound if unknown, Conflict if closed."""
        site = self.session.get(SiteReplica, site_id)
        if site is None and self.site_lookup is not None:
            found = self.site_lookup(site_id)
            if found is not None:
                site = self.apply_site(found, as_of=None)
        if site is None:
            raise NotFound(f"site {site_id} is not known")
        if site.status != "open":
            raise Conflict(f"site {site_id} is closed")
        return site

    def apply_site(self, data, as_of):
        """Upsert the replica from a site event (or a lookup); an older event never overwrites a newer one."""
        site = self.session.get(SiteReplica, str(data["site_id"]))
        as_of = as_of or utcnow()
        if site is not None and site.as_of is not None and aware(site.as_of) > as_of:
            return site
        if site is None:
            site = SiteReplica(site_id=str(data["site_id"]))
            self.session.add(site)
        for key in ("name", "site_type", "adm1", "adm2", "lat", "lon", "status"):
            setattr(site, key, data.get(key))
        site.as_of = as_of
        self.session.flush()
        return site

    # -- registration --------------------------------------------------------------------------------------------
    def register(self, payload, field=None):
        outcome = self._write([self._prepare(payload, field)])[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def register_many(self, households):
        """Each household is registered or reported on its own: every check that can refuse one (validation, its
        site, a registration number) is made before or apart from the writes, so a refused household writes
        nothing and the others are written together."""
        if not isinstance(households, list):
            raise ValidationError({"households": ["Must be a list."]})
        if len(households) > MAX_BATCH:
            raise ValidationError({"households": [f"At most {MAX_BATCH} households per call; got {len(households)}."]})
        results = [None] * len(households)
        prepared, positions = [], []
        for index, payload in enumerate(households):
            try:
                prepared.append(self._prepare(payload, in_batch=True))
                positions.append(index)
            except (ValidationError, NotFound, Conflict) as exc:
                results[index] = _error(exc)
        for index, outcome in zip(positions, self._write(prepared)):
            results[index] = _error(outcome) if isinstance(outcome, Exception) else outcome
        return results

    def _prepare(self, payload, field=None, in_batch=False):
        """A household validated and its site open, or the error that refuses it; nothing written yet (except
        a site replica learnt from shelter)."""
        data = load(_HOUSEHOLD_SCHEMA, payload, field=field)
        members = self._members_from(data["members"])
        self._check_composition(members, field)
        self._check_consent(data, members, field)
        site = self._open_site_for(data["site_id"], in_batch)
        origin = data.get("origin") or {}
        now = utcnow()
        household_id = str(uuid.uuid4())
        household = _NewHousehold(
            id=household_id, registration_number=None, site_id=site.site_id, status="active", size=len(members),
            origin_adm1=origin.get("adm1"), origin_adm2=origin.get("adm2"),
            displacement_date=data.get("displacement_date"), phone=data.get("phone"),
            consent=data["consent"], org=self.unit.caller.org, version=1, registered_at=now, updated_at=now,
        )
        household.members = [self._new_member_row(m, i, household_id) for i, m in enumerate(members)]
        return household

    def _open_site_for(self, site_id, in_batch):
        """``open_site`` for registrations: the replica's row is read once per call, as plain columns. A site not in
        the replica is asked of shelter by ``open_site``; in a batch, inside a savepoint, so that a replica learnt for
        a site that refuses the household is not kept (as the household's own savepoint used to undo it)."""
        site = self._sites.get(site_id)
        if site is None:
            site = self.session.execute(select(_sites.c.site_id, _sites.c.status)
                                        .where(_sites.c.site_id == site_id)).first()
            if site is None:
                if not in_batch or self.site_lookup is None:
                    return self.open_site(site_id)
                savepoint = self.session.begin_nested()
                try:
                    site = self.open_site(site_id)
                except (NotFound, Conflict):
                    savepoint.rollback()
                    raise
                savepoint.commit()
                return site
            self._sites[site_id] = site
        if site.status != "open":
            raise Conflict(f"site {site_id} is closed")
        return site

    def _write(self, households):
        """Insert prepared households, their members and their possible-duplicate links with a few multi-row
        statements, and emit one event each; the outcome of each is its result, or a Conflict if no unique
        registration number could be allocated."""
        if not households:
            return []
        candidates = self._candidates([self._keys(h.members) for h in households])
        unnumbered = self._number(households)
        written = [h for h in households if h.id not in unnumbered]
        if written:
            self.session.execute(insert(_members), [m.row() for h in written for m in h.members])
        recent = _RecentMembers()
        links, outcomes = [], []
        for household, found_in_db in zip(households, candidates):
            if household.id in unnumbered:
                outcomes.append(Conflict("could not allocate a unique registration number; try again"))
                continue
            keys = self._keys(household.members)
            duplicates = self._score(household, _first(found_in_db + recent.matching(*keys)), set(), links)
            recent.add(household)
            self.unit.emit("household_registered", self.summary(household))
            outcomes.append({
                "household_id": household.id,
                "registration_number": household.registration_number,
                "site_id": household.site_id,
                "size": household.size,
                "status": household.status,
                "possible_duplicates": duplicates,
            })
        if links:
            self.session.execute(insert(_links), links)
        return outcomes

    def _number(self, households):
        """Give each household a registration number and insert it; numbers are random, so one taken (by
        another household or one in the same statement) is simply drawn again, NUMBER_ATTEMPTS times at most.
        Returns the ids of households that could not be numbered (and were not inserted)."""
        pending = list(households)
        for _ in range(NUMBER_ATTEMPTS):
            if not pending:
                break
            for household in pending:
                household.registration_number = domain.new_registration_number()
            rows = [household.row() for household in pending]
            if dialect.has_on_conflict(self.session):
                statement = dialect.insert_or_ignore(self.session, _households, [_households.c.registration_number]
                                                     ).returning(_households.c.id)
                inserted = set(self.session.execute(statement, rows).scalars())
            else:  # one at a time, each in a savepoint
                inserted = set()
                for row in rows:
                    try:
                        with self.session.begin_nested():
                            self.session.execute(insert(_households), [row])
                        inserted.add(row["id"])
                    except IntegrityError:
                        continue
            pending = [household for household in pending if household.id not in inserted]
        return {household.id for household in pending}
    # -- reading -------------------------------------------------------------------------------------------------
    def get(self, household_id):
        """One statement for the household and its members, one for its possible-duplicate links."""
        household_id = parse_uuid(household_id, "household_id")
        rows = self.session.execute(
            select(*_households.c, *[c.label(f"m_{c.key}") for c in _members.c])
            .select_from(_households.outerjoin(_members, _members.c.household_id == _households.c.id))
            .where(_households.c.id == household_id).order_by(_members.c.position)
        ).all()
        if not rows:
            raise NotFound(f"household {household_id} does not exist")
        members = [_MemberRow(row) for row in rows if row.m_id is not None]
        return self._view(rows[0], members)

    def search(self, **criteria):
        data = load(SearchSchema(), criteria)
        query = select(Household)
        if data.get("site_id"):
            query = query.where(Household.site_id == data["site_id"])
        if data.get("registration_number"):
            query = query.where(Household.registration_number == data["registration_number"].upper())
        if data.get("name"):
            key = domain.normalize_name(data["name"])
            if not key:
                raise ValidationError({"name": ["Must contain letters or digits."]})
            phonetic = domain.phonetic_key(data["name"], None)
            matching = select(Member.household_id).where(or_(
                Member.name_key.contains(key, autoescape=True), Member.phonetic_key == phonetic))
            query = query.where(Household.id.in_(matching))
        total = self.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = self.session.execute(
            query.options(selectinload(Household.members))  # one query for every listed household's members
            .order_by(Household.registered_at, Household.id).limit(data["limit"]).offset(data["offset"])
        ).scalars().all()
        links = self._links([h.id for h in rows])
        return {"total": total, "limit": data["limit"], "offset": data["offset"],
                "items": [self._view(h, h.members, links.get(h.id, [])) for h in rows]}

    # -- changes -------------------------------------------------------------------------------------------------
    def update(self, household_id, changes):
        household = self._household(household_id, for_update=True)
        data = load(HouseholdChangesSchema(), changes, field="changes")
        if not data:
            raise ValidationError({"changes": ["Nothing to change."]})
        self._active(household)
        changed = []
        if "origin" in data:
            origin = data["origin"] or {}
            household.origin_adm1, household.origin_adm2 = origin.get("adm1"), origin.get("adm2")
            changed.append("origin")
        if "displacement_date" in data:
            household.displacement_date = data["displacement_date"]
            changed.append("displacement_date")
        if "phone" in data:
            household.phone = data["phone"]
            changed.append("phone")
        if "consent" in data:
            household.consent = data["consent"]
            changed.append("consent")
        if "members" in data:
            self._change_members(household, data["members"])
            changed.append("members")
        current = [self._member_view(m) for m in household.members]
        errors = domain.composition_errors(current)
        if errors:
            raise ValidationError({f"changes.{k}": v for k, v in errors.items()})
        if not household.consent and (household.phone or any(m.given_name or m.family_name for m in household.members)):
            raise ValidationError({"changes.consent": ["Names and phone numbers are kept only with consent: "
                                                       "remove them or record consent."]})
        household.size = len(household.members)
        household.version += 1
        household.updated_at = utcnow()
        self.session.flush()
        duplicates = self._link_duplicates(household) if "members" in changed else []
        self.unit.emit("household_updated", {**self.summary(household), "changed": changed})
        return {**self.describe(household), "new_possible_duplicates": duplicates}

    def depart(self, household_id, reason, on):
        household = self._household(household_id, for_update=True)
        data = load(DepartureSchema(), {"reason": reason, "date": on})
        self._active(household)
        if data["date"] < aware(household.registered_at).date():
            raise ValidationError({"date": ["Must not be before the household was registered."]})
        household.status = "departed"
        household.departure_reason = data["reason"]
        household.departure_date = data["date"]
        household.version += 1
        household.updated_at = utcnow()
        self.session.flush()
        self.unit.emit("household_departed", {**self.summary(household), "reason": data["reason"],
                                              "departure_date": data["date"].isoformat()})
        return self.describe(household)

    def relocate(self, household_id, to_site_id):
        household = self._household(household_id, for_update=True)
        to_site_id = parse_uuid(to_site_id, "to_site_id")
        self._active(household)
        if household.site_id == to_site_id:
            raise Conflict(f"household {household.id} is already at site {to_site_id}")
        site = self.open_site(to_site_id)
        from_site = household.site_id
        household.site_id = site.site_id
        household.version += 1
        household.updated_at = utcnow()
        self.session.flush()
        self.unit.emit("household_relocated", {**self.summary(household), "from_site_id": from_site,
                                               "to_site_id": site.site_id})
        return self.describe(household)

    # -- views ---------------------------------------------------------------------------------------------------
    def summary(self, household):
        """The event data: no names, no birth dates, no phone numbers."""
        by_sex_age, needs = domain.summarize([self._member_view(m) for m in household.members], self.today)
        origin = None
        if household.origin_adm1 or household.origin_adm2:
            origin = {"adm1": household.origin_adm1, "adm2": household.origin_adm2}
        return {
            "household_id": household.id,
            "registration_number": household.registration_number,
            "site_id": household.site_id,
            "size": household.size,
            "status": household.status,
            "version": household.version,
            "by_sex_age": by_sex_age,
            "specific_needs": needs,
            "origin": origin,
            "displacement_date": household.displacement_date.isoformat() if household.displacement_date else None,
            "org": household.org,
            "registered_at": iso(household.registered_at),
        }

    def describe(self, household):
        return self._view(household, household.members)

    def _links(self, household_ids):
        """{household id: [its possible-duplicate links, oldest first]} for several households, in one statement."""
        found = {}
        if household_ids:
            for link in self.session.execute(
                    select(_links.c.household_id, _links.c.member_id, _links.c.other_household_id,
                           _links.c.other_member_id, _links.c.score, _households.c.registration_number)
                    .join(_households, _households.c.id == _links.c.other_household_id)
                    .where(_links.c.household_id.in_(household_ids))
                    .order_by(_links.c.created_at, _links.c.id)):  # oldest first; the same order every time
                found.setdefault(link.household_id, []).append(link)
        return found

    def _view(self, household, members, links=None):
        if links is None:
            links = self._links([household.id]).get(household.id, [])
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
            "departure": ({"reason": household.departure_reason, "date": household.departure_date.isoformat()}
                          if household.status == "departed" else None),
            "members": [{
                "member_id": m.id,
                "given_name": m.given_name,
                "family_name": m.family_name,
                "sex": m.sex,
                "date_of_birth": m.date_of_birth.isoformat(),
                "date_of_birth_estimated": m.date_of_birth_estimated,
                "age_years": age_on(m.date_of_birth, self.today),
                "relationship": m.relationship_to_head,
                "specific_needs": list(m.specific_needs or []),
            } for m in members],
            "possible_duplicates": [{
                "member_id": link.member_id,
                "other_household_id": link.other_household_id,
                "other_registration_number": link.registration_number,
                "other_member_id": link.other_member_id,
                "score": link.score,
            } for link in links],
        }

    # -- internals -----------------------------------------------------------------------------------------------
    def _household(self, household_id, for_update=False):
        household_id = parse_uuid(household_id, "household_id")
        query = select(Household).where(Household.id == household_id)
        if for_update:
            query = dialect.for_update(self.session, query)
        household = self.session.execute(query).scalar_one_or_none()
        if household is None:
            raise NotFound(f"household {household_id} does not exist")
        return household

    @staticmethod
    def _active(household):
        if household.status != "active":
            raise Conflict(f"household {household.id} has departed; it cannot be changed")

    def _members_from(self, members):
        """Resolve ages to (estimated) birth dates."""
        resolved = []
        for member in members:
            member = dict(member)
            if "age_years" in member:
                member["date_of_birth"] = estimated_birth_date(member.pop("age_years"), self.today)
                member["date_of_birth_estimated"] = True
            resolved.append(member)
        return resolved

    def _check_composition(self, members, field):
        errors = domain.composition_errors(members)
        if errors:
            raise ValidationError({(f"{field}.{k}" if field else k): v for k, v in errors.items()})

    def _check_consent(self, data, members, field):
        if data["consent"]:
            missing = {}
            for i, m in enumerate(members):
                for name in ("given_name", "family_name"):
                    if not m.get(name):
                        missing[f"members.{i}.{name}"] = ["Missing data for required field."]
            if missing:
                raise ValidationError({(f"{field}.{k}" if field else k): v for k, v in missing.items()})
            return
        personal = [f"members.{i}.{n}" for i, m in enumerate(members) for n in ("given_name", "family_name") if m.get(n)]
        if data.get("phone"):
            personal.append("phone")
        if personal:
            key = f"{field}.consent" if field else "consent"
            raise ValidationError({key: ["Must be true to store names or phone numbers "
                                         f"({', '.join(personal[:3])}{'...' if len(personal) > 3 else ''})."]})

    def _new_member(self, member, position):
        return Member(
            id=str(uuid.uuid4()), position=position,
            given_name=member.get("given_name"), family_name=member.get("family_name"),
            name_key=domain.normalize_name(f"{member.get('given_name') or ''} {member.get('family_name') or ''}"),
            phonetic_key=domain.phonetic_key(member.get("given_name"), member.get("family_name")),
            sex=member["sex"], date_of_birth=member["date_of_birth"],
            date_of_birth_estimated=bool(member.get("date_of_birth_estimated")),
            relationship_to_head=member["relationship"], specific_needs=list(member.get("specific_needs") or []),
        )

    def _new_member_row(self, member, position, household_id):
        return _NewMember(
            id=str(uuid.uuid4()), household_id=household_id, position=position,
            given_name=member.get("given_name"), family_name=member.get("family_name"),
            name_key=domain.normalize_name(f"{member.get('given_name') or ''} {member.get('family_name') or ''}"),
            phonetic_key=domain.phonetic_key(member.get("given_name"), member.get("family_name")),
            sex=member["sex"], date_of_birth=member["date_of_birth"],
            date_of_birth_estimated=bool(member.get("date_of_birth_estimated")),
            relationship_to_head=member["relationship"], specific_needs=list(member.get("specific_needs") or []),
        )

    def _change_members(self, household, changes):
        by_id = {m.id: m for m in household.members}
        for member_id in changes["remove"]:
            if member_id not in by_id:
                raise ValidationError({"changes.members.remove": [f"Member {member_id} is not in this household."]})
            household.members.remove(by_id.pop(member_id))
        for index, change in enumerate(changes["update"]):
            member = by_id.get(change["member_id"])
            if member is None:
                raise ValidationError({f"changes.members.update.{index}.member_id": ["Not a member of this household."]})
            if "age_years" in change:
                member.date_of_birth = estimated_birth_date(change["age_years"], self.today)
                member.date_of_birth_estimated = True
            if "date_of_birth" in change:
                member.date_of_birth = change["date_of_birth"]
                member.date_of_birth_estimated = change.get("date_of_birth_estimated", False)
            for key in ("given_name", "family_name", "sex", "specific_needs"):
                if key in change:
                    setattr(member, key, change[key])
            if "relationship" in change:
                member.relationship_to_head = change["relationship"]
            member.name_key = domain.normalize_name(f"{member.given_name or ''} {member.family_name or ''}")
            member.phonetic_key = domain.phonetic_key(member.given_name, member.family_name)
        next_position = max([m.position for m in household.members], default=-1) + 1
        for offset, member in enumerate(self._members_from(changes["add"])):
            household.members.append(self._new_member(member, next_position + offset))

    @staticmethod
    def _member_view(member):
        if isinstance(member, dict):
            return member
        return {"sex": member.sex, "date_of_birth": member.date_of_birth, "relationship": member.relationship_to_head,
                "specific_needs": member.specific_needs or []}

    def _link_duplicates(self, household):
        """Score this household's members against other active households' members with similar names."""
        keys = self._keys(household.members)
        if not keys[0]:
            return []
        candidates = _first(self._candidates([keys], exclude=household.id)[0])
        existing = {tuple(row) for row in self.session.execute(
            select(_links.c.member_id, _links.c.other_member_id).where(_links.c.household_id == household.id))}
        links = []
        found = self._score(household, candidates, existing, links)
        if links:
            self.session.execute(insert(_links), links)
        return found

    @staticmethod
    def _keys(members):
        """The name keys and phonetic keys duplicates are looked for by."""
        return ({m.name_key for m in members if m.name_key}, {m.phonetic_key for m in members if m.phonetic_key})

    def _candidates(self, key_sets, exclude=None):
        """For each (name keys, phonetic keys): members of other active households (not ``exclude``) with one of
        those keys, as _Candidates; at most MAX_CANDIDATES per key (and _first keeps MAX_CANDIDATES in all)."""
        if dialect.dialect_name(self.session) != "postgresql":  # the candidates query below is PostgreSQL's
            return [self._candidates_one(keys, phonetics, exclude) if keys else [] for keys, phonetics in key_sets]
        names = set().union(*(keys for keys, _ in key_sets if keys))
        phonetics = set().union(*(phonetics for keys, phonetics in key_sets if keys))
        if not names:
            return [[] for _ in key_sets]
        by_kind = {"n": defaultdict(list), "p": defaultdict(list)}
        for row in self.session.execute(_PG_CANDIDATES, {"names": sorted(names), "phonetics": sorted(phonetics),
                                                         "exclude": exclude or ""}):
            by_kind[row.kind][row.key].append(_Candidate(row))
        found = []
        for keys, phonetics in key_sets:
            if not keys:
                found.append([])
                continue
            found.append([c for key in keys for c in by_kind["n"].get(key, ())]
                         + [c for key in phonetics for c in by_kind["p"].get(key, ())])
        return found

    def _candidates_one(self, keys, phonetics, exclude):
        query = (select(_members.c.id, _members.c.household_id, _members.c.name_key, _members.c.phonetic_key,
                        _members.c.date_of_birth, _members.c.date_of_birth_estimated, _households.c.phone,
                        _households.c.registration_number)
                 .join(_households, _households.c.id == _members.c.household_id)
                 .where(_households.c.status == "active",
                        or_(_members.c.name_key.in_(keys), _members.c.phonetic_key.in_(phonetics)))
                 .limit(MAX_CANDIDATES))
        if exclude is not None:
            query = query.where(_households.c.id != exclude)
        return [_Candidate(row) for row in self.session.execute(query)]

    def _score(self, household, candidates, existing, links):
        """Possible duplicates of ``household``'s members among ``candidates``: the found list the caller gets,
        and both directions of each link appended to ``links`` (rows to insert)."""
        found = []
        for member in household.members:
            if not member.name_key:
                continue
            me = domain.Person(member.name_key, member.phonetic_key, member.date_of_birth,
                               member.date_of_birth_estimated, household.phone)
            for other in candidates:
                score = domain.duplicate_score(me, other.person)
                if score < self.duplicate_threshold or (member.id, other.id) in existing:
                    continue
                now = utcnow()
                links.append({"id": str(uuid.uuid4()), "household_id": household.id, "member_id": member.id,
                              "other_household_id": other.household_id, "other_member_id": other.id,
                              "score": score, "created_at": now})
                links.append({"id": str(uuid.uuid4()), "household_id": other.household_id, "member_id": other.id,
                              "other_household_id": household.id, "other_member_id": member.id,
                              "score": score, "created_at": now})
                existing.add((member.id, other.id))
                found.append({"member_index": member.position, "member_id": member.id,
                              "other_household_id": other.household_id,
                              "other_registration_number": other.registration_number,
                              "other_member_id": other.id, "score": score})
        return found


class _NewHousehold:
    """A household prepared for insertion: the attributes ``summary()`` reads, and its row."""

    COLUMNS = ("id", "registration_number", "site_id", "status", "size", "origin_adm1", "origin_adm2",
               "displacement_date", "phone", "consent", "org", "version", "registered_at", "updated_at")

    def __init__(self, **values):
        self.__dict__.update(values)
        self.members = []

    def row(self):
        return {key: self.__dict__[key] for key in self.COLUMNS}


class _NewMember:
    def __init__(self, **values):
        self.__dict__.update(values)

    def row(self):
        row = dict(self.__dict__)
        row["relationship"] = row.pop("relationship_to_head")
        return row


class _MemberRow:
    """A member read with its household (columns labelled ``m_*``), with the attributes ``describe`` reads."""

    def __init__(self, row):
        self.id, self.given_name, self.family_name, self.sex = row.m_id, row.m_given_name, row.m_family_name, row.m_sex
        self.date_of_birth, self.date_of_birth_estimated = row.m_date_of_birth, row.m_date_of_birth_estimated
        self.relationship_to_head, self.specific_needs = row.m_relationship, row.m_specific_needs


class _Candidate:
    """A member of another household that may be the same person as one being registered."""

    __slots__ = ("id", "household_id", "registration_number", "name_key", "phonetic_key", "person")

    def __init__(self, row):
        self.id, self.household_id, self.registration_number = row.id, row.household_id, row.registration_number
        self.name_key, self.phonetic_key = row.name_key, row.phonetic_key
        self.person = domain.Person(row.name_key, row.phonetic_key, row.date_of_birth, row.date_of_birth_estimated,
                                    row.phone)


class _RecentMembers:
    """Members of households written earlier in the same call, found as candidates the way the database would."""

    def __init__(self):
        self.by_name, self.by_phonetic = defaultdict(list), defaultdict(list)

    def add(self, household):
        for member in household.members:
            candidate = _Candidate(_Row(member, household))
            if member.name_key:
                self.by_name[member.name_key].append(candidate)
            if member.phonetic_key:
                self.by_phonetic[member.phonetic_key].append(candidate)

    def matching(self, keys, phonetics):
        if not keys or not (self.by_name or self.by_phonetic):
            return []
        return ([c for key in keys for c in self.by_name.get(key, ())]
                + [c for key in phonetics for c in self.by_phonetic.get(key, ())])


class _Row:
    def __init__(self, member, household):
        self.id, self.household_id, self.registration_number = member.id, household.id, household.registration_number
        self.name_key, self.phonetic_key = member.name_key, member.phonetic_key
        self.date_of_birth, self.date_of_birth_estimated = member.date_of_birth, member.date_of_birth_estimated
        self.phone = household.phone


def _first(candidates):
    """Distinct candidates (a member found by name and by sound is one), at most MAX_CANDIDATES."""
    seen, distinct = set(), []
    for candidate in candidates:
        if candidate.id not in seen:
            seen.add(candidate.id)
            distinct.append(candidate)
            if len(distinct) == MAX_CANDIDATES:
                break
    return distinct


def _error(exc):
    return {"error": {"type": type(exc).__name__, "message": str(exc)}}
