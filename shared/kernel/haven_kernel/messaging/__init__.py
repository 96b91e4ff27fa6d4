"""The bus, by job:

* :mod:`.topology`: exchanges and queues, all derived from the catalogue (consumer, retry, dead-letter queues);
* :mod:`.relay`: the outbox relay (producer side: publish committed events in order, with publisher confirms);
* :mod:`.handlers`: ``@event_handler`` and its entrypoint (consumer side: parse, retries, dead letters);
* :mod:`.batching`: the kernel's ``apply_events`` entrypoint, which applies received events in batches.
"""
from ..events import consumer_queue_name, dead_letter_queue_name
from .batching import DUPLICATE, EventApplier, EventBatch, apply_batch
from .handlers import HavenEventHandler, event_handler
from .relay import OutboxRelay
from .topology import (ATTEMPT_HEADER, ORIGIN_ORG_HEADER, consumer_queue, dead_letter_queue, events_exchange,
                       producer_topology, retry_delays, retry_queue)

__all__ = ["ATTEMPT_HEADER", "DUPLICATE", "EventApplier", "EventBatch", "HavenEventHandler", "ORIGIN_ORG_HEADER",
           "OutboxRelay", "apply_batch", "consumer_queue", "consumer_queue_name", "dead_letter_queue",
           "dead_letter_queue_name", "event_handler", "events_exchange", "producer_topology", "retry_delays",
           "retry_queue"]
