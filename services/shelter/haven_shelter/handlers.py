"""Registration's household events (registered, updated, relocated, departed): the event side of allocation.

Every household event carries the household's full summary, so each is applied the same way: bring shelter's record
of the household to what the event says (``domain.reconcile`` decides what changes; stale and repeated events change
nothing), then make the moves through :class:`allocation.Allocator`. A batch of events is one transaction:
:func:`prepare` locks and reads what the whole batch concerns first, and each site's fullness is settled once, as
the batch commits, under the context of the event that may have filled it.
"""
import uuid
from datetime import datetime

from haven_kernel.clock import aware, utcnow
from haven_kernel.errors import Conflict, NotFound

from . import domain
from .allocation import Allocator
from .domain import RELEASED
from .models import Household
from .repository import Repository


def prepare(work, events):
    """Before a batch of household events: lock every site they are at or going to, then their households, one
    query each (``Repository.prepare_batch``). An event whose ids do not parse is left to be refused on its own."""
    households, sites = set(), set()
    for event in events:
        try:
            households.add(str(uuid.UUID(str(event.data["household_id"]))))
            sites.add(str(uuid.UUID(str(event.data["site_id"]))))
        except (KeyError, TypeError, ValueError):
            continue  # the event is refused when applied on its own
    if households:
        Repository(work).prepare_batch(households, sites)


def household_changed(work, event):
    """Bring shelter's record of a household to what the event says (see ``domain.reconcile``); returns the
    household's allocation status, or "stale" for an event older than what shelter has."""
    data = event.data
    household_id = str(uuid.UUID(str(data["household_id"])))
    facts = domain.Facts(site_id=str(uuid.UUID(str(data["site_id"]))), persons=data["size"],
                         version=data["version"], registration_status=data["status"])
    repo = Repository(work)
    locked = repo.lock_household(household_id, facts.site_id)
    if locked is None:  # moved by another transaction five times in a row: let the retry machinery try again later
        raise Conflict(f"household {household_id} is changing concurrently")
    household, sites = locked

    known = None if household is None else domain.Known(
        site_id=household.site_id, persons=household.persons, version=household.version,
        registration_status=household.registration_status, status=household.status)
    plan = domain.reconcile(known, facts)
    if plan.ignore:
        return "stale"
    allocator = Allocator(work, actor=f"event:{event.source}.{event.event_type}")
    now = utcnow()
    if household is None:  # inserted with what the placement decides, by the next flush
        household = Household(id=household_id, site_id=facts.site_id, persons=facts.persons,
                              version=facts.version, registration_status=facts.registration_status,
                              status=RELEASED, since=now, updated_at=now)
        repo.add_household(household)
    serve = []  # sites whose queue may move: a unit was freed there, or a waiting household changed size
    if plan.leave_reason:
        old_site = sites[household.site_id]
        allocator.leave(household, old_site, plan.leave_reason)
        serve.append(old_site)
    household.persons = facts.persons
    household.version = facts.version
    household.registration_status = facts.registration_status
    household.site_id = facts.site_id
    household.registered_at = _registered_at(data) or household.registered_at
    household.updated_at = now
    took_unit = None
    if plan.place or plan.reserve_queue:
        site = sites.get(facts.site_id)
        if site is None:
            raise NotFound(f"site {facts.site_id} of household {household_id} does not exist in shelter")
        if plan.place and allocator.place(household, site):
            took_unit = site
        if plan.reserve_queue:
            serve.append(site)
    for site in dict.fromkeys(serve):
        allocator.serve_queue(site)
    # Placing a household frees nothing, so the queue cannot move; only the site may have filled up.
    for site in dict.fromkeys(serve + ([took_unit] if took_unit is not None else [])):
        allocator.settle_later(site)
    return household.status


def _registered_at(data):
    """The household's registration time from its event (the waitlist's order), or None if it cannot be read."""
    try:
        return aware(datetime.fromisoformat(str(data["registered_at"])))
    except (KeyError, TypeError, ValueError):
        return None
