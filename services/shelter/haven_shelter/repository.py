"""Every SQL statement shelter runs, its row locks, and what differs between PostgreSQL and SQLite (through
``haven_kernel.dialect``; nothing here checks a dialect name itself). The use cases change mapped rows and call
:meth:`Repository.flush` where the order of writes matters; they never build a query.

Locking (PostgreSQL): every change to who holds which unit, or who waits where, happens while holding the row lock of
the site concerned (``SELECT ... FOR UPDATE`` on ``sites``). Locks are always taken sites first (in id order), then
households (in id order), so two transactions never wait on each other in a circle. Two allocations racing for the
last unit are serialised on the site row: the second sees the unit taken and gets ``Conflict``. The unique
constraint on ``households.unit_id`` backs this up. SQLite has no row locks (a writing transaction locks the whole
database), so there the same queries run without ``FOR UPDATE``.

A lock lasts until the transaction ends, and a batch of household events is one transaction: :class:`Held` keeps
what the transaction has locked and read, so that a batch locks and reads each site and household once
(``prepare_batch``) and applying each event needs no locking round trips of its own.

Why the allocation queries are shaped as they are (figures from ``make bench`` / ``python -m bench.profile``):
free units are found with NOT EXISTS over the site's own households (an outer join over every household cost 23 ms
per allocation at 63,000 households, this 5 ms); the unit a household gets is one LIMIT 1 query read in the order of
the index ``ix_shelter_units_allocation_order`` (a window over every free unit was the largest share of database time
per household); fullness is the first available and the first free unit in that same order, not EXISTS (after
ANALYZE, PostgreSQL planned the EXISTS as a sequential scan over every site's units: 10 ms per household at 100
sites). Keep those shapes when changing anything here.

Longer than ~350 lines on purpose: it is every query of the service, kept together by the team's rule that all SQL
lives in the repository (split it by table, not by caller, if it grows).
"""
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError

from haven_kernel import dialect
from haven_kernel.clock import iso
from haven_kernel.errors import NotFound

from .domain import ALLOCATED, SERVICE_FIELDS, UNALLOCATED, WAITLISTED, SiteFigures, queue_key
from .models import AllocationHistory, Household, ShelterUnit, Site, SiteServices

# The order units are chosen in (smallest capacity that fits, then area, then the older unit): the trailing columns of
# the index ix_shelter_units_allocation_order, so a query in this order reads the index from its first entry.
ALLOCATION_ORDER = (ShelterUnit.capacity_persons, ShelterUnit.covered_area_m2, ShelterUnit.number, ShelterUnit.id)
# The order a site's waitlist is served and shown in: first come, first served by the household's registration time
# (not by when its event reached shelter: an event delayed by a fault must not lose the household its turn), then the
# ticket taken when queuing; the trailing columns of the index ix_households_site_id_status_registered_at.
QUEUE_ORDER = (Household.registered_at, Household.queue_number)


@dataclass
class Held:
    """What this transaction has locked and read beyond the database's rows, until it commits or rolls back (a
    transaction state, ``unit.state(Held)``): ``sites`` {id: Site or None (unknown)} and ``households`` {id:
    Household or None (not in the database)} it holds locked; ``taken``: units given out in it and perhaps not
    flushed yet, which no unit choice may offer again."""

    sites: dict = field(default_factory=dict)
    households: dict = field(default_factory=dict)
    taken: set = field(default_factory=set)


class Repository:
    """Shelter's tables for one unit of work (its session and its :class:`Held`)."""

    def __init__(self, unit_of_work):
        self.work = unit_of_work
        self.session = unit_of_work.session

    @property
    def held(self):
        return self.work.state(Held)

    def add(self, row):
        self.session.add(row)

    def flush(self):
        self.session.flush()

    def refresh(self, row):
        self.session.refresh(row)

    def _fresh(self, query, lock):
        query = query.execution_options(populate_existing=True)
        return dialect.for_update(self.session, query) if lock else query

    # -- sites -------------------------------------------------------------------------------------------------------
    def site(self, site_id, lock=False):
        """The site (row-locked when ``lock``), or NotFound."""
        site = self.session.execute(self._fresh(select(Site).where(Site.id == site_id), lock)).scalar_one_or_none()
        if site is None:
            raise NotFound(f"site {site_id} does not exist")
        return site

    def lock_sites(self, site_ids):
        """Lock several sites in id order (those not locked yet, in one query); unknown ids map to None."""
        locked = self.held.sites
        wanted = sorted(set(site_ids) - set(locked))
        if wanted:
            found = {site.id: site for site in self.session.execute(
                self._fresh(select(Site).where(Site.id.in_(wanted)).order_by(Site.id), lock=True)).scalars()}
            for site_id in wanted:
                locked[site_id] = found.get(site_id)
        return {site_id: locked[site_id] for site_id in site_ids}

    def sites(self, **equal):
        """Sites whose columns equal the given values (None: any), by name."""
        query = select(Site).order_by(Site.name, Site.id)
        for key, value in equal.items():
            if value is not None:
                query = query.where(getattr(Site, key) == value)
        return self.session.execute(query).scalars().all()

    def site_using_code(self, code, other_than):
        """The id of a site other than ``other_than`` that uses ``code``, or None (pending changes not flushed)."""
        with self.session.no_autoflush:
            taken = self.session.execute(select(Site.id).where(Site.code == code, Site.id != other_than)).first()
        return taken[0] if taken else None

    def save_site(self, site):
        """Add or flush a site in a savepoint; False when the database refused it (a code taken meanwhile)."""
        try:
            with self.session.begin_nested():
                self.session.add(site)
                self.session.flush()
        except IntegrityError:
            return False
        return True

    # -- units -------------------------------------------------------------------------------------------------------
    def unit(self, unit_id):
        return self.session.get(ShelterUnit, unit_id)

    def units_with_holders(self, site_id, status=None):
        """[(unit, holding household id or None)] of a site, by number."""
        query = (select(ShelterUnit, Household.id).outerjoin(Household, Household.unit_id == ShelterUnit.id)
                 .where(ShelterUnit.site_id == site_id).order_by(ShelterUnit.number))
        if status:
            query = query.where(ShelterUnit.status == status)
        return self.session.execute(query).all()

    def holder(self, unit_id):
        """The id of the household holding the unit, or None."""
        return self.session.execute(select(Household.id).where(Household.unit_id == unit_id)).scalar_one_or_none()

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
        taken = self.held.taken
        if taken:  # given out in this transaction and perhaps not flushed yet
            query = query.where(ShelterUnit.id.not_in(sorted(taken)))
        with self.session.no_autoflush:  # nothing pending changes the answer: one flush per batch, not per event
            # (id, unit_type, covered_area_m2): what an allocation records of its unit
            return self.session.execute(query.order_by(*ALLOCATION_ORDER).limit(1)).one_or_none()

    def unit_taken(self, unit_id):
        """A unit given out in this transaction (written with the next flush; until then no choice may offer it)."""
        self.held.taken.add(unit_id)

    def unit_freed(self, unit_id):
        self.held.taken.discard(unit_id)

    def any_available_and_free(self, site_id):
        """(whether the site has an available unit, whether it has a free one): what fullness needs."""
        # The first unit of each kind in the allocation-order index, not EXISTS: for an EXISTS PostgreSQL may plan a
        # sequential scan that expects an early match, and reads every site's units before this site's (bench: after
        # ANALYZE, 10 ms of database time per household at 100 sites).
        available = select(ShelterUnit.id).where(ShelterUnit.site_id == site_id, ShelterUnit.status == "available")
        first_available, first_free = self.session.execute(select(
            available.order_by(*ALLOCATION_ORDER).limit(1).scalar_subquery(),
            self._free_units_query(site_id, ShelterUnit.id).order_by(*ALLOCATION_ORDER).limit(1).scalar_subquery()
        )).one()
        return first_available is not None, first_free is not None

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

    # -- households --------------------------------------------------------------------------------------------------
    def household(self, household_id, lock=False):
        return self.session.execute(
            self._fresh(select(Household).where(Household.id == household_id), lock)).scalar_one_or_none()

    def prepare_batch(self, household_ids, site_ids):
        """Before a batch of household events: read their households, lock every site they are at or going to and
        then the households, one query each. Those a transaction holding a site's lock inserted or moved in between
        are left to :meth:`lock_household`."""
        seen = dict(self.session.execute(select(Household.id, Household.site_id)
                                         .where(Household.id.in_(sorted(household_ids)))).all())
        self.lock_sites(set(site_ids) | {site for site in seen.values() if site})
        known = self.held.households
        # Read them again, locked, now that their sites are: one may have been inserted or moved meanwhile by a
        # transaction that held a site's lock. Those take the one-by-one path of lock_household.
        rows = self.session.execute(self._fresh(select(Household).where(Household.id.in_(sorted(household_ids)))
                                                .order_by(Household.id), lock=True)).scalars().all()
        for household in rows:
            if household.id in seen and household.site_id == seen[household.id]:
                known[household.id] = household
        found = {household.id for household in rows}
        for household_id in set(household_ids) - found:
            known[household_id] = None  # new (should another transaction insert it first, this batch fails and its
            # events are applied one by one)

    def lock_household(self, household_id, site_id):
        """Lock the household (None when shelter does not know it) after the sites it is at and is going to
        (``site_id``): (household, {site_id: Site or None}). None when another transaction moved it between the read
        and the lock five times in a row."""
        held = self.held.households
        if household_id in held:  # prepared with its batch (or seen earlier in it): locked, and so are its sites
            household = held[household_id]
            return household, self.lock_sites({site_id} | ({household.site_id} if household is not None else set()))
        for _ in range(5):
            seen = self.household(household_id)
            seen_site = seen.site_id if seen is not None else None
            sites = self.lock_sites({site_id} | ({seen_site} if seen_site else set()))
            household = self.household(household_id, lock=True)
            if (household.site_id if household is not None else None) == seen_site:
                held[household_id] = household
                return household, sites
        return None

    def add_household(self, household):
        """A household new to shelter, inserted by the next flush and held locked by this transaction."""
        self.session.add(household)
        self.held.households[household.id] = household

    def _waiting_query(self, site_id):
        return select(Household).where(Household.site_id == site_id, Household.status == WAITLISTED
                                       ).order_by(*QUEUE_ORDER)

    def waiting(self, site_id):
        """The households waiting at a site, locked, in queue order."""
        return self.session.execute(self._fresh(self._waiting_query(site_id), lock=True)).scalars().all()

    def waitlist(self, site_id):
        """The households waiting at a site, in queue order (to show, not to change)."""
        return self.session.execute(self._waiting_query(site_id)).scalars().all()

    def queue_keys(self, site_id):
        """The queue keys (``domain.queue_key``) of the households waiting at a site (for a position)."""
        rows = self.session.execute(select(Household.registered_at, Household.queue_number).where(
            Household.site_id == site_id, Household.status == WAITLISTED)).all()
        return [queue_key(registered_at, number) for registered_at, number in rows]

    def stranded(self, site_id):
        """Active households at a site with neither unit nor queue place, locked, the first registered first."""
        return self.session.execute(
            self._fresh(select(Household).where(Household.site_id == site_id, Household.status == UNALLOCATED,
                                                Household.registration_status == "active")
                        .order_by(Household.registered_at, Household.since, Household.id), lock=True)).scalars().all()

    def allocated_count(self, site_id):
        return self.session.execute(select(func.count()).select_from(Household).where(
            Household.site_id == site_id, Household.status == ALLOCATED)).scalar_one()

    def history(self, household_id):
        return self.session.execute(select(AllocationHistory).where(AllocationHistory.household_id == household_id)
                                    .order_by(AllocationHistory.id)).scalars().all()

    # -- figures -----------------------------------------------------------------------------------------------------
    def site_figures(self, site_ids):
        """{site_id: domain.SiteFigures} for the given sites, in four grouped queries."""
        if not site_ids:
            return {}
        session = self.session
        available = ShelterUnit.status == "available"
        figures = {site_id: {} for site_id in site_ids}
        for site_id, total, n_available, capacity, area in session.execute(
                select(ShelterUnit.site_id, func.count(ShelterUnit.id),
                       func.coalesce(func.sum(case((available, 1), else_=0)), 0),
                       func.coalesce(func.sum(case((available, ShelterUnit.capacity_persons), else_=0)), 0),
                       func.coalesce(func.sum(case((available, ShelterUnit.covered_area_m2), else_=0.0)), 0.0))
                .where(ShelterUnit.site_id.in_(site_ids)).group_by(ShelterUnit.site_id)):
            figures[site_id].update(units_total=int(total), units_available=int(n_available),
                                    capacity_persons=int(capacity), covered_area_m2=float(area))
        for site_id, free in session.execute(
                select(ShelterUnit.site_id, func.count(ShelterUnit.id))
                .outerjoin(Household, Household.unit_id == ShelterUnit.id)
                .where(ShelterUnit.site_id.in_(site_ids), available, Household.id.is_(None))
                .group_by(ShelterUnit.site_id)):
            figures[site_id]["units_free"] = int(free)
        for site_id, households, occupants, area in session.execute(
                select(Household.site_id, func.count(Household.id), func.coalesce(func.sum(Household.persons), 0),
                       func.coalesce(func.sum(ShelterUnit.covered_area_m2), 0.0))
                .join(ShelterUnit, ShelterUnit.id == Household.unit_id)
                .where(Household.site_id.in_(site_ids), Household.status == ALLOCATED)
                .group_by(Household.site_id)):
            figures[site_id].update(households=int(households), occupants=int(occupants),
                                    occupied_area_m2=float(area))
        for site_id, waiting in session.execute(
                select(Household.site_id, func.count(Household.id))
                .where(Household.site_id.in_(site_ids), Household.status == WAITLISTED)
                .group_by(Household.site_id)):
            figures[site_id]["waitlisted_households"] = int(waiting)
        return {site_id: SiteFigures(**values) for site_id, values in figures.items()}

    def latest_services(self, site_ids):
        """{site_id: the latest services figures (by as_of, then recording order)} for sites that have any."""
        if not site_ids:
            return {}
        ranked = (select(SiteServices, func.row_number().over(
            partition_by=SiteServices.site_id, order_by=(SiteServices.as_of.desc(), SiteServices.id.desc())
        ).label("rank")).where(SiteServices.site_id.in_(site_ids)).subquery())
        latest = {}
        for row in self.session.execute(select(ranked).where(ranked.c.rank == 1)).mappings():
            latest[row["site_id"]] = {**{key: row[key] for key in SERVICE_FIELDS}, "phase": row["phase"],
                                      "as_of": iso(row["as_of"]), "recorded_by": row["recorded_by"]}
        return latest


def gauge_figures(session):
    """What shelter's business gauges show, read at scrape time: {"sites": {(status, site_type): n}, and per site
    type "capacity", "units_free", "households", "occupants", "waitlisted": {site_type: n}} (types with none left
    out)."""
    figures = {"sites": {}, "capacity": {}, "units_free": {}, "households": {}, "occupants": {}, "waitlisted": {}}
    for status, site_type, count in session.execute(
            select(Site.status, Site.site_type, func.count()).group_by(Site.status, Site.site_type)):
        figures["sites"][(status, site_type)] = count
    for site_type, people in session.execute(
            select(Site.site_type, func.coalesce(func.sum(ShelterUnit.capacity_persons), 0))
            .join(ShelterUnit, ShelterUnit.site_id == Site.id)
            .where(Site.status == "open", ShelterUnit.status == "available").group_by(Site.site_type)):
        figures["capacity"][site_type] = int(people)
    for site_type, count in session.execute(
            select(Site.site_type, func.count(ShelterUnit.id))
            .join(ShelterUnit, ShelterUnit.site_id == Site.id)
            .outerjoin(Household, Household.unit_id == ShelterUnit.id)
            .where(Site.status == "open", ShelterUnit.status == "available", Household.id.is_(None))
            .group_by(Site.site_type)):
        figures["units_free"][site_type] = count
    for site_type, status, count, people in session.execute(
            select(Site.site_type, Household.status, func.count(Household.id),
                   func.coalesce(func.sum(Household.persons), 0))
            .join(Site, Site.id == Household.site_id)
            .where(Household.status.in_((ALLOCATED, WAITLISTED)))
            .group_by(Site.site_type, Household.status)):
        if status == ALLOCATED:
            figures["households"][site_type], figures["occupants"][site_type] = count, int(people)
        else:
            figures["waitlisted"][site_type] = count
    return figures


def _when_available(value):
    return case((ShelterUnit.status == "available", value), else_=0)
