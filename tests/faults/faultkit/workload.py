"""Partner clients registering households at a steady pace, and the history of what each call did.

Each household carries a marker: its family name, unique to the operation (``Fx<tag>-<index>``). Only registration
stores names, so the checker finds an operation's copies there by counting the marker; shelter and reporting know
households by id, which registration's rows map back to the operation.

An operation ends ``ok`` (a reply with the household's id), ``fail`` (a typed error that by contract changed
nothing: ValidationError, NotFound, Conflict, Unauthenticated, Forbidden) or ``unknown`` (a timeout, a lost
connection, ServiceUnavailable, an InternalError: the household may or may not have been stored).

Each operation carries an idempotency key of its own (the context header ``idempotency_key``), and the client
retries an unknown outcome with the same key (``retries`` times, default 3, after 0.5, 1 and 2 s), as a partner
should: the RPC inbox answers a retry of a request it applied with the stored reply, so a retry never registers a
household twice (``retries=0`` shows the outcomes of single attempts).
"""
import itertools
import random
import uuid
import time
from dataclasses import dataclass, field

import eventlet
from nameko.standalone.rpc import ClusterRpcProxy

from haven_kernel.testing import make_token

PARTNERS = ("IOM", "CVM", "UNHCR", "WVI", "INGD", "MSF", "SCI", "CARE", "NRC", "IRC")
SYLLABLES = ("ma", "ka", "ta", "na", "ra", "zu", "mbi", "lo", "che", "se", "du", "fa", "ngo", "wi", "ba", "ko")
DEFINITE_FAILURES = {"ValidationError", "NotFound", "Conflict", "Unauthenticated", "Forbidden"}


@dataclass
class Op:
    index: int
    client: int
    marker: str
    site_id: str
    size: int
    invoked: float = None      # monotonic clock of the test process
    completed: float = None    # None while pending, and for an unknown outcome whose end is unknown
    outcome: str = None        # ok | fail | unknown
    household_id: str = None
    error: str = None
    attempts: int = 0
    errors: list = field(default_factory=list)  # the error of every failed attempt


@dataclass
class History:
    ops: list = field(default_factory=list)

    def outcomes(self):
        counts = {"ok": 0, "fail": 0, "unknown": 0}
        for op in self.ops:
            counts[op.outcome or "unknown"] += 1
        return counts


def marker_of(tag, index):
    return f"Fx{tag}-{index:05d}"


class Burst:
    """``count`` registrations by ``clients`` concurrent partner clients, paced at ``rate`` per second (operation
    ``i`` is not invoked before ``start + i / rate``), households spread over ``site_ids`` in turn."""

    def __init__(self, amqp_uri, site_ids, count, clients=20, rate=40.0, timeout=15.0, seed=11, tag="t", retries=3):
        self.amqp_uri = amqp_uri
        self.site_ids = list(site_ids)
        self.count = count
        self.clients = clients
        self.rate = rate
        self.timeout = timeout
        self.rng = random.Random(seed)
        self.tag = tag
        self.retries = retries
        self.history = History()
        self.tokens = [make_token("registration:write", "registration:read", org=PARTNERS[i % len(PARTNERS)],
                                  sub=f"faults-client-{i}") for i in range(clients)]
        self.ops = [self._op(i) for i in range(count)]
        self._next = itertools.count()
        self.invoked = 0
        self.completed = 0
        self.started = None
        self.finished = None
        self._threads = []

    def _op(self, index):
        return Op(index=index, client=-1, marker=marker_of(self.tag, index),
                  site_id=self.site_ids[index % len(self.site_ids)], size=self.rng.randint(1, 4))

    def household(self, op):
        rng = random.Random(op.index)
        name = lambda: "".join(rng.choice(SYLLABLES) for _ in range(3)).capitalize()  # noqa: E731
        members = [{"given_name": name(), "family_name": op.marker, "sex": rng.choice(("female", "male")),
                    "age_years": rng.randint(20, 60), "relationship": "head"}]
        for _ in range(op.size - 1):
            members.append({"given_name": name(), "family_name": op.marker, "sex": rng.choice(("female", "male")),
                            "age_years": rng.randint(0, 17), "relationship": "child"})
        return {"site_id": op.site_id, "consent": True, "members": members,
                "origin": {"adm1": "Sofala", "adm2": "Buzi"}}

    # -- running ---------------------------------------------------------------------------------------------------
    def start(self):
        self.started = time.monotonic()
        self._threads = [eventlet.spawn(self._client, number) for number in range(self.clients)]
        return self

    def wait(self):
        for thread in self._threads:
            thread.wait()
        self.finished = time.monotonic()
        self.history.ops = self.ops
        return self.history

    def wait_invoked(self, fraction):
        """Until ``fraction`` of the operations have been invoked (a fault's moment, in the burst's own terms)."""
        wanted = int(self.count * fraction)
        while self.invoked < wanted:
            eventlet.sleep(0.02)

    def _client(self, number):
        proxy = _Connection(self.amqp_uri, self.tokens[number], self.timeout)
        try:
            for index in self._next:
                if index >= self.count:
                    return
                op = self.ops[index]
                op.client = number
                due = self.started + index / self.rate
                delay = due - time.monotonic()
                if delay > 0:
                    eventlet.sleep(delay)
                payload = self.household(op)
                key = f"{op.marker}-{uuid.uuid4().hex[:8]}"
                for attempt in range(1 + self.retries):
                    rpc = proxy.get(idempotency_key=key)
                    if attempt == 0:
                        op.invoked = time.monotonic()
                        self.invoked += 1
                    op.attempts += 1
                    if self._attempt(op, rpc, payload, proxy):
                        break
                    eventlet.sleep(0.5 * 2 ** attempt)
                self.completed += 1
        finally:
            proxy.close()

    @staticmethod
    def _attempt(op, rpc, payload, proxy):
        """One call; True when its outcome is known (ok or a definite failure)."""
        try:
            result = rpc.registration.register_household(payload)
        except Exception as exc:
            kind = getattr(exc, "exc_type", None) or type(exc).__name__
            op.error = kind
            op.errors.append(kind)
            if kind in DEFINITE_FAILURES:
                op.outcome, op.completed = "fail", time.monotonic()
                return True
            op.outcome = "unknown"
            if kind != "ServiceUnavailable":
                proxy.reset()  # a timeout or a lost connection: start again on a fresh connection
            return False
        op.outcome, op.completed, op.error = "ok", time.monotonic(), None
        op.household_id = result["household_id"]
        return True


class _Connection:
    """A partner's ClusterRpcProxy, opened again (patiently, the broker may be down) after a failure."""

    def __init__(self, amqp_uri, token, timeout):
        self.config = {"AMQP_URI": amqp_uri}
        self.context = {"authorization": f"Bearer {token}"}  # the proxy's own context data (the key changes per call)
        self.timeout = timeout
        self.cluster = None
        self.proxy = None

    def get(self, idempotency_key=None):
        self.context["idempotency_key"] = idempotency_key
        while self.proxy is None:
            cluster = ClusterRpcProxy(self.config, context_data=self.context, timeout=self.timeout)
            try:
                with eventlet.Timeout(5):
                    self.proxy = cluster.start()
                self.cluster = cluster
            except BaseException:
                _quietly_stop(cluster)
                eventlet.sleep(0.5)
        return self.proxy

    def reset(self):
        cluster, self.cluster, self.proxy = self.cluster, None, None
        if cluster is not None:
            _quietly_stop(cluster)

    close = reset


def _quietly_stop(cluster):
    try:
        with eventlet.Timeout(5):
            cluster.stop()
    except BaseException:
        try:
            cluster._reply_listener.queue_consumer.kill()
        except BaseException:
            pass
