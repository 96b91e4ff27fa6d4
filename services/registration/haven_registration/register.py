"""The household register: registration's use cases over a unit of work. Each method validates, changes the
tables and writes its event to the outbox; the entrypoint commits both together."""
import uuid
from datetime import date, datetime, timezone

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from haven_kernel.errors import Conflict, NotFound, ValidationError
from haven_kernel.reference import age_on, estimated_birth_date
from haven_kernel.validation import load, parse_uuid

from . import domain
from .models import Household, Member, PossibleDuplicate, SiteReplica
from .schemas import DepartureSchema, HouseholdChangesSchema, HouseholdSchema, SearchSchema

MAX_BATCH = 1000


def utcnow():
    return datetime.now(timezone.utc)


class HouseholdRegister:
    def __init__(self, unit, site_lookup=None, duplicate_threshold=3, today=None):
        self.unit = unit
        self.session = unit.session
        self.site_lookup = site_lookup
        self.duplicate_threshold = duplicate_threshold
        self.today = today or date.today()

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
        if site is not None and site.as_of is not None and _aware(site.as_of) > as_of:
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
        data = load(HouseholdSchema(), payload, field=field)
        members = self._members_from(data["members"], prefix=(f"{field}." if field else "") + "members")
        self._check_composition(members, field)
        self._check_consent(data, members, field)
        site = self.open_site(data["site_id"])
        origin = data.get("origin") or {}
        now = utcnow()
        household = Household(
            id=str(uuid.uuid4()), site_id=site.site_id, status="active", size=len(members),
            origin_adm1=origin.get("adm1"), origin_adm2=origin.get("adm2"),
            displacement_date=data.get("displacement_date"), phone=data.get("phone"),
            consent=data["consent"], org=self.unit.caller.org, version=1, registered_at=now, updated_at=now,
        )
        household.members = [self._new_member(m, i) for i, m in enumerate(members)]
        for _ in range(5):
            household.registration_number = domain.new_registration_number()
            try:
                with self.session.begin_nested():
                    self.session.add(household)
                    self.session.flush()
                break
            except IntegrityError:
                continue
        else:
            raise Conflict("could not allocate a unique registration number; try again")
        duplicates = self._link_duplicates(household)
        self.unit.emit("household_registered", self.summary(household))
        return {
            "household_id": household.id,
            "registration_number": household.registration_number,
            "site_id": household.site_id,
            "size": household.size,
            "status": household.status,
            "possible_duplicates": duplicates,
        }

    def register_many(self, households):
        if not isinstance(households, list):
            raise ValidationError({"households": ["Must be a list."]})
        if len(households) > MAX_BATCH:
            raise ValidationError({"households": [f"At most {MAX_BATCH} households per call; got {len(households)}."]})
        results = []
        for index, payload in enumerate(households):
            savepoint = self.session.begin_nested()
            emitted = self.unit._emitted
            try:
                results.append(self.register(payload))
                savepoint.commit()
            except (ValidationError, NotFound, Conflict) as exc:
                savepoint.rollback()
                self.unit._emitted = emitted
                results.append({"error": {"type": type(exc).__name__, "message": str(exc)}})
        return results

    # -- reading -------------------------------------------------------------------------------------------------
    def get(self, household_id):
        return self.describe(self._household(household_id))

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
            query.order_by(Household.registered_at, Household.id).limit(data["limit"]).offset(data["offset"])
        ).scalars().all()
        return {"total": total, "limit": data["limit"], "offset": data["offset"],
                "items": [self.describe(h) for h in rows]}

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
        if data["date"] < _aware(household.registered_at).date():
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
            "registered_at": _aware(household.registered_at).isoformat(),
        }

    def describe(self, household):
        links = self.session.execute(
            select(PossibleDuplicate, Household.registration_number)
            .join(Household, Household.id == PossibleDuplicate.other_household_id)
            .where(PossibleDuplicate.household_id == household.id)
        ).all()
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
            "registered_at": _aware(household.registered_at).isoformat(),
            "updated_at": _aware(household.updated_at).isoformat(),
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
            } for m in household.members],
            "possible_duplicates": [{
                "member_id": link.member_id,
                "other_household_id": link.other_household_id,
                "other_registration_number": number,
                "other_member_id": link.other_member_id,
                "score": link.score,
            } for link, number in links],
        }

    # -- internals -----------------------------------------------------------------------------------------------
    def _household(self, household_id, for_update=False):
        household_id = parse_uuid(household_id, "household_id")
        query = select(Household).where(Household.id == household_id)
        if for_update and self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update()
        household = self.session.execute(query).scalar_one_or_none()
        if household is None:
            raise NotFound(f"household {household_id} does not exist")
        return household

    @staticmethod
    def _active(household):
        if household.status != "active":
            raise Conflict(f"household {household.id} has departed; it cannot be changed")

    def _members_from(self, members, prefix):
        """Resolve ages to (estimated) birth dates."""
        resolved = []
        for index, member in enumerate(members):
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
        for offset, member in enumerate(self._members_from(changes["add"], "changes.members.add")):
            household.members.append(self._new_member(member, next_position + offset))

    @staticmethod
    def _member_view(member):
        if isinstance(member, dict):
            return member
        return {"sex": member.sex, "date_of_birth": member.date_of_birth, "relationship": member.relationship_to_head,
                "specific_needs": member.specific_needs or []}

    def _link_duplicates(self, household):
        """Score this household's members against other active households' members with similar names."""
        found = []
        keys = {m.name_key for m in household.members if m.name_key}
        phonetics = {m.phonetic_key for m in household.members if m.phonetic_key}
        if not keys:
            return found
        candidates = self.session.execute(
            select(Member, Household).join(Household, Household.id == Member.household_id)
            .where(Household.id != household.id, Household.status == "active",
                   or_(Member.name_key.in_(keys), Member.phonetic_key.in_(phonetics)))
            .limit(500)
        ).all()
        existing = set(self.session.execute(
            select(PossibleDuplicate.member_id, PossibleDuplicate.other_member_id)
            .where(PossibleDuplicate.household_id == household.id)).all())
        for member in household.members:
            if not member.name_key:
                continue
            me = domain.Person(member.name_key, member.phonetic_key, member.date_of_birth,
                               member.date_of_birth_estimated, household.phone)
            for other, other_household in candidates:
                them = domain.Person(other.name_key, other.phonetic_key, other.date_of_birth,
                                     other.date_of_birth_estimated, other_household.phone)
                score = domain.duplicate_score(me, them)
                if score < self.duplicate_threshold or (member.id, other.id) in existing:
                    continue
                now = utcnow()
                self.session.add(PossibleDuplicate(id=str(uuid.uuid4()), household_id=household.id,
                                                   member_id=member.id, other_household_id=other_household.id,
                                                   other_member_id=other.id, score=score, created_at=now))
                self.session.add(PossibleDuplicate(id=str(uuid.uuid4()), household_id=other_household.id,
                                                   member_id=other.id, other_household_id=household.id,
                                                   other_member_id=member.id, score=score, created_at=now))
                existing.add((member.id, other.id))
                found.append({"member_index": member.position, "member_id": member.id,
                              "other_household_id": other_household.id,
                              "other_registration_number": other_household.registration_number,
                              "other_member_id": other.id, "score": score})
        self.session.flush()
        return found


def _aware(value):
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value
