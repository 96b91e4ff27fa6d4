"""Shelter allocation: registration's household events, the camp manager's manual override, and the waitlist, as
use cases over a unit of work.

Locking (PostgreSQL): every change to who holds which unit, or who waits where, happens while holding the row lock of
the site concerned (``SELECT ... FOR UPDATE`` on ``sites``). Locks are always taken sites first (in id order), then
households, so two transactions never wait on each other in a circle. Two allocations racing for the last unit are
serialised on the site row: the second sees the unit taken and gets ``Conflict``. The unique constraint on
``households.unit_id`` backs this up.
"""
import uuid
from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from haven_kernel import dialect
from haven_kernel.clock import iso, utcnow
from haven_kernel.db import TransactionState
from haven_kernel.errors import Conflict, NotFound
from haven_kernel.validation import parse_uuid

from . import domain
from .domain import ALLOCATED, RELEASED, UNALLOCATED, WAITLISTED
from .models import AllocationHistory, Household, ShelterUnit, Site


class Allocator:
    def __init__(self, unit, actor=None):
        self.unit = unit
        self.session = unit.session
        caller = unit.caller
        self.actor = actor or (caller.sub if caller else "system")

    # -- locks and reads ---------------------------------------------------------------------------------------------
    def _fresh(self, query, lock):
        query = query.execution_options(populate_existing=True)
        return dialect.for_update(self.session, query) if lock else query

    def site(self, site_id, lock=False):
        """The site (row-locked when ``lock``), or NotFound."""
        site = self.session.execute(self._fresh(select(Site).where(Site.id == site_id), lock)).scalar_one_or_none()
        if site is None:
            raise NotFound(f"site {site_id} does not exist")
        return site

    @property
    def _locked(self):
        """What this transaction knows beyond the database's rows (:class:`Locked`)."""
        return self.unit.state(Locked)

    def _lock_sites(self, site_ids):
        """Lock several sites in id order (those not locked yet, in one query); unknown ids map to None."""
        locked = self._locked.sites
        wanted = sorted(set(site_ids) - set(locked))
        if wanted:
            found = {site.id: site for site in self.session.execute(
                self._fresh(select(Site).where(Site.id.in_(wanted)).order_by(Site.id), lock=True)).scalars()}
            for site_id in wanted:
                locked[site_id] = found.get(site_id)
        return {site_id: locked[site_id] for site_id in site_ids}

    def prepare(self, events):
        """Before a batch of household events: read their households, lock every site they are at or going to and
        then the households, one query each, so that applying each event needs no locking round trips of its own."""
        households, sites = set(), set()
        for event in events:
            try:
                households.add(str(uuid.UUID(str(event.data["household_id"]))))
                sites.add(str(uuid.UUID(str(event.data["site_id"]))))
            except (KeyError, TypeError, ValueError):
                continue  # the event is refused when applied on its own
        if not households:
            return
        seen = dict(self.session.execute(select(Household.id, Household.site_id)
                                         .where(Household.id.in_(sorted(households)))).all())
        self._lock_sites(sites | {site for site in seen.values() if site})
        known = self._locked.households
        # Read them again, locked, now that their sites are: one may have been inserted or moved meanwhile by a
        # transaction that held a site's lock. Those take the one-by-one path of apply_household_event.
        rows = self.session.execute(self._fresh(select(Household).where(Household.id.in_(sorted(households)))
                                                .order_by(Household.id), lock=True)).scalars().all()
        for household in rows:
            if household.id in seen and household.site_id == seen[household.id]:
                known[household.id] = household
        found = {household.id for household in rows}
        for household_id in households - found:
            known[household_id] = None  # new (should another transaction insert it first, this batch fails and its
            # events are applied one by one)

    def _household(self, household_id, lock=False):
        return self.session.execute(
            self._fresh(select(Household).where(Household.id == household_id), lock)).scalar_one_or_none()

    def known_household(self, household_id):
        household_id = parse_uuid(household_id, "household_id")
        household = self._household(household_id)
        if household is None:
            raise NotFound(f"household {household_id} is not known to shelter (shelter learns households from "
                           "registration's events)")
        return household

    @staticmethod
    def _free_units_query(site_id, *columns):
        # A unit's holder is always a household of the unit's site (it releases its unit before it moves), so only
        # the site's households are looked at: the query costs the site's size, not the whole response's (bench:
        # an outer join over every household made each allocation scan them all, 23 -> 5 ms at 63,000).
        held = select(Household.id).where(Household.site_id == site_id, Household.unit_id == ShelterUnit.id)
        return (select(*(columns or (ShelterUnit,)))
                .where(ShelterUnit.site_id == site_id, ShelterUnit.status == "available", ~held.exists()))

    def free_units(self, site_id):
        """Available units of a site that nobody holds, oldest first."""
        return self.session.execute(
            self._free_units_query(site_id).order_by(ShelterUnit.number)
            .execution_options(populate_existing=True)
        ).scalars().all()

    def smallest_fitting_unit(self, site_id, persons):
        """The free unit ``domain.choose_unit`` would pick for ``persons``, found by the database: the smallest
        capacity that fits, then the smaller area, then the older unit. The index on (site, status, capacity, area,
        number, id) is read in that order and the first unit nobody holds is the answer, so a site with thousands
        of free units costs a few index entries, not a row each (bench: the window over every free unit was
        the largest share of shelter's database time per household)."""
        query = self._free_units_query(site_id, ShelterUnit.id, ShelterUnit.unit_type, ShelterUnit.covered_area_m2
                                       ).where(ShelterUnit.capacity_persons >= persons)
        taken = self._locked.taken
        if taken:  # given out in this transaction and perhaps not flushed yet
            query = query.where(ShelterUnit.id.not_in(sorted(taken)))
        with self.session.no_autoflush:  # nothing pending changes the answer: one flush per batch, not per event
            # (id, unit_type, covered_area_m2): what an allocation records of its unit
            return self.session.execute(query.order_by(*ALLOCATION_ORDER).limit(1)).one_or_none()

    def unit_counts(self, site_id):
        """(units_total, units_available, units_free, capacity_persons, covered_area_m2) of a site."""
        total, available, capacity, area = self.session.execute(
            select(func.count(ShelterUnit.id),
                   func.coalesce(func.sum(_when_available(1)), 0),
                   func.coalesce(func.sum(_when_available(ShelterUnit.capacity_persons)), 0),
                   func.coalesce(func.sum(_when_available(ShelterUnit.covered_area_m2)), 0.0))
            .where(ShelterUnit.site_id == site_id)).one()
        free = self.session.execute(select(func.count()).select_from(self._free_units_query(site_id).subquery())
                                    ).scalar_one()
        return int(total), int(available), int(free), int(capacity), float(area)

    # -- registration's household events -------------------------------------------------------------------------
    def apply_household_event(self, event_type, data):
        """Bring shelter's record of a household to what the event says (see ``domain.reconcile``)."""
        household_id = str(uuid.UUID(str(data["household_id"])))
        facts = domain.Facts(site_id=str(uuid.UUID(str(data["site_id"]))), persons=data["size"],
                             version=data["version"], registration_status=data["status"])
        held = self._locked.households
        if household_id in held:  # prepared with its batch (or seen earlier in it): locked, and so are its sites
            household = held[household_id]
            sites = self._lock_sites({facts.site_id} | ({household.site_id} if household is not None else set()))
        else:
            for _ in range(5):
                seen = self._household(household_id)
                seen_site = seen.site_id if seen is not None else None
                sites = self._lock_sites({facts.site_id} | ({seen_site} if seen_site else set()))
                household = self._household(household_id, lock=True)
                if (household.site_id if household is not None else None) == seen_site:
                    break
            else:  # moved by another transaction five times in a row: let the retry machinery try again later
                raise Conflict(f"household {household_id} is changing concurrently")
            held[household_id] = household

        known = None if household is None else domain.Known(
            site_id=household.site_id, persons=household.persons, version=household.version,
            registration_status=household.registration_status, status=household.status)
        plan = domain.reconcile(known, facts)
        if plan.ignore:
            return "stale"
        now = utcnow()
        if household is None:  # inserted with what the placement decides, by the next flush
            household = Household(id=household_id, site_id=facts.site_id, persons=facts.persons,
                                  version=facts.version, registration_status=facts.registration_status,
                                  status=RELEASED, since=now, updated_at=now)
            self.session.add(household)
            held[household_id] = household
        serve = []  # sites whose queue may move: a unit was freed there, or a waiting household changed size
        if plan.leave_reason:
            old_site = sites[household.site_id]
            self._leave(household, old_site, plan.leave_reason)
            serve.append(old_site)
        household.persons = facts.persons
        household.version = facts.version
        household.registration_status = facts.registration_status
        household.site_id = facts.site_id
        household.updated_at = now
        took_unit = None
        if plan.place or plan.reserve_queue:
            site = sites.get(facts.site_id)
            if site is None:
                raise NotFound(f"site {facts.site_id} of household {household_id} does not exist in shelter")
            if plan.place and self._place(household, site):
                took_unit = site
            if plan.reserve_queue:
                serve.append(site)
        for site in dict.fromkeys(serve):
            self.serve_queue(site)
        # Placing a household frees nothing, so the queue cannot move; only the site may have filled up.
        for site in dict.fromkeys(serve + ([took_unit] if took_unit is not None else [])):
            self._settle_later(site)
        return household.status

    def _settle_later(self, site):
        """Settle ``site`` as the transaction commits (once for a whole batch of events), under the context of the
        last event that may have filled it, or earlier if a unit of the site is about to be freed: a site that
        filled up is reported full even when a departure later in the same batch frees a unit."""
        locked = self._locked
        locked.settle[site.id] = (site, self.unit.context())
        locked.settle_order.setdefault(site.id)

    def _settle_pending(self, site_id):
        pending = self._locked.settle.pop(site_id, None)
        if pending is not None:
            site, context = pending
            self.settle(site, context=context)

    # -- the camp manager's override -----------------------------------------------------------------------------
    def allocate_manually(self, household_id, unit_id):
        household_id = parse_uuid(household_id, "household_id")
        unit_id = parse_uuid(unit_id, "unit_id")
        unit = self.session.get(ShelterUnit, unit_id)
        if unit is None:
            raise NotFound(f"shelter unit {unit_id} does not exist")
        if self._household(household_id) is None:
            raise NotFound(f"household {household_id} is not known to shelter (shelter learns households from "
                           "registration's events)")
        site = self.site(unit.site_id, lock=True)
        household = self._household(household_id, lock=True)
        self.session.refresh(unit)  # as it is now that the site is locked
        if household.registration_status != "active":
            raise Conflict(f"household {household_id} has departed")
        if household.site_id != site.id:
            raise Conflict(f"household {household_id} is registered at site {household.site_id}, not at the unit's "
                           f"site {site.id}; relocate it through registration first")
        if site.status != "open":
            raise Conflict(f"site {site.id} is closed; it takes no allocations")
        if unit.status != "available":
            raise Conflict(f"shelter unit {unit_id} is unavailable")
        if household.unit_id == unit.id:
            return self.allocation_view(household)
        holder = self.session.execute(select(Household.id).where(Household.unit_id == unit.id)).scalar_one_or_none()
        if holder is not None:
            raise Conflict(f"shelter unit {unit_id} is taken")
        if household.status == ALLOCATED:
            self._release(household, site, "reallocated")
        self._allocate(household, site, unit, manual=True)
        self.serve_queue(site)
        self.settle(site)
        return self.allocation_view(household)

    # -- the waitlist and site state -----------------------------------------------------------------------------
    def serve_queue(self, site):
        """Give free units to waiting households, in queue order (``domain.serve_queue``). Caller holds the lock."""
        if site.status != "open":
            return []
        waiting = self.session.execute(
            self._fresh(select(Household).where(Household.site_id == site.id, Household.status == WAITLISTED)
                        .order_by(Household.queue_number), lock=True)).scalars().all()
        if not waiting:
            return []
        free = {u.id: u for u in self.free_units(site.id)}
        if not free:
            return []
        by_id = {h.id: h for h in waiting}
        served = domain.serve_queue(
            [domain.Waiting(h.id, h.persons, h.queue_number) for h in waiting],
            [domain.FreeUnit(u.id, u.capacity_persons, u.covered_area_m2, u.number) for u in free.values()])
        for household_id, choice in served:
            self._allocate(by_id[household_id], site, free[choice.unit_id], manual=False, reason="waitlist")
        return [household_id for household_id, _ in served]

    def settle(self, site, context=None):
        """Emit ``site_full`` when the site has just become full (once per filling). Whether any unit is available
        and whether any is free is all ``domain.full_transition`` needs; the counts are read only for the event."""
        # The first unit of each kind in the allocation-order index, not EXISTS: for an EXISTS PostgreSQL may plan a
        # sequential scan that expects an early match, and reads every site's units before this site's (bench: after
        # ANALYZE, 10 ms of database time per household at 100 sites).
        available = select(ShelterUnit.id).where(ShelterUnit.site_id == site.id, ShelterUnit.status == "available")
        first_available, first_free = self.session.execute(select(
            available.order_by(*ALLOCATION_ORDER).limit(1).scalar_subquery(),
            self._free_units_query(site.id, ShelterUnit.id).order_by(*ALLOCATION_ORDER).limit(1).scalar_subquery()
        )).one()
        is_full, emit = domain.full_transition(site.full, int(first_available is not None),
                                               int(first_free is not None))
        if site.full != is_full:
            site.full = is_full
        if emit:
            total, _, _, capacity, _ = self.unit_counts(site.id)
            self.unit.emit("site_full", {"site_id": site.id, "units_total": total, "capacity_persons": capacity},
                           context=context)
        self.session.flush()

    def empty_waitlist(self, site, reason):
        """Everyone waiting at ``site`` leaves the queue (``waitlist_left``), in queue order."""
        waiting = self.session.execute(
            self._fresh(select(Household).where(Household.site_id == site.id, Household.status == WAITLISTED)
                        .order_by(Household.queue_number), lock=True)).scalars().all()
        for household in waiting:
            self._leave(household, site, reason)
        return len(waiting)

    def place_stranded(self, site):
        """Active households at ``site`` with neither unit nor queue place (the site was closed): place them now."""
        stranded = self.session.execute(
            self._fresh(select(Household).where(Household.site_id == site.id, Household.status == UNALLOCATED,
                                                Household.registration_status == "active")
                        .order_by(Household.since, Household.id), lock=True)).scalars().all()
        for household in stranded:
            self._place(household, site)
        return len(stranded)

    # -- the moves ----------------------------------------------------------------------------------------------------
    def _place(self, household, site):
        """Allocate the smallest free unit that fits, or queue at the site; a closed site leaves it unallocated.
        True when a unit was taken."""
        if site.status != "open":
            if household.status != UNALLOCATED:
                self._set(household, UNALLOCATED)
                self._history(household, site.id, "unallocated", reason="site_closed")
            return False
        unit = self.smallest_fitting_unit(site.id, household.persons)
        if unit is not None:
            self._allocate(household, site, unit, manual=False)
            return True
        self._enqueue(household, site)
        return False

    def _allocate(self, household, site, unit, manual, reason=None):
        self._set(household, ALLOCATED, unit_id=unit.id)
        household.site_id = site.id
        self._locked.taken.add(unit.id)  # written with the next flush; until then a query must not offer it
        self.unit.emit("shelter_allocated", {
            "household_id": household.id, "site_id": site.id, "unit_id": unit.id, "unit_type": unit.unit_type,
            "persons": household.persons, "manual": manual, "covered_area_m2": unit.covered_area_m2})
        self._history(household, site.id, "allocated", unit=unit, manual=manual,
                      reason=reason or ("manual" if manual else "automatic"))

    def _enqueue(self, household, site):
        site.queue_counter = (site.queue_counter or 0) + 1
        self._set(household, WAITLISTED, queue_number=site.queue_counter)
        self.session.flush()
        numbers = self.session.execute(select(Household.queue_number).where(
            Household.site_id == site.id, Household.status == WAITLISTED)).scalars().all()
        position = domain.queue_position(numbers, household.queue_number)
        self.unit.emit("allocation_waitlisted", {"household_id": household.id, "site_id": site.id,
                                                 "persons": household.persons, "position": position})
        self._history(household, site.id, "waitlisted")

    def _leave(self, household, site, reason):
        if household.status == ALLOCATED:
            self._release(household, site, reason)
        elif household.status == WAITLISTED:
            self._set(household, UNALLOCATED if reason == "site_closed" else RELEASED)
            self.session.flush()
            self.unit.emit("waitlist_left", {"household_id": household.id, "site_id": site.id, "reason": reason})
            self._history(household, site.id, "waitlist_left", reason=reason)

    def _release(self, household, site, reason):
        self._settle_pending(site.id)  # full before this unit is freed? say so first
        unit = self.session.get(ShelterUnit, household.unit_id)
        self._set(household, UNALLOCATED if reason == "site_closed" else RELEASED)
        self.session.flush()  # the unit is free before anyone else can be given it (unique households.unit_id)
        self._locked.taken.discard(unit.id)
        self.unit.emit("shelter_released", {
            "household_id": household.id, "site_id": site.id, "unit_id": unit.id, "unit_type": unit.unit_type,
            "persons": household.persons, "reason": reason, "covered_area_m2": unit.covered_area_m2})
        self._history(household, site.id, "released", unit=unit, reason=reason)

    @staticmethod
    def _set(household, status, unit_id=None, queue_number=None):
        household.status = status
        household.unit_id = unit_id
        household.queue_number = queue_number
        household.since = utcnow()
        household.updated_at = household.since

    def _history(self, household, site_id, action, unit=None, reason=None, manual=False):
        self.session.add(AllocationHistory(
            household_id=household.id, site_id=site_id, action=action,
            unit_id=unit.id if unit is not None else None, unit_type=unit.unit_type if unit is not None else None,
            persons=household.persons, reason=reason, manual=manual, actor=self.actor[:200], at=utcnow()))

    # -- views --------------------------------------------------------------------------------------------------------
    def allocation_view(self, household):
        unit = self.session.get(ShelterUnit, household.unit_id) if household.unit_id else None
        position = None
        if household.status == WAITLISTED:
            numbers = self.session.execute(select(Household.queue_number).where(
                Household.site_id == household.site_id, Household.status == WAITLISTED)).scalars().all()
            position = domain.queue_position(numbers, household.queue_number)
        return {
            "household_id": household.id,
            "site_id": household.site_id,
            "status": household.status,
            "unit_id": unit.id if unit else None,
            "unit_type": unit.unit_type if unit else None,
            "unit_number": unit.number if unit else None,
            "unit_capacity_persons": unit.capacity_persons if unit else None,
            "persons": household.persons,
            "waitlist_position": position,
            "since": iso(household.since),
        }

    def get_allocation(self, household_id):
        return self.allocation_view(self.known_household(household_id))

    def history(self, household_id):
        household = self.known_household(household_id)
        rows = self.session.execute(select(AllocationHistory).where(AllocationHistory.household_id == household.id)
                                    .order_by(AllocationHistory.id)).scalars().all()
        return [{
            "at": iso(row.at),
            "action": row.action,
            "site_id": row.site_id,
            "unit_id": row.unit_id,
            "unit_type": row.unit_type,
            "persons": row.persons,
            "reason": row.reason,
            "manual": row.manual,
            "actor": row.actor,
        } for row in rows]

    def waitlist(self, site_id):
        site_id = parse_uuid(site_id, "site_id")
        self.site(site_id)
        rows = self.session.execute(
            select(Household).where(Household.site_id == site_id, Household.status == WAITLISTED)
            .order_by(Household.queue_number)).scalars().all()
        return [{"household_id": h.id, "persons": h.persons, "position": i, "since": iso(h.since)}
                for i, h in enumerate(rows, start=1)]


@dataclass
class Locked(TransactionState):
    """What an allocation transaction knows beyond the database's rows, until it commits or rolls back (a batch of
    household events is one transaction): ``sites`` {id: Site or None} and ``households`` {id: Household or None
    (not in the database)} it holds locked (a lock lasts until the commit, so a batch locks and reads each once);
    ``taken``: units given out and perhaps not flushed yet; ``settle``: sites to settle before the commit, each with
    the context of the last event that may have filled it, settled in the order they were first asked for."""

    sites: dict = field(default_factory=dict)
    households: dict = field(default_factory=dict)
    taken: set = field(default_factory=set)
    settle: dict = field(default_factory=dict)
    settle_order: dict = field(default_factory=dict)

    def before_commit(self, unit):
        allocator = Allocator(unit)
        for site_id in self.settle_order:
            allocator._settle_pending(site_id)


# The order units are chosen in (smallest capacity that fits, then area, then the older unit): the trailing columns of
# the index ix_shelter_units_allocation_order, so a query in this order reads the index from its first entry.
ALLOCATION_ORDER = (ShelterUnit.capacity_persons, ShelterUnit.covered_area_m2, ShelterUnit.number, ShelterUnit.id)


def _when_available(value):
    return case((ShelterUnit.status == "available", value), else_=0)
