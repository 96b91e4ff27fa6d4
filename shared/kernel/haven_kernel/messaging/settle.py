"""Settling a delivery (acknowledge, requeue) or publishing a reply when the broker may have gone away.

A connection that died under a delivery gives the delivery back to the broker by itself, which delivers it again
later: the inbox (events) and the RPC inbox (write requests) make that second delivery harmless. So an error of
the broker's connection while settling is logged and let go, never raised: raised from a worker's result handler,
it would kill the service's container, and ``nameko run`` would exit (issue 11, finding 6).
"""
import logging

import amqp.exceptions
import kombu.exceptions

log = logging.getLogger(__name__)

BROKER_GONE = (OSError, amqp.exceptions.ConnectionError, amqp.exceptions.ChannelError,
               kombu.exceptions.OperationalError)


def quietly(action, message, what):
    """``action(message)`` (an ack or a requeue); an error of the broker's connection is logged, not raised."""
    try:
        action(message)
        return True
    except BROKER_GONE as exc:
        log.warning("could not %s a delivery: the broker connection is gone; the broker delivers it again", what,
                    extra={"error_type": type(exc).__name__})
        return False
