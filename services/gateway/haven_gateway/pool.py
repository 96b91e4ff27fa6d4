"""The gateway's connections to the bus: a few :class:`haven_client.HavenClient` (each a connection and a reply
queue named as a service's, ``rpc.reply-gateway-<uuid>`` bound with the uuid: what the gateway's own broker account
``haven-gateway`` may declare), lent to one request at a time and kept between requests."""
from contextlib import contextmanager

from eventlet.queue import LightQueue
from nameko.extensions import DependencyProvider

from haven_client import HavenClient, errors
from haven_client.client import service_reply_queue


class ClientPool(DependencyProvider):
    """``self.partners.client()``: a context manager lending a client. ``GATEWAY_RPC_TIMEOUT`` (seconds, default
    30) bounds each call; the gateway does not retry (the partner does, with its Idempotency-Key)."""

    def setup(self):
        config = self.container.config
        self.amqp_uri = config["AMQP_URI"]
        self.timeout = float(config.get("GATEWAY_RPC_TIMEOUT", 30))
        self.idle = LightQueue()

    def stop(self):
        while not self.idle.empty():
            self.idle.get_nowait().close()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self

    @contextmanager
    def client(self):
        if not self.idle.empty():
            client = self.idle.get_nowait()
        else:
            client = HavenClient(self.amqp_uri, timeout=self.timeout, retries=0,
                                 reply_queue=service_reply_queue(self.container.service_name))
        try:
            yield client
        except (errors.RpcTimeout, errors.UnknownService) as exc:
            client.close()  # a late reply could still arrive on this reply queue; the next call starts afresh
            raise exc
        except errors.HavenError:
            self.idle.put(client)  # a typed error is an ordinary reply: the connection is as good as before
            raise
        except BaseException:
            client.close()  # a call that failed otherwise may have left the connection in any state
            raise
        self.idle.put(client)
