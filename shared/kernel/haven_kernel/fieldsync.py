"""Offline field sync: records collected on a phone (an ODK / KoBo form, a registration app) and sent later, in
batches, over a poor link.

**Provenance.** A record may carry where it came from, :class:`ProvenanceSchema`:

    "provenance": {"collected_at": "2026-11-20T06:00:00+00:00",        # required; with its time zone
                   "place": {"lat": -19.84, "lon": 34.87, "accuracy_m": 8, # a form's geopoint, and/or
                             "site_id": "...", "pcode": "MZ0705"},         # the site and the admin area (P-code)
                   "enumerator_id": "ENUM-0042", "device_id": "collect:Hx83kd0Qz"}

``collected_at`` is never in the future (beyond :data:`CLOCK_SKEW` of a phone's clock running fast) and never
older than the service's window, ``FIELD_SYNC_WINDOW_DAYS`` (config, default 30): :meth:`FieldSync.check` says so
as a ValidationError naming the field (``household.provenance.collected_at``). ``enumerator_id`` and ``device_id``
are identifiers (letters, digits, ``.``, ``_``, ``:``, ``-``; no spaces, so no person's name), never published.

**Sync.** :meth:`FieldSync.sync` takes a batch of ``{"key", "record"}`` items (at most ``FIELD_SYNC_MAX_BATCH``,
default 500; a key is 1 to 200 printable characters the device chose, e.g. the form's instance id) and applies each
in its own savepoint with the caller's function, answering per item, in input order:

* ``created``: the caller's reply for the new record, with ``key`` and ``outcome``;
* ``already_synced``: the key was synced before with the same record: the record's id and *current* version (what
  ``current(record_id)`` answers); nothing changed;
* ``conflict``: the key was synced before with another record (the form was edited on the phone after it was
  sent): the record's id and current version, to fetch it and change it with ``expected_version``; nothing changed;
* ``invalid``: the record was refused: ``error`` is ``{"type", "message", "errors"}``, the same type and field map
  as the single call raises (:func:`item_error`); nothing stored, so a corrected record may be sent with the key;
* ``unavailable``: a service the record needs did not answer (``ServiceUnavailable``): nothing stored; send the
  batch again later.

A device that got no answer (a timeout, a dropped link) sends the whole batch again: what was committed answers
``already_synced``, the rest is applied; nothing is doubled. Two batches with one key at once are applied one
after the other (the second waits on the first's claim, then answers ``already_synced`` or ``conflict``).

**Where keys live.** The RPC inbox keeps keys 24 hours, shorter than a phone may stay offline, so the sync keys
have a kernel table of their own, ``field_sync_keys`` (:class:`.db.tables.FieldSyncKey`): ``(org, kind, key)``
unique, the record's id and a SHA-256 of the record as sent, written in the same savepoint as the record. A service
that syncs adds a revision calling :func:`haven_kernel.migrations.create_field_sync_table` and passes
``FieldSyncBase.metadata`` to ``run_env``. Rows are kept (one small row per synced record); they may be purged
(:func:`purge`) once older than the window: a record synced before then was collected before then, so sending it
again is refused as too old rather than doubled.
"""
import hashlib
import json
from datetime import timedelta

from marshmallow import Schema, ValidationError as MarshmallowError, fields, validate, validates_schema
from sqlalchemy import delete, select

from . import dialect
from .clock import utcnow
from .db.tables import FieldSyncKey
from .errors import Conflict, Forbidden, NotFound, ServiceUnavailable, ValidationError, item_error
from .validation import UUIDString

CLOCK_SKEW = timedelta(minutes=10)      # a phone's clock may run this much fast
DEFAULT_WINDOW_DAYS = 30
DEFAULT_MAX_BATCH = 500
MAX_KEY_LENGTH = 200
IDENTIFIER = r"\A[A-Za-z0-9][A-Za-z0-9._:\-]{0,99}\Z"
OUTCOMES = ("created", "already_synced", "conflict", "invalid", "unavailable")
REFUSALS = (ValidationError, NotFound, Forbidden, Conflict)  # Forbidden: a record shared for reading only
_FUTURE = f"Must not be in the future (a clock up to {int(CLOCK_SKEW.total_seconds() // 60)} minutes fast is allowed)."


def not_in_future_with_skew(value):
    """Not in the future (10 minutes of clock skew allowed) nor older than the sync window (FIELD_SYNC_WINDOW_DAYS).

    The first check is this validator's; the window (default 30 days) is the service's (:meth:`FieldSync.check`)."""
    if value > utcnow() + CLOCK_SKEW:
        raise MarshmallowError(_FUTURE)


def _identifier(name):
    return fields.String(validate=validate.Regexp(
        IDENTIFIER, error=f"Must be an identifier (letters, digits, '.', '_', ':', '-'; 1 to 100, no spaces), "
                          f"not a person's name."), allow_none=True, metadata={"example": name})


class PlaceSchema(Schema):
    """Where a record was collected: a form's geopoint (`lat`, `lon`, `accuracy_m`) and/or the site and the
    administrative area (OCHA P-code); at least one. Kept with the record, never published."""

    lat = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(min=-180, max=180))
    accuracy_m = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(min=0, max=100_000))
    site_id = UUIDString(allow_none=True)
    pcode = fields.String(allow_none=True, validate=validate.Regexp(
        r"\A[A-Z]{2,3}[0-9A-Z]{0,17}\Z", error="Must be a P-code (e.g. MZ0705): capital letters and digits."),
        metadata={"example": "MZ0705"})

    @validates_schema
    def _point(self, data, **kwargs):
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise MarshmallowError("Give lat and lon together.", "lon" if data.get("lon") is None else "lat")
        if data.get("accuracy_m") is not None and data.get("lat") is None:
            raise MarshmallowError("Give lat and lon with accuracy_m.", "lat")
        if all(data.get(name) is None for name in ("lat", "site_id", "pcode")):
            raise MarshmallowError("Give lat and lon, site_id or pcode.", "_schema")


class ProvenanceSchema(Schema):
    """When, where and by whom a record was collected in the field (an offline form): `collected_at` is required,
    with its time zone."""

    collected_at = fields.AwareDateTime(required=True, validate=not_in_future_with_skew)
    place = fields.Nested(PlaceSchema, allow_none=True)
    enumerator_id = _identifier("ENUM-0042")
    device_id = _identifier("collect:Hx83kd0Qz")


def sync_items(record_schema, max_batch=DEFAULT_MAX_BATCH):
    """The ``items`` argument of a sync method, for its contract: a list of ``{"key", "record"}``, ``record`` as
    ``record_schema`` (the single call's) takes it."""
    item = Schema.from_dict({
        "key": fields.String(required=True, validate=validate.Length(min=1, max=MAX_KEY_LENGTH),
                             metadata={"example": "uuid:6b1f0c1e-0d1a-4c55-9b7e-kobo-instance"}),
        "record": fields.Nested(record_schema, required=True)}, name="SyncItem")
    item.__doc__ = ("One record of a sync batch: the key the device chose for it (printable, 1 to 200 characters, "
                    "the same every time it sends the record, e.g. the form's instance id) and the record.")
    return fields.List(fields.Nested(item), required=True, validate=validate.Length(min=1, max=max_batch))


def payload_hash(record):
    """SHA-256 of a record as sent (keys sorted): the same record sent again hashes the same."""
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def window_from_config(config):
    """``FIELD_SYNC_WINDOW_DAYS`` (default 30) as a timedelta; anything but a whole number from 1 is refused."""
    value = config.get("FIELD_SYNC_WINDOW_DAYS", DEFAULT_WINDOW_DAYS)
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"FIELD_SYNC_WINDOW_DAYS must be a whole number of days, not {value!r}") from None
    if days < 1 or str(days) != str(value).strip():
        raise ValueError(f"FIELD_SYNC_WINDOW_DAYS must be a whole number of days from 1, not {value!r}")
    return timedelta(days=days)


class FieldSync:
    """A service's field-sync rules: the window a collection time must fall in, and the batch bounds.

    ``FieldSync.from_config(config)`` reads ``FIELD_SYNC_WINDOW_DAYS`` and ``FIELD_SYNC_MAX_BATCH``."""

    def __init__(self, window=timedelta(days=DEFAULT_WINDOW_DAYS), max_batch=DEFAULT_MAX_BATCH, now=None):
        self.window = window
        self.max_batch = max_batch
        self._now = now

    @classmethod
    def from_config(cls, config, now=None):
        return cls(window_from_config(config), int(config.get("FIELD_SYNC_MAX_BATCH", DEFAULT_MAX_BATCH)), now)

    def now(self):
        return self._now() if callable(self._now) else (self._now or utcnow())

    # -- provenance --------------------------------------------------------------------------------------------------
    def errors(self, provenance, field="provenance"):
        """The field errors of a loaded provenance (``ProvenanceSchema``) against the window: {} when it is inside."""
        if not provenance:
            return {}
        collected = provenance["collected_at"]
        now = self.now()
        path = f"{field}.collected_at" if field else "collected_at"
        if collected > now + CLOCK_SKEW:
            return {path: [_FUTURE]}
        if collected < now - self.window:
            return {path: [f"Must not be older than {self.window.days} days (the sync window); collected "
                           f"{(now - collected).days} days ago."]}
        return {}

    def check(self, provenance, field="provenance"):
        """Raise a ValidationError naming ``<field>.collected_at`` when it falls outside the window."""
        errors = self.errors(provenance, field)
        if errors:
            raise ValidationError(errors)
        return provenance

    # -- sync --------------------------------------------------------------------------------------------------------
    def sync(self, unit, kind, items, apply, current, id_field="id", field="items"):
        """Apply a batch of ``{"key", "record"}`` items for the caller's organisation, each in its own savepoint.

        ``kind``: what the records are (``"household"``), so one key may name a household and a distribution;
        ``apply(record)``: the single call's effect for one record, returning its reply (a dict with ``id_field``)
        or raising a typed error; ``current(record_id)``: the record's acknowledgement now (a dict with ``version``),
        or None if it is gone. Returns one reply per item, in order (see the module's docstring)."""
        self._check_batch(items, field)
        org = str(unit.caller.org or "")[:50]
        results = []
        for index, item in enumerate(items):
            results.append(self._one(unit, org, kind, item, apply, current, id_field))
            if index % 10 == 9:
                _cooperate()
        return results

    def _check_batch(self, items, field):
        if not isinstance(items, list):
            raise ValidationError({field: ["Must be a list."]})
        if not 1 <= len(items) <= self.max_batch:
            raise ValidationError({field: [f"Must hold 1 to {self.max_batch:,} items; got {len(items):,}."]})

    def _one(self, unit, org, kind, item, apply, current, id_field):
        key = item.get("key") if isinstance(item, dict) else None
        shape = _item_errors(item)
        if shape:
            return item_error(ValidationError(shape), key=key if isinstance(key, str) else None, outcome="invalid")
        record, digest = item["record"], payload_hash(item["record"])
        try:
            with unit.savepoint():
                earlier = claim(unit.session, org, kind, key, digest)
                if earlier is not None:
                    return self._known(key, earlier, digest, current, id_field)
                reply = apply(record)
                record_id = reply[id_field]
                _set_record(unit.session, org, kind, key, record_id)
        except REFUSALS as exc:
            return item_error(exc, key=key, outcome="invalid")
        except ServiceUnavailable as exc:
            return item_error(exc, key=key, outcome="unavailable")
        return {"key": key, "outcome": "created", **reply}

    @staticmethod
    def _known(key, earlier, digest, current, id_field):
        now = current(earlier.record_id) or {}
        if earlier.payload_hash == digest:
            return {"key": key, "outcome": "already_synced", id_field: earlier.record_id, **now}
        return {"key": key, "outcome": "conflict", id_field: earlier.record_id, **now,
                "message": "this key was synced before with another record; read the record and change it with "
                           "its version (expected_version)"}


def _item_errors(item):
    if not isinstance(item, dict):
        return {"_schema": ["Must be an object with key and record."]}
    errors = {}
    unknown = sorted(set(item) - {"key", "record"})
    if unknown:
        errors.update({str(name)[:50]: ["Unknown field."] for name in unknown[:5]})
    key = item.get("key")
    if not isinstance(key, str) or not 0 < len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        errors["key"] = [f"Must be 1 to {MAX_KEY_LENGTH} printable characters."]
    if not isinstance(item.get("record"), dict):
        errors["record"] = ["Must be an object."]
    return errors


def claim(session, org, kind, key, digest):
    """Claim ``(org, kind, key)`` in this transaction: None when it is new (apply the record, then
    :func:`_set_record`), or the row of the earlier sync (``record_id``, ``payload_hash``). A claim made by a
    transaction still running is waited for (PostgreSQL's unique index), then read."""
    table = FieldSyncKey.__table__
    row = {"org": org, "kind": kind, "sync_key": key, "payload_hash": digest, "record_id": "",
           "synced_at": utcnow()}
    if dialect.has_on_conflict(session):
        statement = dialect.insert_or_ignore(session, table, ["org", "kind", "sync_key"]).returning(table.c.org)
        if session.execute(statement, row).first() is not None:
            return None
    elif session.get(FieldSyncKey, (org, kind, key)) is None:
        session.execute(table.insert(), row)
        return None
    return session.execute(select(table.c.record_id, table.c.payload_hash).where(
        table.c.org == org, table.c.kind == kind, table.c.sync_key == key)).one()


def _set_record(session, org, kind, key, record_id):
    table = FieldSyncKey.__table__
    session.execute(table.update().where(table.c.org == org, table.c.kind == kind, table.c.sync_key == key)
                    .values(record_id=str(record_id)))


def purge(session, older_than):
    """Delete the sync keys synced before ``older_than`` (at least the window ago); returns how many."""
    return session.execute(delete(FieldSyncKey).where(FieldSyncKey.synced_at < older_than)).rowcount


def _cooperate():
    import eventlet
    eventlet.sleep(0)
