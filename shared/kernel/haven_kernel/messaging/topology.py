"""The bus's topology, all derived from the catalogue:

* ``<source>.events`` — nameko's topic exchange for a service; routing key = event type. A confidential event type
  (``EventType.confidential``) never goes there: the relay publishes it to the default exchange, routing key = each
  consumer's queue name, so only who may read that queue receives it.
* ``haven.<consumer>.<source>.<event_type>`` — one durable queue per consuming service and event type. The relay
  declares the queues of every consumer listed in the catalogue before it publishes, so an event published before
  its consumer first started waits in its queue.
* ``<queue>.retry-<ms>ms`` — a retry queue per delay: messages wait out the TTL there and are dead-lettered back
  to ``<queue>``.
* ``haven.<service>.dead-letters`` — what failed every retry (or could not be parsed), with the error in headers.

These are the event queues. Their type is ``HAVEN_QUEUE_TYPE`` (environment): ``classic`` (the default) or
``quorum`` (replicated, and with a delivery limit when deploy/rabbitmq's policy applies). A queue's type is fixed
when it is first declared and every later declaration must carry the same arguments, or the broker refuses it
(PRECONDITION_FAILED): so the consumer, the relay, ``haven broker setup`` and ``haven dead-letters`` all build them
here, from the same environment. Switching an existing deployment means draining and deleting the queues first.
"""
import os

from kombu import Exchange, Queue

from ..events import consumer_queue_name, dead_letter_queue_name, events_exchange_name

ATTEMPT_HEADER = "x-haven-attempt"
ORIGIN_ORG_HEADER = "x-haven-origin-org"
DEFAULT_RETRY_DELAYS = (1.0, 5.0, 30.0)
QUEUE_TYPES = ("classic", "quorum")


def queue_type(environ=None):
    """``HAVEN_QUEUE_TYPE``: the type of every event queue (``classic`` unless set)."""
    value = ((os.environ if environ is None else environ).get("HAVEN_QUEUE_TYPE") or "classic").strip().lower()
    if value not in QUEUE_TYPES:
        raise ValueError(f"HAVEN_QUEUE_TYPE={value!r}: must be one of {', '.join(QUEUE_TYPES)}")
    return value


def queue_arguments(**arguments):
    """The declaration arguments of an event queue: ``arguments`` plus its type when it is not classic."""
    kind = queue_type()
    return {**arguments, "x-queue-type": kind} if kind != "classic" else dict(arguments)


def events_exchange(source):
    return Exchange(events_exchange_name(source), type="topic", durable=True, delivery_mode=2)


def consumer_queue(consumer, source, event_type):
    return Queue(consumer_queue_name(consumer, source, event_type), exchange=events_exchange(source),
                 routing_key=event_type, durable=True, auto_delete=False, exclusive=False,
                 queue_arguments=queue_arguments())


def retry_queue_name(queue_name, delay_seconds):
    return f"{queue_name}.retry-{int(round(delay_seconds * 1000))}ms"


def retry_queue(queue_name, delay_seconds):
    delay_ms = int(round(delay_seconds * 1000))
    return Queue(retry_queue_name(queue_name, delay_seconds), durable=True, queue_arguments=queue_arguments(**{
        "x-message-ttl": delay_ms,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": queue_name,
    }))


def dead_letter_queue(service):
    return Queue(dead_letter_queue_name(service), durable=True, queue_arguments=queue_arguments())


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

