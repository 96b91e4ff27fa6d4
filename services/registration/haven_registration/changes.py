"""Changing a registered household: its details and members (``update_household``), its departure
(``record_departure``) and its move to another site (``relocate_household``). Each locks the household, checks that
the caller may change it (``haven_kernel.sharing``: else NotFound, or Forbidden to a partner it is shared with for
reading only), checks the change, writes it with a new version and emits one event, committed together by the
entrypoint. Each replies with an acknowledgement, not the record."""
from haven_kernel.clock import aware, utcnow
from haven_kernel.errors import Conflict, NotFound, ValidationError
from haven_kernel.validation import load, parse_uuid

from . import domain, needs, views
from .duplicates import Linker, keys
from .models import Member
from .schemas import DepartureSchema, HouseholdChangesSchema
from .usecase import UseCase


class Changes(UseCase):

    def update(self, household_id, changes, expected_version=None):
        household = self._household(household_id, expected_version)
        data = load(HouseholdChangesSchema(), changes, field="changes")
        if not data:
            raise ValidationError({"changes": ["Nothing to change."]})
        domain.require_active(household)
        before = self._needs_before(household)
        changed = []
        if "origin" in data:
            origin = data["origin"] or {}
            household.origin_adm1, household.origin_adm2 = origin.get("adm1"), origin.get("adm2")
            changed.append("origin")
        for key in ("displacement_date", "phone", "consent"):
            if key in data:
                setattr(household, key, data[key])
                changed.append(key)
        added = []
        if "members" in data:
            added = self._change_members(household, data["members"])
            changed.append("members")
        paths = {id(member): f"members.add.{index}" for index, member in enumerate(added)}
        errors = domain.composition_errors([views.member_facts(m) for m in household.members]) or \
            domain.consent_errors(household.consent, household.phone, [
                (paths.get(id(m), f"members.{m.position}"), {"given_name": m.given_name, "family_name": m.family_name})
                for m in household.members])
        if errors:
            raise ValidationError(domain.with_prefix(errors, "changes"))
        household.size = len(household.members)
        household.version += 1
        household.updated_at = utcnow()
        self.unit.session.flush()
        duplicates = self._link_duplicates(household) if "members" in changed else []
        self.unit.emit("household_updated", {**self._event(household), "changed": changed})
        self._needs_changed(household, before, "updated")
        return {**views.acknowledged(household), "new_possible_duplicates": duplicates}

    def depart(self, household_id, reason, on, expected_version=None):
        household = self._household(household_id, expected_version)
        data = load(DepartureSchema(), {"reason": reason, "date": on})
        domain.require_active(household)
        before = self._needs_before(household)
        if data["date"] < aware(household.collected_at or household.registered_at).date():  # collected: in the field
            raise ValidationError({"date": ["Must not be before the household was registered."]})
        household.status = "departed"
        household.departure_reason = data["reason"]
        household.departure_date = data["date"]
        household.version += 1
        household.updated_at = utcnow()
        self.unit.session.flush()
        self.unit.emit("household_departed", {**self._event(household), "reason": data["reason"],
                                              "departure_date": data["date"].isoformat()})
        self._needs_changed(household, before, "departed")
        return views.acknowledged(household)

    def relocate(self, household_id, to_site_id, expected_version=None):
        household = self._household(household_id, expected_version)
        to_site_id = parse_uuid(to_site_id, "to_site_id")
        domain.require_active(household)
        before = self._needs_before(household)
        if household.site_id == to_site_id:
            raise Conflict(f"household {household.id} is already at site {to_site_id}")
        site = self.sites.get(to_site_id)
        domain.require_open(to_site_id, site.status if site is not None else None)
        from_site = household.site_id
        household.site_id = site.site_id
        household.version += 1
        household.updated_at = utcnow()
        self.unit.session.flush()
        self.unit.emit("household_relocated", {**self._event(household), "from_site_id": from_site,
                                               "to_site_id": site.site_id})
        self._needs_changed(household, before, "relocated", from_site_id=from_site)
        return {**views.acknowledged(household), "site_id": site.site_id}

    # -- internals -----------------------------------------------------------------------------------------------
    def _household(self, household_id, expected_version=None):
        """The household, locked; Conflict when ``expected_version`` is given and the household has changed since
        (optimistic concurrency: a partner that read version 3 changes version 3 or nothing)."""
        household_id = parse_uuid(household_id, "household_id")
        expected = domain.expected_version(expected_version)
        household = self.repository.household_for_update(household_id)
        if household is None:
            raise NotFound(f"household {household_id} does not exist")
        self.sharing.require(household.org, household_id, write=True)  # a read agreement: Forbidden
        domain.require_version(household, expected)
        return household

    @staticmethod
    def _needs_before(household):
        """The household's site and members' needs before a change: ``(site_id, [{id, specific_needs}])``."""
        return household.site_id, [{"id": m.id, "specific_needs": list(m.specific_needs or [])}
                                   for m in household.members]

    def _needs_changed(self, household, before, cause, from_site_id=None):
        """What the change does to its site's counts, and to protection: a household with protection needs (before
        or now) tells protection when they change, and when it departs or moves."""
        site_before, members_before = before
        now = household.site_id if household.status == "active" else None
        self.unit.state(needs.SiteNeeds, self.repository).move(site_before, members_before, now, household.members)
        data = needs.protection_event(household, household.members, cause, from_site_id)
        had = needs.member_protection_needs(members_before)
        if (had or data["member_needs"]) and (cause != "updated" or had != data["member_needs"]):
            self.unit.emit("household_protection_needs", data)

    def _event(self, household):
        return views.household_event(household, household.members, self.today)

    def _change_members(self, household, changes):
        """Apply removals, updates and additions; returns the members added."""
        by_id = {m.id: m for m in household.members}
        for member_id in changes["remove"]:
            if member_id not in by_id:
                raise ValidationError({"changes.members.remove": [f"Member {member_id} is not in this household."]})
            household.members.remove(by_id.pop(member_id))
        for index, change in enumerate(changes["update"]):
            member = by_id.get(change["member_id"])
            if member is None:
                raise ValidationError({f"changes.members.update.{index}.member_id": ["Not a member of this household."]})
            change = domain.resolve_birth(change, self.today)
            if "date_of_birth" in change:
                member.date_of_birth = change["date_of_birth"]
                member.date_of_birth_estimated = change.get("date_of_birth_estimated", False)
            for key in ("given_name", "family_name", "sex", "specific_needs"):
                if key in change:
                    setattr(member, key, change[key])
            if "relationship" in change:
                member.relationship_to_head = change["relationship"]
            member.name_key, member.phonetic_key = domain.name_keys(member.given_name, member.family_name)
        next_position = max([m.position for m in household.members], default=-1) + 1
        added = [Member(**domain.new_member(m, next_position + offset, household.id, self.today))
                 for offset, m in enumerate(changes["add"])]
        household.members.extend(added)
        return added

    def _link_duplicates(self, household):
        """Score this household's members against other active households' members with similar names."""
        key_set = keys(household.members)
        if not key_set[0]:
            return []
        linker = Linker(self.repository.candidates([key_set], exclude=household.id), self.duplicate_threshold,
                        shown=self.shown_candidate)
        found = linker.link(household.id, household.registration_number, household.phone, household.members,
                            already=self.repository.linked_pairs(household.id), remember=False)
        self.repository.insert_links(linker.rows)
        linker.report_caps(1)
        return found
