"""Baseline 2's far end, as a process of its own: consume requests from a durable queue (manual ack) and publish
each reply, persistent and confirmed, to the queue named in ``reply_to``. Plain kombu, no eventlet, no nameko.

    python -m bench.responder AMQP_URI QUEUE
"""
import sys

from kombu import Connection, Consumer, Producer, Queue


def main(amqp_uri, queue_name):
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        producer = Producer(connection.channel())
        requests = Queue(queue_name, durable=True, auto_delete=False)

        def on_request(body, message):
            producer.publish(body, routing_key=message.properties["reply_to"], delivery_mode=2,
                             correlation_id=message.properties.get("correlation_id"), serializer="raw",
                             content_type="application/octet-stream", retry=False)
            message.ack()

        with Consumer(channel, [requests], callbacks=[on_request], accept=None, prefetch_count=10):
            print("ready", flush=True)
            while True:
                connection.drain_events()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
