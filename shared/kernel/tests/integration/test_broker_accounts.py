"""Least-privilege broker accounts on the real broker (issue 10 point 3, issue 15 point 1): the accounts
``haven broker setup`` and ``add-partner`` make, on this test's own vhost, with users of its own (unique names,
deleted afterwards; guest untouched). Each attempt of the issue's attacker is made with publisher confirms on, so a
refusal surfaces at once as the broker's 403."""
import json
import urllib.parse
import uuid

import pytest
from amqp.exceptions import AccessRefused, PreconditionFailed
from kombu import Connection, Consumer, Exchange, Producer, Queue

from haven_kernel import broker
from haven_kernel.messaging import consumer_queue_name
from haven_kernel.testing import make_token, queue_depth, service_config, wait_until

RPC = Exchange("nameko-rpc", type="topic", durable=True, passive=True)
LEDGER_EVENTS = Exchange("ledger.events", type="topic", durable=True, passive=True)
TALLY_QUEUE = consumer_queue_name("tally", "ledger", "entry_recorded")


class Accounts:
    def __init__(self, infrastructure, amqp_uri, catalogue):
        self.management = broker.Management(infrastructure["management_url"])
        self.vhost = urllib.parse.unquote(urllib.parse.urlsplit(amqp_uri).path[1:])
        self.host = urllib.parse.urlsplit(amqp_uri).hostname
        tag = uuid.uuid4().hex[:8]
        self.prefix = f"t{tag}-"
        self.passwords = {"ledger": broker.new_password(), "tally": broker.new_password(),
                          "other": broker.new_password()}
        broker.setup(self.management, self.vhost, catalogue, services=["other"], passwords=self.passwords,
                     prefix=self.prefix)
        broker.declare_topology(amqp_uri, catalogue)  # as `haven broker setup` does, as the administrator
        self.users = [self.prefix + name for name in self.passwords]
        self.partners = {}
        self.containers = []
        for name in ("a", "b"):
            user = f"p{tag}-{name}"
            self.partners[name] = (user, broker.add_partner(self.management, self.vhost, user, prefix=self.prefix))
            self.users.append(user)

    def uri(self, user, password):
        return (f"amqp://{urllib.parse.quote(user, safe='')}:{urllib.parse.quote(password, safe='')}@{self.host}:5672/"
                f"{urllib.parse.quote(self.vhost, safe='')}")

    def service_uri(self, service):
        return self.uri(self.prefix + service, self.passwords[service])

    def partner(self, name):
        return self.partners[name][0], self.uri(*self.partners[name])

    def delete(self):
        for container in reversed(self.containers):  # stopped before their accounts go
            container.stop()
        for user in self.users:
            self.management.delete_user(user)


@pytest.fixture
def accounts(infrastructure, amqp_uri, toys):
    made = Accounts(infrastructure, amqp_uri, toys.catalogue)
    yield made
    made.delete()


def refused(uri, attempt, refusal=AccessRefused):
    """True when the broker refuses ``attempt(channel)`` (403 ACCESS_REFUSED unless ``refusal`` says otherwise)."""
    with Connection(uri, transport_options={"confirm_publish": True}, connect_timeout=5) as connection:
        try:
            attempt(connection.channel())
        except refusal:
            return True
    return False


def reply_queue(user, routing_key=None, exchange=RPC):
    name = f"reply.{user}.{uuid.uuid4().hex}"
    return Queue(name, exchange=exchange, routing_key=routing_key or name, exclusive=True, auto_delete=True)


def test_a_partner_cannot_eavesdrop_on_rpc_or_events(accounts):
    user, uri = accounts.partner("a")
    assert not refused(uri, lambda ch: reply_queue(user)(ch).declare()), "its own reply queue is allowed"
    assert refused(uri, lambda ch: reply_queue(user, "#")(ch).declare()), "bind nameko-rpc with #"
    assert refused(uri, lambda ch: reply_queue(user, "ledger.*")(ch).declare()), "requests and their tokens"
    assert refused(uri, lambda ch: reply_queue(user, "entry_recorded", LEDGER_EVENTS)(ch).declare()), "events"
    assert refused(uri, lambda ch: reply_queue(user, "#", LEDGER_EVENTS)(ch).declare()), "every event"
    assert refused(uri, lambda ch: ch.basic_consume(queue="rpc-ledger")), "the service's request queue"
    assert refused(uri, lambda ch: ch.basic_consume(queue=TALLY_QUEUE)), "a consumer's event queue"
    assert refused(uri, lambda ch: Exchange("nameko-rpc", type="topic", durable=True)(ch).declare()), \
        "declaring (not passively) needs configure"


def test_a_partner_cannot_read_or_forge_another_partners_replies(accounts):
    a, a_uri = accounts.partner("a")
    b, b_uri = accounts.partner("b")
    with Connection(a_uri) as connection:
        theirs = reply_queue(a)(connection.channel())
        theirs.declare()
        assert refused(b_uri, lambda ch: ch.basic_consume(queue=theirs.name)), "consume a's reply queue"
        assert refused(b_uri, lambda ch: reply_queue(b, theirs.routing_key)(ch).declare()), "bind a's reply key"
        assert refused(b_uri, lambda ch: Queue(f"reply.{a}.{uuid.uuid4().hex}", exchange=RPC,
                                                routing_key=f"reply.{a}.{uuid.uuid4().hex}")(ch).declare()), \
            "declare a queue under a's name"
        assert refused(b_uri, lambda ch: Producer(ch).publish({"result": "forged", "error": None}, exchange=RPC,
                                                              routing_key=theirs.routing_key)), \
            "publish a reply for a"
        assert theirs.get() is None


def test_a_partner_cannot_publish_events_or_odd_rpc_keys(accounts):
    _, uri = accounts.partner("a")
    envelope = {"event_type": "entry_recorded", "source": "ledger"}
    assert refused(uri, lambda ch: Producer(ch).publish(envelope, exchange=LEDGER_EVENTS,
                                                        routing_key="entry_recorded"))
    assert refused(uri, lambda ch: Producer(ch).publish(envelope, exchange="", routing_key=TALLY_QUEUE)), \
        "straight into a consumer's queue through the default exchange"
    assert refused(uri, lambda ch: Producer(ch).publish({}, exchange=RPC, routing_key="x.y.z"))
    assert queue_depth(accounts.service_uri("tally"), TALLY_QUEUE) == 0


def test_a_service_cannot_publish_another_services_events(accounts):
    uri = accounts.service_uri("tally")
    assert refused(uri, lambda ch: Producer(ch).publish({"event_type": "entry_recorded"}, exchange=LEDGER_EVENTS,
                                                        routing_key="entry_recorded"))
    assert refused(uri, lambda ch: Producer(ch).publish({}, exchange=LEDGER_EVENTS, routing_key="entry_recorded",
                                                        user_id=accounts.prefix + "ledger"),
                   refusal=(AccessRefused, PreconditionFailed)), "as ledger"
    assert refused(uri, lambda ch: ch.basic_consume(queue="rpc-ledger")), "another service's requests"


def partner_rpc_call(uri, user, routing_key, args, token, timeout=15):
    """A partner's RPC call as TEAM decision 1 has it, in plain kombu: reply queue = reply key =
    reply.<user>.<uuid4 hex> on nameko-rpc (exclusive, auto-delete), the exchange declared passively."""
    reply = reply_queue(user)
    correlation_id = str(uuid.uuid4())
    answers = []
    with Connection(uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        with Consumer(channel, queues=[reply], callbacks=[lambda body, message: (answers.append(body),
                                                                                message.ack())],
                      accept=["json"]):
            Producer(channel).publish({"args": args, "kwargs": {}}, exchange=RPC, routing_key=routing_key,
                                      reply_to=reply.routing_key, correlation_id=correlation_id, serializer="json",
                                      headers={"nameko.authorization": f"Bearer {token}",
                                               "nameko.correlation_id": correlation_id})
            while not answers:
                connection.drain_events(timeout=timeout)
    return answers[0]


def start_as(toys, accounts, cls):
    """A toy service connected as its own broker account (the producers' accounts derived from the prefix)."""
    config = service_config(accounts.service_uri(cls.name), toys.url(cls.name),
                            HAVEN_BROKER_USER_PREFIX=accounts.prefix)
    container = toys._start(cls, config)
    accounts.containers.append(container)
    return container


def test_services_on_their_own_accounts_work_and_a_partner_calls_rpc(accounts, toys):
    start_as(toys, accounts, toys.Tally)
    start_as(toys, accounts, toys.Ledger)
    user, uri = accounts.partner("a")
    answer = partner_rpc_call(uri, user, "ledger.record", [12], make_token("ledger:write", org="WFP"))
    assert answer["error"] is None and uuid.UUID(answer["result"])
    wait_until(lambda: [row.amount for row in toys.rows("tally", toys.Applied)] == [12], timeout=20,
               message="ledger's event, published as its own account, applied by tally on its own")
    refusal = partner_rpc_call(uri, user, "ledger.record", [13], "not-a-token")
    assert refusal["error"]["exc_type"] == "Unauthenticated"


def test_an_event_forged_by_another_services_account_is_dead_lettered(accounts, toys):
    """Service 'other' may publish to the default exchange (its own retries and dead letters), so the broker lets
    it put an event straight into tally's queue. It cannot claim ledger's user id (the broker refuses a user_id not
    its own); without one, or with its own, tally dead-letters it: only ledger's account (or tally's) may send it."""
    tally = start_as(toys, accounts, toys.Tally)
    uri = accounts.service_uri("other")
    forged = toys.catalogue.envelope("ledger", "entry_recorded", {"entry_id": str(uuid.uuid4()), "amount": 66})
    assert refused(uri, lambda ch: Producer(ch).publish(forged, exchange="", routing_key=TALLY_QUEUE,
                                                        serializer="json", user_id=accounts.prefix + "ledger"),
                   refusal=PreconditionFailed), "the broker validates user_id"
    with Connection(uri, transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection.channel())
        producer.publish(forged, exchange="", routing_key=TALLY_QUEUE, serializer="json")
        producer.publish(forged, exchange="", routing_key=TALLY_QUEUE, serializer="json",
                         user_id=accounts.prefix + "other")
    dead_letters = "haven.tally.dead-letters"
    wait_until(lambda: queue_depth(accounts.service_uri("tally"), dead_letters) == 2, timeout=20,
               message="both forgeries dead-lettered")
    assert toys.rows("tally", toys.Applied) == []
    assert tally._haven_metrics.messages_rejected.labels("event", "unverified_producer")._value.get() == 2


def test_haven_broker_command_shows_and_removes_a_partner(accounts, capsys, infrastructure):
    from haven_kernel.cli import main
    user, _ = accounts.partner("b")
    base = ["--vhost", accounts.vhost, "--management-url", infrastructure["management_url"]]
    assert main(["broker", "permissions", user, *base]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["permissions"]["write"] == broker.partner_permissions(user)["write"]
    assert set(shown["topics"]) == {"nameko-rpc"}
    assert main(["broker", "remove-partner", "guest", *base]) == 1, "never guest"
    assert main(["broker", "remove-partner", user, *base]) == 0
    assert not accounts.management.user_exists(user)


def test_haven_broker_setup_makes_every_services_account_and_keeps_the_passwords(infrastructure, amqp_uri,
                                                                                monkeypatch, tmp_path):
    """The operator's command, as make run's instructions give it, on this test's vhost with a prefix of its own."""
    from haven_contracts import catalogue
    from haven_kernel.cli import main
    prefix = f"t{uuid.uuid4().hex[:8]}-"
    monkeypatch.setenv("HAVEN_BROKER_USER_PREFIX", prefix)
    services = broker.services_of(catalogue)
    for service in services:
        monkeypatch.delenv(broker.password_variable(service), raising=False)
    vhost = urllib.parse.unquote(urllib.parse.urlsplit(amqp_uri).path[1:])
    env_file = tmp_path / "broker.env"
    command = ["broker", "setup", "--vhost", vhost, "--management-url", infrastructure["management_url"],
               "--catalogue", "haven_contracts:catalogue", "--amqp-uri", amqp_uri, "--env-file", str(env_file)]
    management = broker.Management(infrastructure["management_url"])
    try:
        assert main(command) == 0
        kept = broker.read_env_file(str(env_file))
        assert set(kept) == {broker.password_variable(service) for service in services}
        assert oct(env_file.stat().st_mode & 0o777) == "0o600"
        assert main(command) == 0, "run again"
        assert broker.read_env_file(str(env_file)) == kept, "the passwords are kept"
        host = urllib.parse.urlsplit(amqp_uri).hostname
        for service in services:
            uri = (f"amqp://{prefix}{service}:{kept[broker.password_variable(service)]}@{host}:5672/"
                   f"{urllib.parse.quote(vhost, safe='')}")
            with Connection(uri, connect_timeout=5) as connection:
                connection.connect()  # logs in
            shown = management.permissions_of(vhost, prefix + service)
            assert shown["permissions"] == {k: v for k, v in broker.service_permissions(service, catalogue).items()
                                            if k != "topics"}
        assert queue_depth(amqp_uri, "haven.reporting.registration.household_registered") == 0, \
            "the topology is declared"
    finally:
        for service in services:
            management.delete_user(prefix + service)
