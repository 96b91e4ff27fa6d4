"""Distribution rounds and their records: one record per household per round, only for a household registration
says is active at the round's site, the quantity from the round's rule and the household's size, the stock taken
from the site's store (first expiry first out) in the same transaction.

A household logistics has not heard of yet (registration's event is still on its way) is not refused for ever: the
call answers ServiceUnavailable ("retry"), and the same call succeeds once the event has arrived; a departed
household, or one at another site, is a Conflict.

``record_distributions`` behaves as registration's bulk call: at most MAX_BATCH per call, each item validated and
checked on its own (a refused item writes nothing and says why in its place in the result), the others written
together in one transaction.

Offline field sync (haven_kernel.fieldsync): a distribution may carry its ``provenance`` (collected_at within the
service's window, place, enumerator and device ids; kept on the record, never published), and ``sync_distributions``
takes a device's batch of ``{key, record}`` and answers each item created / already_synced / conflict / invalid /
unavailable; a batch sent again takes no stock twice (the key, and the one record per household per round)."""
import uuid

import eventlet

from haven_kernel.clock import utcnow
from haven_kernel.errors import Conflict, Forbidden, NotFound, ServiceUnavailable, ValidationError
from haven_kernel.fieldsync import FieldSync
from haven_kernel.replica import Replica
from haven_kernel.validation import load, parse_uuid

from . import access, domain, views
from .catalogue import known_item
from .models import Distribution, Round, Site
from .pipeline import review_positions
from .repository import Repository
from .schemas import DistributionSchema, RoundSchema
from .stock import Stock
from .warehouses import warehouse_to_change

YIELD_EVERY = 10
_SCHEMA = DistributionSchema()


def create_round(unit, payload, site_lookup=None):
    data = load(RoundSchema(), payload, field="round")
    if Replica(Site, unit, fallback=site_lookup).get(data["site_id"]) is None:
        raise ValidationError({"round.site_id": [f"Unknown site {data['site_id']}."]})
    warehouse = warehouse_to_change(unit, data["warehouse_id"], "round.warehouse_id")
    if warehouse.site_id != data["site_id"]:
        raise ValidationError({"round.warehouse_id": ["Must be the store of the round's site."]})
    item = known_item(Repository(unit.session), data["item_code"], "round.item_code")
    rule = data["rule"] or item.rule
    one = Round(id=str(uuid.uuid4()), site_id=data["site_id"], warehouse_id=warehouse.id, item_code=item.code,
                rule=rule, rule_quantity=data["rule_quantity"] or item.rule_quantity,
                rule_persons=(data["rule_persons"] or item.rule_persons or 1) if rule == "per_persons" else None,
                starts_on=data["starts_on"], ends_on=data["ends_on"], org=unit.caller.org, created_at=utcnow())
    unit.session.add(one)
    unit.session.flush()
    Repository(unit.session).lock_positions({(warehouse.id, item.code)}, create=True)
    review_positions(unit, {(warehouse.id, item.code)})  # its planned consumption may change the pipeline
    return views.round(one, 0, 0)


def get_round(unit, round_id):
    round_id = parse_uuid(round_id, "round_id")
    one = access.record(unit, unit.session.get(Round, round_id), "round", round_id)
    households, quantity = Repository(unit.session).round_summary(one.id)
    return views.round(one, households, quantity)


class Distributions:
    def __init__(self, unit, field_sync=None):
        self.unit = unit
        self.repository = Repository(unit.session)
        self.rounds = {}
        self.field_sync = field_sync or FieldSync()

    def sync(self, items):
        """A device's batch of ``{"key", "record"}``: each record applied as ``record`` would, in its own savepoint,
        once per key (haven_kernel.fieldsync); one answer per item, in order."""
        return self.field_sync.sync(self.unit, "distribution", items, apply=self.record, current=self._current,
                                    id_field="distribution_id")

    def _current(self, distribution_id):
        row = self.unit.session.get(Distribution, distribution_id)
        return views.distribution(row) if row is not None else None

    def record(self, payload):
        outcome = self._write([self._prepare(payload, "distribution")])[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def record_many(self, distributions):
        if not isinstance(distributions, list):
            raise ValidationError({"distributions": ["Must be a list."]})
        if len(distributions) > domain.MAX_BATCH:
            raise ValidationError({"distributions": [f"At most {domain.MAX_BATCH:,} distributions per call; "
                                                     f"got {len(distributions):,}."]})
        self._known = self.repository.households(_household_ids(distributions))  # one query; kept referenced
        results = [None] * len(distributions)
        prepared, positions = [], []
        for index, payload in enumerate(distributions):
            _cooperate(index)
            try:
                prepared.append(self._prepare(payload, "distribution"))  # the single call's field names
                positions.append(index)
            except (ValidationError, NotFound, Forbidden, Conflict, ServiceUnavailable) as exc:
                results[index] = views.error(exc)
        for index, outcome in zip(positions, self._write(prepared)):
            results[index] = views.error(outcome) if isinstance(outcome, Exception) else outcome
        return results

    def _prepare(self, payload, field=None):
        """(round, household, data) checked, or the error that refuses it; nothing written."""
        data = load(_SCHEMA, payload, field=field)
        self.field_sync.check(data["provenance"], _name(field, "provenance"))
        one = self._round(data["round_id"])
        if data["distributed_on"] < one.starts_on:
            raise ValidationError({_name(field, "distributed_on"): [f"Before the round starts ({one.starts_on})."]})
        household = self.repository.household(data["household_id"])
        if household is None:
            raise ServiceUnavailable(f"household {data['household_id']} is not known to logistics yet "
                                     f"(registration's event has not arrived); retry later")
        if household.status != "active":
            raise Conflict(f"household {household.id} is {household.status}")
        if household.site_id != one.site_id:
            raise Conflict(f"household {household.id} is registered at another site than round {one.id}'s")
        return one, household, data

    def _round(self, round_id):
        if round_id not in self.rounds:
            self.rounds[round_id] = access.record(self.unit, self.unit.session.get(Round, round_id), "round",
                                                  round_id, write=True)
        return self.rounds[round_id]

    def _write(self, prepared):
        """Lock the positions the rounds take from, then per item (in order): a second record for a household is a
        Conflict naming the first; not enough stock a Conflict saying what is available."""
        if not prepared:
            return []
        stock = Stock(self.unit)
        positions = stock.lock({(one.warehouse_id, one.item_code) for one, _, _ in prepared})
        earlier = {}
        for round_id in {one.id for one, _, _ in prepared}:
            households = {household.id for one, household, _ in prepared if one.id == round_id}
            for household_id, row in self.repository.distributions_of(round_id, households).items():
                earlier[(round_id, household_id)] = row
        outcomes = []
        for index, (one, household, data) in enumerate(prepared):
            _cooperate(index)
            first = earlier.get((one.id, household.id))
            if first is not None:
                outcomes.append(Conflict(f"household {household.id} already received round {one.id}: "
                                         f"distribution {first.id} on {first.distributed_on.isoformat()}"))
                continue
            position = positions.get((one.warehouse_id, one.item_code))
            quantity = domain.share(one.rule, one.rule_quantity, one.rule_persons, household.size)
            record_id = str(uuid.uuid4())
            try:
                if position is None:
                    raise Conflict(f"not enough {one.item_code} in stock for household {household.id}: "
                                   f"{quantity} wanted, 0 available (good, unexpired)")
                stock.take_first_expiring(position, quantity, data["distributed_on"], "distribution", record_id,
                                          f"household {household.id}")
            except Conflict as exc:
                outcomes.append(exc)
                continue
            row = Distribution(id=record_id, round_id=one.id, household_id=household.id,
                               warehouse_id=one.warehouse_id, item_code=one.item_code, quantity=quantity,
                               persons=household.size, distributed_on=data["distributed_on"], org=self.unit.caller.org,
                               at=utcnow(), **_provenance(data["provenance"]))
            self.unit.session.add(row)
            earlier[(one.id, household.id)] = row
            outcomes.append(row)
        self.unit.session.flush()
        items = self.repository.items({one.item_code for one, _, _ in prepared})
        results = []
        for outcome, (one, _, _) in zip(outcomes, prepared):
            if isinstance(outcome, Exception):
                results.append(outcome)
                continue
            key = (one.warehouse_id, one.item_code)
            self.unit.emit("distribution_recorded", views.distribution_event(
                outcome, one, items[one.item_code].category, stock.balances({key})))
            results.append(views.distribution(outcome))
        return results


def _provenance(provenance):
    """A distribution's provenance columns (all None for one recorded on the spot)."""
    provenance = provenance or {}
    place = provenance.get("place")
    return {"collected_at": provenance.get("collected_at"), "enumerator_id": provenance.get("enumerator_id"),
            "device_id": provenance.get("device_id"), "place": dict(place) if place else None}


def _household_ids(payloads):
    """The household ids a bulk call names that look like ids (the others are refused on their own)."""
    ids = set()
    for payload in payloads:
        value = payload.get("household_id") if isinstance(payload, dict) else None
        try:
            ids.add(str(uuid.UUID(value)))
        except (TypeError, ValueError, AttributeError):
            continue
    return ids


def _name(field, name):
    return f"{field}.{name}" if field else name


def _cooperate(index):
    if index and index % YIELD_EVERY == 0:
        eventlet.sleep(0)

