"""The event contract mechanism: one envelope, one marshmallow schema per event type, a catalogue of them.

The kernel holds no event type of its own. A catalogue (:class:`Catalogue`) is built from :class:`EventType`
entries, each with its schema, its version and the services that consume it, and a service names its catalogue
(``HavenService.catalogue``). The catalogue is the single source for three things: validating events at the source
(an invalid event is refused, never published), validating them at the consumer, and declaring every consumer's
queue before the first publish so that no event is lost because its consumer had not started yet.
"""
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from marshmallow import EXCLUDE, Schema, ValidationError as MarshmallowError, fields, validate

from .errors import EventContractError, flatten_messages

ENVELOPE_FIELDS = ("event_id", "event_type", "schema_version", "occurred_at", "source", "correlation_id", "data")


class EnvelopeSchema(Schema):
    event_id = fields.UUID(required=True)
    event_type = fields.String(required=True, validate=validate.Length(min=1, max=100))
    schema_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True)
    source = fields.String(required=True, validate=validate.Length(min=1, max=100))
    correlation_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    data = fields.Dict(required=True)


_ENVELOPE = EnvelopeSchema(unknown=EXCLUDE)


@dataclass(frozen=True)
class Event:
    """An event as a consumer sees it: envelope fields plus the validated JSON ``data``."""

    event_id: str
    event_type: str
    schema_version: int
    occurred_at: datetime
    source: str
    correlation_id: str
    data: dict
    origin_org: str = None

    def as_envelope(self):
        return {
            "event_id": self.event_id,
            "event_type": self.event_type,
            "schema_version": self.schema_version,
            "occurred_at": self.occurred_at.isoformat(),
            "source": self.source,
            "correlation_id": self.correlation_id,
            "data": self.data,
        }


@dataclass(frozen=True)
class EventType:
    """One event type: ``source``'s ``name`` at ``version``, its data checked by ``schema`` (a marshmallow Schema
    class), consumed by the services in ``consumers``. ``description`` defaults to the schema's docstring.

    ``confidential``: the relay delivers the event straight to each consumer's queue (the default exchange, routing
    key = the queue's name) and never publishes it to ``<source>.events``, so a broker client that binds its own
    queue to that exchange with ``#`` never receives it; only accounts allowed to read the consumers' queues do."""

    source: str
    name: str
    schema: type
    version: int = 1
    consumers: tuple = ()
    description: str = ""
    confidential: bool = False

    def __post_init__(self):
        object.__setattr__(self, "consumers", tuple(self.consumers))
        if not self.description:
            object.__setattr__(self, "description", (self.schema.__doc__ or "").strip())

    @property
    def validator(self):
        """One instance of the schema, made once and reused (building a marshmallow schema copies its fields: it
        cost a tenth of a consumer's CPU per event). ``validate`` keeps no state between calls."""
        found = _VALIDATORS.get(self.schema)
        if found is None:
            found = _VALIDATORS[self.schema] = self.schema()
        return found


_VALIDATORS = {}


@dataclass
class Catalogue:
    entries: dict = field(default_factory=dict)

    @classmethod
    def of(cls, *event_types):
        """A catalogue holding ``event_types`` (:class:`EventType`)."""
        catalogue = cls()
        for entry in event_types:
            catalogue.add(entry)
        return catalogue

    def add(self, entry):
        key = (entry.source, entry.name, entry.version)
        if key in self.entries:
            raise ValueError(f"event {entry.source}.{entry.name} v{entry.version} registered twice")
        self.entries[key] = entry
        return entry

    def register(self, source, name, schema, version=1, consumers=(), description="", confidential=False):
        return self.add(EventType(source, name, schema, version, consumers, description, confidential))

    def get(self, source, name, version=None):
        if version is None:
            versions = [e for (s, n, v), e in self.entries.items() if (s, n) == (source, name)]
            if not versions:
                raise EventContractError(f"event type {source}.{name} is not in the catalogue")
            return max(versions, key=lambda e: e.version)
        try:
            return self.entries[(source, name, version)]
        except KeyError:
            raise EventContractError(f"event type {source}.{name} v{version} is not in the catalogue") from None

    def produced_by(self, source):
        latest = {}
        for entry in self.entries.values():
            if entry.source == source and (entry.name not in latest or entry.version > latest[entry.name].version):
                latest[entry.name] = entry
        return list(latest.values())

    def consumed_by(self, service):
        return [e for e in self.entries.values() if service in e.consumers]

    def all(self):
        return sorted(self.entries.values(), key=lambda e: (e.source, e.name, e.version))

    # -- producing -----------------------------------------------------------------------------------------
    def envelope(self, source, name, data, correlation_id=None, occurred_at=None, event_id=None):
        """Build a validated envelope (a JSON-ready dict). Invalid data raises EventContractError: never published."""
        entry = self.get(source, name)
        errors = entry.validator.validate(data) if isinstance(data, dict) else {"_schema": ["Must be an object."]}
        if errors:
            raise EventContractError(f"{source}.{name} data does not match its schema: {flatten_messages(errors)}")
        occurred_at = occurred_at or datetime.now(timezone.utc)
        return {
            "event_id": event_id or str(uuid.uuid4()),
            "event_type": name,
            "schema_version": entry.version,
            "occurred_at": occurred_at.isoformat(),
            "source": source,
            "correlation_id": correlation_id or str(uuid.uuid4()),
            "data": data,
        }

    # -- consuming -----------------------------------------------------------------------------------------
    def parse(self, body, origin_org=None):
        """Validate an incoming envelope and its data. Anything off raises EventContractError (dead-lettered)."""
        if not isinstance(body, dict):
            raise EventContractError("event body is not an object")
        try:
            envelope = _ENVELOPE.load(body)
        except MarshmallowError as exc:
            raise EventContractError(f"malformed envelope: {flatten_messages(exc.messages)}") from None
        entry = self.get(envelope["source"], envelope["event_type"], envelope["schema_version"])
        errors = entry.validator.validate(body["data"])
        if errors:
            raise EventContractError(
                f"{entry.source}.{entry.name} v{entry.version} data does not match its schema: {flatten_messages(errors)}")
        return Event(
            event_id=str(envelope["event_id"]),
            event_type=envelope["event_type"],
            schema_version=envelope["schema_version"],
            occurred_at=envelope["occurred_at"],
            source=envelope["source"],
            correlation_id=envelope["correlation_id"],
            data=body["data"],
            origin_org=origin_org,
        )


def catalogue_of(service_cls):
    """The catalogue a service class names (``HavenService.catalogue``): what it may emit and handle."""
    catalogue = getattr(service_cls, "catalogue", None)
    if not isinstance(catalogue, Catalogue):
        raise RuntimeError(f"{service_cls.__name__}.catalogue is not set: give the service the Catalogue of the events "
                           "it emits and handles")
    return catalogue


def consumer_queue_name(consumer, source, event_type):
    """The durable queue a consuming service reads one event type from. Producer and consumer both use this."""
    return f"haven.{consumer}.{source}.{event_type}"


def dead_letter_queue_name(service):
    return f"haven.{service}.dead-letters"


def events_exchange_name(source):
    """nameko's own events exchange for a service, so a plain ``@event_handler`` also receives Haven events."""
    return f"{source}.events"
