"""What a worker knows of why it runs: the verified caller, the correlation id, the organisation on whose behalf.

Entrypoints put it in the worker's context data under the keys below (an RPC from the partner's token, an event
handler from the event's envelope); the unit of work reads it from there. :class:`EventContext` is the part an
emitted event carries: a service may keep one (``unit.context()``) and emit later under it (``emit(...,
context=...)``), e.g. a batch that writes an event for an earlier event of the batch as it commits.
"""
from dataclasses import dataclass

CALLER_CONTEXT_KEY = "haven.caller"
ORIGIN_ORG_CONTEXT_KEY = "haven.origin_org"
METHOD_CONTEXT_KEY = "haven.method"  # the RPC method a worker runs (what the lead's access audit names)


@dataclass(frozen=True)
class EventContext:
    """The correlation id and origin organisation an emitted event carries (envelope and outbox row)."""

    correlation_id: str | None = None
    origin_org: str | None = None


def worker_context(correlation_id, caller, origin_org):
    """The context data of a Haven worker; ``caller`` is the verified caller's ``Caller.as_context()``."""
    return {"correlation_id": correlation_id, CALLER_CONTEXT_KEY: caller, ORIGIN_ORG_CONTEXT_KEY: origin_org}


def event_context_of(context_data) -> EventContext:
    """The event context of a worker's context data: its correlation id, and the origin organisation it names or
    else the caller's."""
    origin_org = context_data.get(ORIGIN_ORG_CONTEXT_KEY)
    if not origin_org:
        caller = context_data.get(CALLER_CONTEXT_KEY)
        origin_org = caller.get("org") if caller else None
    return EventContext(context_data.get("correlation_id"), origin_org)
