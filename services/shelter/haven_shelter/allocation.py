"""Allocation: who holds which shelter unit and who waits where, as use cases over a unit of work.

* The camp manager's override (``allocate_manually``) and the reads (``get_allocation``, ``history``, ``waitlist``).
* The moves the event side (``handlers.py``, registration's household events) makes: :meth:`Allocator.place`,
  :meth:`Allocator.leave`, :meth:`Allocator.serve_queue`, :meth:`Allocator.settle_later`.
* What the site side (``sites.py``) may ask, and nothing more: :func:`capacity_changed`, :func:`site_closing`,
  :func:`site_reopened`.

Every move is made while the site's row is locked (``repository.py`` says how and in which order). A site's
fullness (``site_full``) is settled once per transaction, as it commits (:class:`PendingSettle`), under the context
of the last event that may have filled it.
"""
from dataclasses import dataclass, field

from haven_kernel.clock import utcnow
from haven_kernel.db import TransactionState
from haven_kernel.errors import Conflict, NotFound
from haven_kernel.validation import parse_uuid
from haven_kernel.sharing import Sharing

from . import domain, views
from .domain import ALLOCATED, RELEASED, UNALLOCATED, WAITLISTED
from .models import AllocationHistory
from .repository import Repository


# -- what sites.py asks of allocation (the site is locked by the caller) ---------------------------------------------
def capacity_changed(work, site):
    """Units were added to ``site`` or changed status: serve its queue, then settle its fullness now."""
    allocator = Allocator(work)
    allocator.serve_queue(site)
    allocator.settle(site)


def site_closing(work, site):
    """``site`` is closing (nobody holds a unit there any more): everyone waiting leaves its queue, in queue order,
    with the reason ``site_closed``, and stays unallocated at the site until it reopens."""
    allocator = Allocator(work)
    for household in allocator.repo.waiting(site.id):
        allocator.leave(household, site, "site_closed")


def site_reopened(work, site):
    """``site`` has reopened: place the active households still registered there (each gets a unit or queues),
    then settle its fullness."""
    allocator = Allocator(work)
    for household in allocator.repo.stranded(site.id):
        allocator.place(household, site)
    allocator.settle(site)


class Allocator:
    def __init__(self, work, actor=None):
        self.work = work  # the unit of work
        self.repo = Repository(work)
        caller = work.caller
        self.actor = actor or (caller.sub if caller else "system")

    # -- the camp manager's override -----------------------------------------------------------------------------
    def allocate_manually(self, household_id, unit_id):
        household_id = parse_uuid(household_id, "household_id")
        unit_id = parse_uuid(unit_id, "unit_id")
        repo = self.repo
        unit = repo.unit(unit_id)
        if unit is None:
            raise NotFound(f"shelter unit {unit_id} does not exist")
        site = repo.site(unit.site_id, lock=True)
        Sharing(self.work, "site").require_change(site.managing_agency, site.id)  # the site's agency allocates
        if repo.household(household_id) is None:
            raise NotFound(_unknown_household(household_id))
        household = repo.household(household_id, lock=True)
        repo.refresh(unit)  # as it is now that the site is locked
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
        if repo.holder(unit.id) is not None:
            raise Conflict(f"shelter unit {unit_id} is taken")
        if household.status == ALLOCATED:
            self._release(household, site, "reallocated")
        self._allocate(household, site, unit, manual=True)
        self.serve_queue(site)
        self.settle(site)
        return self.allocation_view(household)

    # -- reads ---------------------------------------------------------------------------------------------------
    def get_allocation(self, household_id):
        return self.allocation_view(self._known_household(household_id))

    def history(self, household_id):
        return views.history_view(self.repo.history(self._known_household(household_id).id))

    def waitlist(self, site_id):
        site_id = parse_uuid(site_id, "site_id")
        self.repo.site(site_id)
        return views.waitlist_view(self.repo.waitlist(site_id))

    def allocation_view(self, household):
        unit = self.repo.unit(household.unit_id) if household.unit_id else None
        position = None
        if household.status == WAITLISTED:
            position = domain.queue_position(self.repo.queue_numbers(household.site_id), household.queue_number)
        return views.allocation_view(household, unit, position)

    def _known_household(self, household_id):
        household_id = parse_uuid(household_id, "household_id")
        household = self.repo.household(household_id)
        if household is None:
            raise NotFound(_unknown_household(household_id))
        return household

    # -- the moves (the caller holds the site's lock) ------------------------------------------------------------
    def place(self, household, site):
        """Allocate the smallest free unit that fits, or queue at the site; a closed site leaves it unallocated.
        True when a unit was taken."""
        if site.status != "open":
            if household.status != UNALLOCATED:
                self._set(household, UNALLOCATED)
                self._history(household, site.id, "unallocated", reason="site_closed")
            return False
        unit = self.repo.smallest_fitting_unit(site.id, household.persons)
        if unit is not None:
            self._allocate(household, site, unit, manual=False)
            return True
        self._enqueue(household, site)
        return False

    def leave(self, household, site, reason):
        """The household gives up its unit or its queue place at ``site`` (departed, relocated, site_closed)."""
        if household.status == ALLOCATED:
            self._release(household, site, reason)
        elif household.status == WAITLISTED:
            self._set(household, UNALLOCATED if reason == "site_closed" else RELEASED)
            self.repo.flush()
            self.work.emit("waitlist_left", {"household_id": household.id, "site_id": site.id, "reason": reason})
            self._history(household, site.id, "waitlist_left", reason=reason)

    def serve_queue(self, site):
        """Give free units to waiting households, in queue order (``domain.serve_queue``)."""
        if site.status != "open":
            return []
        waiting = self.repo.waiting(site.id)
        if not waiting:
            return []
        free = {u.id: u for u in self.repo.free_units(site.id)}
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
        any_available, any_free = self.repo.any_available_and_free(site.id)
        is_full, emit = domain.full_transition(site.full, int(any_available), int(any_free))
        if site.full != is_full:
            site.full = is_full
        if emit:
            total, _, _, capacity, _ = self.repo.unit_counts(site.id)
            self.work.emit("site_full", {"site_id": site.id, "units_total": total, "capacity_persons": capacity},
                           context=context)
        self.repo.flush()

    def settle_later(self, site):
        """Settle ``site`` as the transaction commits (once for a whole batch of events), under the context of the
        last event that may have filled it, or earlier if a unit of the site is about to be freed: a site that
        filled up is reported full even when a departure later in the same batch frees a unit."""
        pending = self.work.state(PendingSettle)
        pending.sites[site.id] = (site, self.work.context())
        pending.order.setdefault(site.id)

    def settle_pending(self, site_id):
        pending = self.work.state(PendingSettle).sites.pop(site_id, None)
        if pending is not None:
            site, context = pending
            self.settle(site, context=context)

    def _allocate(self, household, site, unit, manual, reason=None):
        self._set(household, ALLOCATED, unit_id=unit.id)
        household.site_id = site.id
        self.repo.unit_taken(unit.id)
        self.work.emit("shelter_allocated", {
            "household_id": household.id, "site_id": site.id, "unit_id": unit.id, "unit_type": unit.unit_type,
            "persons": household.persons, "manual": manual, "covered_area_m2": unit.covered_area_m2})
        self._history(household, site.id, "allocated", unit=unit, manual=manual,
                      reason=reason or ("manual" if manual else "automatic"))

    def _enqueue(self, household, site):
        site.queue_counter = (site.queue_counter or 0) + 1
        self._set(household, WAITLISTED, queue_number=site.queue_counter)
        self.repo.flush()
        position = domain.queue_position(self.repo.queue_numbers(site.id), household.queue_number)
        self.work.emit("allocation_waitlisted", {"household_id": household.id, "site_id": site.id,
                                                 "persons": household.persons, "position": position})
        self._history(household, site.id, "waitlisted")

    def _release(self, household, site, reason):
        self.settle_pending(site.id)  # full before this unit is freed? say so first
        unit = self.repo.unit(household.unit_id)
        self._set(household, UNALLOCATED if reason == "site_closed" else RELEASED)
        self.repo.flush()  # the unit is free before anyone else can be given it (unique households.unit_id)
        self.repo.unit_freed(unit.id)
        self.work.emit("shelter_released", {
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
        self.repo.add(AllocationHistory(
            household_id=household.id, site_id=site_id, action=action,
            unit_id=unit.id if unit is not None else None, unit_type=unit.unit_type if unit is not None else None,
            persons=household.persons, reason=reason, manual=manual, actor=self.actor[:200], at=utcnow()))


@dataclass
class PendingSettle(TransactionState):
    """Sites to settle as the transaction commits (a batch of household events is one transaction): ``sites`` {id:
    (Site, the EventContext of the last event that may have filled it)}, settled in the order they were first asked
    for (``order``), unless a freed unit settled one earlier."""

    sites: dict = field(default_factory=dict)
    order: dict = field(default_factory=dict)

    def before_commit(self, work):
        allocator = Allocator(work)
        for site_id in self.order:
            allocator.settle_pending(site_id)


def _unknown_household(household_id):
    return (f"household {household_id} is not known to shelter (shelter learns households from registration's "
            "events)")
