"""The three same-run baselines: what the broker, a request/reply and a naive nameko hop cost on this machine now."""
import os
import subprocess
import sys
import time
import uuid

import eventlet
from kombu import Connection, Consumer, Producer, Queue

from haven_kernel.testing import stop_process

from .stats import percentile

PAYLOAD = os.urandom(150).hex().encode()  # 300 bytes


def publish_consume(amqp_uri, count):
    """Baseline 1: ``count`` persistent 300-byte messages published with publisher confirms (one connection) while
    another connection consumes them with manual acks. Returns msgs/s from the first publish to the last ack."""
    queue = Queue(f"bench.raw.{uuid.uuid4().hex[:8]}", durable=True, auto_delete=False)
    consumed = [0]
    with Connection(amqp_uri) as setup:
        queue(setup.channel()).declare()
    done = eventlet.event.Event()

    def consume():
        with Connection(amqp_uri) as connection:
            def on_message(body, message):
                message.ack()
                consumed[0] += 1
                if consumed[0] == count:
                    done.send(time.perf_counter())

            with Consumer(connection.channel(), [queue], callbacks=[on_message], accept=None, prefetch_count=100):
                while not done.ready():
                    try:
                        connection.drain_events(timeout=0.5)
                    except (TimeoutError, OSError):
                        pass

    consumer = eventlet.spawn(consume)
    eventlet.sleep(0.2)
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection.channel())
        started = time.perf_counter()
        for _ in range(count):
            producer.publish(PAYLOAD, routing_key=queue.name, delivery_mode=2, serializer="raw",
                             content_type="application/octet-stream", retry=False)
    finished = done.wait()
    consumer.wait()
    with Connection(amqp_uri) as cleanup:
        queue(cleanup.channel()).delete()
    return count / (finished - started)


class Responder:
    """The far end of baseline 2, a process of its own (bench/responder.py)."""

    def __init__(self, amqp_uri, log_path):
        self.queue = f"bench.rr.{uuid.uuid4().hex[:8]}"
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen([sys.executable, "-m", "bench.responder", amqp_uri, self.queue],
                                        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                        stdout=subprocess.PIPE, stderr=self.log)
        line = self.process.stdout.readline()
        if b"ready" not in line:
            raise RuntimeError(f"the request/reply responder did not start; see {log_path}")
        self.pid = self.process.pid

    def stop(self):
        stop_process(self.process, 10)
        self.log.close()


def request_reply(amqp_uri, responder, count):
    """Baseline 2: sequential round trips, request and reply both persistent and confirmed, through durable queues
    and manual acks. Returns the latencies in ms."""
    reply_queue = Queue(f"bench.reply.{uuid.uuid4().hex[:8]}", durable=True, auto_delete=False)
    latencies = []
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        reply_queue(channel).declare()
        producer = Producer(connection.channel())
        got = []

        def on_reply(body, message):
            message.ack()
            got.append(message.properties.get("correlation_id"))

        with Consumer(channel, [reply_queue], callbacks=[on_reply], accept=None, prefetch_count=10):
            for index in range(count + 5):
                correlation_id = uuid.uuid4().hex
                started = time.perf_counter()
                producer.publish(PAYLOAD, routing_key=responder.queue, delivery_mode=2, reply_to=reply_queue.name,
                                 correlation_id=correlation_id, serializer="raw",
                                 content_type="application/octet-stream", retry=False)
                while correlation_id not in got:
                    connection.drain_events(timeout=10)
                got.clear()
                if index >= 5:  # the first few warm the connection up
                    latencies.append((time.perf_counter() - started) * 1000)
        reply_queue(channel).delete()
    return latencies


def naive_hop(amqp_uri, count_copies, ops, callers=10):
    """Baseline 3: ``ops`` calls of naive_a.create from ``callers`` concurrent clients; ops/s until naive_b has
    applied every one. ``count_copies()`` reads naive_b's row count."""
    from nameko.standalone.rpc import ClusterRpcProxy
    before = count_copies()
    per_caller = [ops // callers + (1 if i < ops % callers else 0) for i in range(callers)]
    proxies = [ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=60) for _ in range(callers)]
    clients = [proxy.start() for proxy in proxies]
    try:
        for client in clients:  # warm each reply queue up
            client.naive_a.create(str(uuid.uuid4()), "warm-up")
        while count_copies() < before + callers:
            eventlet.sleep(0.01)
        before = count_copies()

        def caller(client, n):
            for _ in range(n):
                client.naive_a.create(str(uuid.uuid4()), PAYLOAD[:200].decode())

        started = time.perf_counter()
        pool = [eventlet.spawn(caller, client, n) for client, n in zip(clients, per_caller)]
        for thread in pool:
            thread.wait()
        while count_copies() < before + ops:
            eventlet.sleep(0.005)
        return ops / (time.perf_counter() - started)
    finally:
        for proxy in proxies:
            proxy.stop()


def nameko_floor(amqp_uri, count):
    """Sequential calls of naive_a.ping (no database, no event): what nameko's RPC alone costs. Not a target's
    baseline; it shows how much of an RPC figure is the framework."""
    from nameko.standalone.rpc import ClusterRpcProxy
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=60) as client:
        for _ in range(5):
            client.naive_a.ping("warm-up")
        latencies = []
        for _ in range(count):
            started = time.perf_counter()
            client.naive_a.ping("x" * 300)
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def summarize_latencies(latencies):
    return percentile(latencies, 50), percentile(latencies, 99)
