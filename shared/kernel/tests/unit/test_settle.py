"""Finding 6 of issue 11: the broker going away while an event's delivery is settled must not raise out of a
worker's result handler (nameko would kill the service's container and ``nameko run`` would exit). Replies that
cannot be sent: ``messaging.guard.HavenRpcConsumer``."""
from unittest import mock

import kombu.exceptions

from haven_kernel.messaging.handlers import HavenQueueConsumer
from haven_kernel.messaging.settle import quietly


class Message:
    def __init__(self, error=None):
        self.error = error
        self.channel = mock.Mock()
        self.acked = self.requeued = 0

    def ack(self):
        if self.error:
            raise self.error
        self.acked += 1

    def requeue(self):
        if self.error:
            raise self.error
        self.requeued += 1


def test_an_acknowledgement_on_a_dead_connection_is_let_go():
    consumer = HavenQueueConsumer()
    consumer.ack_message(Message(BrokenPipeError(32, "Broken pipe")))
    consumer.requeue_message(Message(ConnectionResetError()))
    alive = Message()
    consumer.ack_message(alive)
    assert alive.acked == 1


def test_only_broker_errors_are_let_go():
    assert quietly(lambda message: None, None, "acknowledge") is True
    assert quietly(mock.Mock(side_effect=kombu.exceptions.OperationalError("gone")), None, "ack") is False
    try:
        quietly(mock.Mock(side_effect=ValueError("a bug")), None, "acknowledge")
        raise AssertionError("a bug was swallowed")
    except ValueError:
        pass

