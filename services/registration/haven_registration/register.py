"""Registering households, one (``register_household``), many (``register_households``) or a batch synced from the
field (``sync_households``: ``haven_kernel.fieldsync``, each item with its device's key), over a unit of work: each
household is validated and its site checked before anything is written; then households, members and possible-
duplicate links are inserted with a few multi-row statements and one event each is emitted, committed together.

A bulk call is bounded (``domain``: households and members per call, duplicate candidates and links) and yields to
the other green threads every few households, so a long call never starves ``/health`` or other calls."""
import uuid

import eventlet

from haven_kernel.clock import utcnow
from haven_kernel.errors import Conflict, NotFound, ValidationError, item_error
from haven_kernel.validation import load

from . import domain, needs, views
from .duplicates import Linker, keys
from .models import Household
from .schemas import HouseholdSchema
from .usecase import UseCase

NUMBER_ATTEMPTS = 5
YIELD_EVERY = 10  # households between two eventlet.sleep(0) in a bulk call's loops
_HOUSEHOLD_SCHEMA = HouseholdSchema()  # holds no state between loads; building one per household cost 0.3 ms


class Registration(UseCase):
    def __init__(self, unit, **options):
        super().__init__(unit, **options)
        self._site_status = {}  # site id -> status, read once per call

    def register(self, payload, field=None):
        outcome = self._write([self._prepare(payload, field)])[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def register_many(self, households):
        """Each household is registered or reported on its own: every check that can refuse one (validation, its
        site, a registration number) is made before or apart from the writes, so a refused household writes
        nothing and the others are written together."""
        _check_batch(households)
        results = [None] * len(households)
        prepared, positions = [], []
        for index, payload in enumerate(households):
            _cooperate(index)
            try:
                prepared.append(self._prepare(payload, field="household"))  # the single call's field names
                positions.append(index)
            except (ValidationError, NotFound, Conflict) as exc:
                results[index] = item_error(exc)
        for index, outcome in zip(positions, self._write(prepared)):
            results[index] = item_error(outcome) if isinstance(outcome, Exception) else outcome
        return results

    def sync(self, items):
        """A batch of ``{key, household}`` items collected offline, each registered as ``register_household`` would
        (in its own savepoint) or answered from its key: created, already_synced, conflict, invalid, unavailable."""
        return self.field_sync.sync(self.unit, "household", items, lambda record: self.register(record, "household"),
                                    self._acknowledgement, id_field="household_id")

    def _acknowledgement(self, household_id):
        household = self.unit.session.get(Household, household_id)
        if household is None:
            return None
        return {"registration_number": household.registration_number, "site_id": household.site_id,
                "status": household.status, "version": household.version}

    def _prepare(self, payload, field=None):
        """A household validated and its site open, or the error that refuses it; nothing written yet (except a
        site learnt from shelter)."""
        if isinstance(payload, dict) and isinstance(payload.get("members"), list):
            errors = domain.size_errors(len(payload["members"]))  # before parsing a list of any length
            if errors:
                raise ValidationError(domain.with_prefix(errors, field))
        data = load(_HOUSEHOLD_SCHEMA, payload, field=field)
        errors = domain.composition_errors(data["members"]) or domain.consent_errors(
            data["consent"], data.get("phone"), [(f"members.{i}", m) for i, m in enumerate(data["members"])])
        errors = {**errors, **self.field_sync.errors(data.get("provenance"))}  # collected within the sync window
        if errors:
            raise ValidationError(domain.with_prefix(errors, field))
        site_id = self._open_site(data["site_id"])
        origin = data.get("origin") or {}
        now = utcnow()
        household = _NewHousehold(
            id=str(uuid.uuid4()), registration_number=None, site_id=site_id, status="active",
            size=len(data["members"]), origin_adm1=origin.get("adm1"), origin_adm2=origin.get("adm2"),
            displacement_date=data.get("displacement_date"), phone=data.get("phone"), consent=data["consent"],
            org=self.unit.caller.org, version=1, registered_at=now, updated_at=now, **_provenance(data))
        household.members = [domain.new_member(m, i, household.id, self.today) for i, m in enumerate(data["members"])]
        return household

    def _open_site(self, site_id):
        """The site's id if it is open (NotFound if unknown, Conflict if closed); read once per call, asked of
        shelter once when it is not in the replica."""
        if site_id not in self._site_status:
            site = self.sites.get(site_id)
            self._site_status[site_id] = site.status if site is not None else None
        domain.require_open(site_id, self._site_status[site_id])
        return site_id

    def _write(self, households):
        """Insert prepared households, their members and their possible-duplicate links with a few multi-row
        statements, and emit one event each; the outcome of each is its result, or a Conflict if no unique
        registration number could be allocated."""
        if not households:
            return []
        key_sets = [keys(h.members) for h in households]
        linker = Linker(self.repository.candidates(key_sets), self.duplicate_threshold, shown=self.shown_candidate)
        unnumbered = self._number(households)
        self.repository.insert_members([m for h in households if h.id not in unnumbered for m in h.members])
        outcomes = []
        for index, household in enumerate(households):
            _cooperate(index)
            if household.id in unnumbered:
                outcomes.append(Conflict("could not allocate a unique registration number; try again"))
                continue
            duplicates = linker.link(household.id, household.registration_number, household.phone, household.members)
            self.unit.emit("household_registered", views.household_event(household, household.members, self.today))
            self._needs(household)
            outcomes.append(views.registered(household, duplicates))
        self.repository.insert_links(linker.rows)
        linker.report_caps(len(households))
        return outcomes

    def _needs(self, household):
        """Its protection needs to protection, its needs to its site's counts (``needs``)."""
        data = needs.protection_event(household, household.members, "registered")
        if data["specific_needs"]:
            self.unit.emit("household_protection_needs", data)
        self.unit.state(needs.SiteNeeds, self.repository).move(None, (), household.site_id, household.members)

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
            inserted = self.repository.insert_numbered([household.row() for household in pending])
            pending = [household for household in pending if household.id not in inserted]
        return {household.id for household in pending}


def _provenance(data):
    """The household's provenance columns (``models.Household``); all None for a household registered directly."""
    provenance = data.get("provenance") or {}
    place = {k: v for k, v in (provenance.get("place") or {}).items() if v is not None} or None
    return {"collected_at": provenance.get("collected_at"), "collected_place": place,
            "enumerator_id": provenance.get("enumerator_id"), "device_id": provenance.get("device_id")}


def _check_batch(households):
    """A bulk call's own bounds, checked before any household is parsed."""
    if not isinstance(households, list):
        raise ValidationError({"households": ["Must be a list."]})
    if len(households) > domain.MAX_BATCH:
        raise ValidationError({"households": [f"At most {domain.MAX_BATCH:,} households per call; "
                                              f"got {len(households):,}."]})
    members = sum(len(h["members"]) for h in households if isinstance(h, dict) and isinstance(h.get("members"), list))
    if members > domain.MAX_BATCH_MEMBERS:
        raise ValidationError({"households": [f"At most {domain.MAX_BATCH_MEMBERS:,} members per call in all; "
                                              f"got {members:,}."]})


def _cooperate(index):
    """Let the other green threads (``/health``, other calls, the outbox relay) run every YIELD_EVERY households:
    eventlet switches only on I/O, and validating or scoring a thousand households is CPU."""
    if index and index % YIELD_EVERY == 0:
        eventlet.sleep(0)


class _NewHousehold:
    """A household prepared for insertion: the attributes ``views.household_event`` reads, and its row."""

    COLUMNS = ("id", "registration_number", "site_id", "status", "size", "origin_adm1", "origin_adm2",
               "displacement_date", "phone", "consent", "org", "version", "registered_at", "updated_at",
               "collected_at", "collected_place", "enumerator_id", "device_id")

    def __init__(self, **values):
        self.__dict__.update(values)
        self.members = []

    def row(self):
        return {key: self.__dict__[key] for key in self.COLUMNS}
