"""The bus's topology, all derived from the catalogue:

* ``<source>.events`` — nameko's topic exchange for a service; routing key = event type.
* ``haven.<consumer>.<source>.<event_type>`` — one durable queue per consuming service and event type. The relay
  declares the queues of every consumer listed in the catalogue before it publishes, so an event published before
  its consumer first started waits in its queue.
* ``<queue>.retry-<ms>ms`` — a retry queue per delay: messages wait out the TTL there and are dead-lettered back
  to ``<queue>``.
* ``haven.<service>.dead-letters`` — what failed every retry (or could not be parsed), with the error in headers.
"""
from kombu import Exchange, Queue

from ..events import consumer_queue_name, dead_letter_queue_name, events_exchange_name

ATTEMPT_HEADER = "x-haven-attempt"
ORIGIN_ORG_HEADER = "x-haven-origin-org"
DEFAULT_RETRY_DELAYS = (1.0, 5.0, 30.0)


def events_exchange(source):
    return Exchange(events_exchange_name(source), type="topic", durable=True, delivery_mode=2)


def consumer_queue(consumer, source, event_type):
    return Queue(consumer_queue_name(consumer, source, event_type), exchange=events_exchange(source),
                 routing_key=event_type, durable=True, auto_delete=False)


def retry_queue(queue_name, delay_seconds):
    delay_ms = int(round(delay_seconds * 1000))
    return Queue(f"{queue_name}.retry-{delay_ms}ms", durable=True, queue_arguments={
        "x-message-ttl": delay_ms,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": queue_name,
    })


def dead_letter_queue(service):
    return Queue(dead_letter_queue_name(service), durable=True)


def producer_topology(source, catalogue):
    """Everything a producer declares before publishing: its exchange and every consumer's queue."""
    entities = [events_exchange(source)]
    for entry in catalogue.produced_by(source):
        for consumer in entry.consumers:
            entities.append(consumer_queue(consumer, source, entry.name))
    return entities


def retry_delays(config):
    delays = config.get("HAVEN_RETRY_DELAYS") or DEFAULT_RETRY_DELAYS
    if isinstance(delays, str):
        delays = [float(d) for d in delays.split(",") if d.strip()]
    return tuple(float(d) for d in delays)

