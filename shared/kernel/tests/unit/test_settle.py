"""Finding 6 of issue 11: the broker going away while a delivery is settled or a reply is sent must not raise out
of a worker's result handler (nameko would kill the service's container and ``nameko run`` would exit)."""
from unittest import mock

import kombu.exceptions

from haven_kernel.messaging.handlers import HavenQueueConsumer
from haven_kernel.messaging.settle import quietly
from haven_kernel.rpc import HavenRpc


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


def test_a_reply_the_broker_cannot_take_sends_the_request_back_to_its_queue():
    entrypoint = HavenRpc(scope="x:write")
    entrypoint.method_name = "record"
    entrypoint.metrics = mock.MagicMock()
    entrypoint.container = mock.Mock(service_name="ledger")
    entrypoint.rpc_consumer = mock.Mock()
    entrypoint.rpc_consumer.handle_result.side_effect = kombu.exceptions.OperationalError("Connection refused")
    message = object()
    result = entrypoint._handle_result(message, 0.0, mock.Mock(context_data={}), {"id": 1}, None)
    assert result == ({"id": 1}, None)
    entrypoint.rpc_consumer.requeue_message.assert_called_once_with(message)
