"""Partner-facing RPC: token and scope checked before a worker starts, arguments checked against the method's
signature, the unit of work committed before the reply is sent, and only typed errors leave the service. A write
method declared ``idempotent=True`` applies its effect once per request (the RPC inbox, :mod:`.idempotency`)."""
import inspect
import logging
import time
import uuid
from functools import partial, wraps

from nameko.exceptions import ContainerBeingKilled, MalformedRequest
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from nameko.standalone.rpc import ClusterRpcProxy

from .auth import SERVICE_SUBJECT_PREFIX, authorize, check_secret_at_start, service_token, verify_token
from . import idempotency
from .contract import contract_problems
from .context import METHOD_CONTEXT_KEY, ORIGIN_ORG_CONTEXT_KEY, worker_context
from .db import Database, in_unit_of_work
from .db.faults import is_transient
from .errors import EXPECTED, HavenError, InternalError, ServiceUnavailable, ValidationError
from .logs import set_correlation_id
from .messaging.guard import HavenRpcConsumer, headers_problem
from .metrics import metrics_for

log = logging.getLogger(__name__)


class HavenRpc(Rpc):
    rpc_consumer = HavenRpcConsumer()  # a request no reply can go to is refused; nothing kills the container
    inbox_purge = idempotency.RpcInboxPurge()

    def __init__(self, scope=None, idempotent=False, contract=None, **kwargs):
        self.scope = scope
        self.idempotent = idempotent
        self.contract = contract
        kwargs.setdefault("expected_exceptions", EXPECTED)
        super().__init__(**kwargs)

    def setup(self):
        check_secret_at_start()  # refuses to start without a secret outside development; warns on the development one
        Database.of(self.container)  # the method's unit of work is self.db: a HavenService's
        self.metrics = metrics_for(self.container)
        method = getattr(self.container.service_cls, self.method_name)
        self.signature = inspect.signature(getattr(method, "__wrapped__", method))
        if self.contract is not None:
            problems = contract_problems(self.method_name, getattr(method, "__wrapped__", method), self.contract)
            if problems:
                raise RuntimeError(f"{self.container.service_name}: the RPC contract does not describe the method: "
                                   + "; ".join(problems))
        super().setup()

    def check_arguments(self, args, kwargs):
        try:
            self.signature.bind(None, *args, **kwargs)
        except TypeError as exc:
            raise ValidationError({"_arguments": [f"{self.method_name}: {exc}"]}) from None

    def handle_message(self, body, message):
        started = time.perf_counter()
        try:
            args = body["args"]
            kwargs = body["kwargs"]
            if not isinstance(args, (list, tuple)) or not isinstance(kwargs, dict):
                raise TypeError
        except (KeyError, TypeError):
            raise MalformedRequest("Message missing `args` or `kwargs`") from None
        problem = headers_problem(message)
        if problem:
            raise MalformedRequest(f"unreadable headers: {problem}")
        context_data = self.unpack_message_headers(message)
        correlation_id = context_data.get("correlation_id")
        if not isinstance(correlation_id, str) or not 0 < len(correlation_id) <= 100:
            correlation_id = str(uuid.uuid4())
        set_correlation_id(correlation_id)
        try:
            caller = authorize(verify_token(context_data.get("authorization")), self.scope)
            self.check_arguments(args, kwargs)
            origin_org = caller.org
            if caller.sub.startswith(SERVICE_SUBJECT_PREFIX) and isinstance(context_data.get("origin_org"), str):
                origin_org = context_data["origin_org"][:50]  # a Haven service calling on behalf of a partner
            worker_data = worker_context(correlation_id, caller.as_context(), origin_org)
            if self.idempotent:
                request = idempotency.request_of(context_data, message, origin_org, self.method_name, args, kwargs)
                worker_data[idempotency.REQUEST_CONTEXT_KEY] = request.as_context() if request else None
        except HavenError as exc:
            self._record(started, type(exc).__name__)
            log.info("rpc refused", extra={"method": self.method_name, "error_type": type(exc).__name__})
            raise
        handle_result = partial(self._handle_result, message, started)
        worker_data[METHOD_CONTEXT_KEY] = self.method_name
        try:
            self.container.spawn_worker(self, args, kwargs, handle_result=handle_result, context_data=worker_data)
        except ContainerBeingKilled:
            self.rpc_consumer.requeue_message(message)

    def _record(self, started, outcome):
        self.metrics.rpc_requests.labels(self.method_name, outcome).inc()
        self.metrics.rpc_duration.labels(self.method_name).observe(time.perf_counter() - started)

    def _handle_result(self, message, started, worker_ctx, result, exc_info):
        if exc_info is not None and is_transient(exc_info[1]):
            # The database is away, not the request at fault: the caller may retry, with the same idempotency key
            # (a write may have been applied if the database went as it committed; the key makes the retry safe).
            error = ServiceUnavailable(f"{self.container.service_name}'s database is unavailable; try again later "
                                       "with the same idempotency_key")
            exc_info = (ServiceUnavailable, error, None)
        elif exc_info is not None and not isinstance(exc_info[1], EXPECTED):
            correlation_id = worker_ctx.context_data.get("correlation_id")
            error = InternalError(f"unexpected error in {self.container.service_name}.{self.method_name}; "
                                  f"reference {correlation_id}")
            exc_info = (InternalError, error, None)
        self._record(started, "ok" if exc_info is None else type(exc_info[1]).__name__)
        # A reply the broker cannot take kills nothing (HavenRpcConsumer): the caller retries with its
        # idempotency key, or the broker delivers the request again, and a write is answered from the RPC inbox.
        return self.rpc_consumer.handle_result(message, result, exc_info)


# A plain nameko @rpc in a Haven process (which the RPC auth test reports) shares the guarded consumer too: two
# consumers of one ``rpc-<service>`` queue would each take, and fail, the other's calls.
Rpc.rpc_consumer = HavenRpc.rpc_consumer


def rpc(scope=None, idempotent=False, contract=None):
    """Decorate a partner-facing method of a ``HavenService``. ``scope`` is required of the caller's token (``admin``
    passes). The service's unit of work (``self.db``) is committed before the reply, rolled back on an error.

    ``idempotent=True`` (every write method): the method's effect is applied once per request, a request being the
    caller's ``idempotency_key`` context header or else the AMQP message itself; a repeated request is answered
    with the reply stored in the same transaction as the effect (:mod:`haven_kernel.idempotency`).
    ``contract`` (:class:`haven_kernel.contract.RpcContract`) is what the references say of the method; the service
    refuses to start when it does not match the method's parameters."""

    def decorate(fn):
        wrapped = in_rpc_inbox(fn) if idempotent else in_unit_of_work(fn)
        wrapped.haven_rpc = (scope, contract, fn)
        return HavenRpc.decorator(scope=scope, idempotent=idempotent, contract=contract)(wrapped)

    return decorate


def in_rpc_inbox(fn):
    """``fn`` in its unit of work, applied once per request: its request claimed in the RPC inbox first (a request
    seen before gets the stored reply, and ``fn`` does not run), its reply stored with its effect."""

    @wraps(fn)
    def once(self, *args, **kwargs):
        unit = self.db
        request = idempotency.Request.from_context(unit.context_value(idempotency.REQUEST_CONTEXT_KEY))
        if request is None:
            return fn(self, *args, **kwargs)
        replay = idempotency.claim(unit.session, request)
        if replay is not None:
            return replay.reply  # nothing was written: the commit that follows changes nothing
        result = fn(self, *args, **kwargs)
        idempotency.store(unit.session, request, result)
        return result

    return in_unit_of_work(once)


class ServiceRpc(DependencyProvider):
    """Call another Haven service under this service's own identity, with a timeout.

    The partner's org and the correlation id travel along for audit; the partner's token does not.
    """

    def __init__(self, target, scopes, timeout=5.0):
        self.target = target
        self.scopes = tuple(scopes)
        self.timeout = timeout

    def setup(self):
        self.config = {"AMQP_URI": self.container.config["AMQP_URI"]}
        self.service_name = self.container.service_name

    def get_dependency(self, worker_ctx):
        context = worker_ctx.context_data
        return _RemoteService(self, context.get("correlation_id"), context.get(ORIGIN_ORG_CONTEXT_KEY))


class _RemoteService:
    def __init__(self, provider, correlation_id, origin_org):
        self._provider = provider
        self._correlation_id = correlation_id
        self._origin_org = origin_org

    def __getattr__(self, method_name):
        return partial(self._call, method_name)

    def _call(self, method_name, *args, **kwargs):
        provider = self._provider
        context = {
            "authorization": "Bearer " + service_token(provider.service_name, provider.scopes),
            "correlation_id": self._correlation_id or str(uuid.uuid4()),
        }
        if self._origin_org:
            context["origin_org"] = self._origin_org
        try:
            cluster = ClusterRpcProxy(provider.config, context_data=context, timeout=provider.timeout)
            # Its reply queue is rpc.reply-<service>-<uuid>, which the service's broker account may read
            # (haven_kernel.broker), not nameko's rpc.reply-standalone_rpc_proxy-<uuid>.
            cluster._reply_listener.container.service_name = provider.service_name
            with cluster as proxy:
                return getattr(getattr(proxy, provider.target), method_name)(*args, **kwargs)
        except HavenError:
            raise
        except Exception as exc:
            from nameko.exceptions import RemoteError
            if isinstance(exc, RemoteError):
                raise
            raise ServiceUnavailable(f"{provider.target}.{method_name} did not answer: {type(exc).__name__}") from None
