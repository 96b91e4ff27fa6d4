"""Least-privilege broker accounts (``haven broker setup|add-partner|remove-partner|permissions``), through
RabbitMQ's management HTTP API.

**A service** (user ``haven-<service>``; ``HAVEN_BROKER_USER_PREFIX``) may

* declare, bind and consume its own queues: ``rpc-<service>``, its RPC reply queues ``rpc.reply-<service>-<uuid>``
  and its event queues ``haven.<service>.*`` (consumer, retry, dead-letter queues);
* declare and bind the queues of its events' consumers (``haven.<consumer>.<service>.<type>``: the relay declares
  them before it publishes) without reading them;
* publish to ``nameko-rpc`` (requests under its own identity, replies to whatever ``reply_to`` says), to its own
  ``<service>.events`` and to the default exchange (its retries and dead letters); never to another service's
  events exchange;
* bind on ``nameko-rpc`` only ``<service>.*`` and its reply keys (uuids), and on an events exchange only the event
  types the catalogue says it consumes (topic permissions).

A service can publish to another's consumer queue through the default exchange; consumers refuse such an event,
since its ``user_id`` is neither its producer's nor their own (:mod:`haven_kernel.messaging.producers`).

**A partner** (TEAM decision 1: reply routing key = reply queue = ``reply.<user>.<uuid4 hex>``) may

* declare, bind and consume ``reply.<user>.*`` queues only, bound to ``nameko-rpc`` only with ``reply.<user>.*``
  keys: never ``#``, ``<service>.*`` (others' requests, with their tokens) or another user's replies;
* publish only to ``nameko-rpc``, only with ``<service>.<method>`` keys: no events, no replies for anyone;
* declare ``nameko-rpc`` passively only (no configure permission on any exchange).
"""
import base64
import json
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request

from .messaging.producers import user_prefix

RPC_EXCHANGE = "nameko-rpc"
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
PARTNER_NAME = re.compile(r"^[a-z][a-z0-9_-]{1,40}$")  # no dots: reply keys stay reply.<user>.<hex>
UUID_KEY = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
SERVICE_METHOD_KEY = r"^[a-z][a-z0-9_]*\.[a-z_][a-z0-9_]*$"


def _any(*patterns):
    return "^(" + "|".join(patterns) + ")$"


def service_user(service, prefix=None):
    return f"{user_prefix() if prefix is None else prefix}{service}"


def services_of(catalogue, extra=()):
    """Every service the catalogue names (producers and consumers), plus ``extra``."""
    found = set(extra)
    for entry in catalogue.all():
        found.add(entry.source)
        found.update(entry.consumers)
    return sorted(found)


def service_permissions(service, catalogue):
    """``{"configure", "write", "read", "topics": {exchange: {"write", "read"}}}`` of a service's account."""
    if not NAME.match(service):
        raise ValueError(f"bad service name {service!r}")
    s = re.escape(service)
    consumed = {}
    for entry in catalogue.consumed_by(service):
        consumed.setdefault(entry.source, set()).add(entry.name)
    own_queues = [f"rpc-{s}", rf"rpc\.reply-{s}-.*", rf"haven\.{s}\..*"]
    consumer_queues_of_its_events = rf"haven\.[a-z0-9_]+\.{s}\.[a-z0-9_]+"
    events = rf"{s}\.events"
    sources = [rf"{re.escape(source)}\.events" for source in sorted(consumed) if source != service]
    topics = {RPC_EXCHANGE: {"write": ".*", "read": _any(rf"{s}\.\*", UUID_KEY)},
              f"{service}.events": {"write": ".*", "read": ".*"}}
    for source, types in consumed.items():
        if source != service:
            topics[f"{source}.events"] = {"write": "^$", "read": _any(*sorted(map(re.escape, types)))}
    return {
        "configure": _any(RPC_EXCHANGE, events, *sources, *own_queues, consumer_queues_of_its_events),
        "write": _any(RPC_EXCHANGE, events, r"amq\.default", *own_queues, consumer_queues_of_its_events),
        "read": _any(RPC_EXCHANGE, events, *sources, *own_queues),
        "topics": topics,
    }


def partner_permissions(user):
    if not PARTNER_NAME.match(user):
        raise ValueError(f"bad partner name {user!r}: lowercase letters, digits, '_' or '-', 2 to 41 characters")
    replies = rf"reply\.{re.escape(user)}\..*"
    return {
        "configure": _any(replies),
        "write": _any(RPC_EXCHANGE, replies),
        "read": _any(RPC_EXCHANGE, replies),
        "topics": {RPC_EXCHANGE: {"write": SERVICE_METHOD_KEY, "read": rf"^reply\.{re.escape(user)}\.[0-9a-f]{{32}}$"}},
    }


class ManagementError(RuntimeError):
    pass


class Management:
    """The few calls of RabbitMQ's management API that set accounts up. ``url``: ``http://user:pass@host:15672``."""

    def __init__(self, url, timeout=10):
        parts = urllib.parse.urlsplit(url)
        self.base = f"{parts.scheme or 'http'}://{parts.hostname}:{parts.port or 15672}"
        user = urllib.parse.unquote(parts.username or "guest")
        password = urllib.parse.unquote(parts.password or "guest")
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.timeout = timeout

    def request(self, method, path, body=None):
        request = urllib.request.Request(self.base + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None)
        request.add_header("content-type", "application/json")
        request.add_header("authorization", self.auth)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                text = response.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 404 and method in ("GET", "DELETE"):
                return None
            raise ManagementError(f"{method} {path}: {exc.code} {exc.read()[:300]!r}") from None
        return json.loads(text) if text else {}

    @staticmethod
    def q(text):
        return urllib.parse.quote(text, safe="")

    def put_user(self, user, password, tags=""):
        self.request("PUT", f"/api/users/{self.q(user)}", {"password": password, "tags": tags})

    def delete_user(self, user):
        return self.request("DELETE", f"/api/users/{self.q(user)}") is not None

    def user_exists(self, user):
        return self.request("GET", f"/api/users/{self.q(user)}") is not None

    def grant(self, vhost, user, permissions):
        v, u = self.q(vhost), self.q(user)
        self.request("PUT", f"/api/permissions/{v}/{u}", {key: permissions[key] for key in ("configure", "write",
                                                                                                   "read")})
        for existing in self.request("GET", f"/api/users/{u}/topic-permissions") or []:
            if existing["vhost"] == vhost and existing["exchange"] not in permissions["topics"]:
                self.request("DELETE", f"/api/topic-permissions/{v}/{u}")  # clears them all; set again below
                break
        for exchange, topic in permissions["topics"].items():
            self.request("PUT", f"/api/topic-permissions/{v}/{u}", {"exchange": exchange, **topic})

    def permissions_of(self, vhost, user):
        v, u = self.q(vhost), self.q(user)
        found = self.request("GET", f"/api/permissions/{v}/{u}")
        topics = [t for t in self.request("GET", f"/api/users/{u}/topic-permissions") or [] if t["vhost"] == vhost]
        return {"user": user, "permissions": found and {k: found[k] for k in ("configure", "write", "read")},
                "topics": {t["exchange"]: {"write": t["write"], "read": t["read"]} for t in topics}}

    def users(self):
        return [user["name"] for user in self.request("GET", "/api/users") or []]


def new_password():
    return secrets.token_urlsafe(24)


def setup(management, vhost, catalogue, services=(), passwords=None, prefix=None):
    """Create (or update) one account per service; returns ``{service: (user, password or None)}``: the password
    given (``passwords[service]``) or a new one; None when the account existed and no password was given (kept)."""
    passwords = passwords or {}
    done = {}
    for service in services_of(catalogue, services):
        user = service_user(service, prefix)
        password = passwords.get(service)
        if password is None and not management.user_exists(user):
            password = new_password()
        if password is not None:
            management.put_user(user, password)
        management.grant(vhost, user, service_permissions(service, catalogue))
        done[service] = (user, password)
    return done


def add_partner(management, vhost, user, password=None, prefix=None):
    partner_permissions(user)  # checks the name
    service_prefix = user_prefix() if prefix is None else prefix
    if user == "guest" or (service_prefix and user.startswith(service_prefix)):
        raise ValueError(f"{user!r} is reserved (guest, or a service account's prefix {service_prefix!r})")
    password = password or new_password()
    management.put_user(user, password)
    management.grant(vhost, user, partner_permissions(user))
    return password


def declare_topology(amqp_uri, catalogue):
    """Declare ``nameko-rpc``, every events exchange and every consumer's queues (as the relays would), so that
    events published before a consumer first starts wait in its queue."""
    from kombu import Connection, Exchange
    from kombu.common import maybe_declare
    from .messaging.topology import producer_topology
    with Connection(amqp_uri, connect_timeout=10) as connection:
        channel = connection.channel()
        maybe_declare(Exchange(RPC_EXCHANGE, type="topic", durable=True), channel)
        for source in sorted({entry.source for entry in catalogue.all()}):
            for entity in producer_topology(source, catalogue):
                maybe_declare(entity, channel)


# -- the command (haven broker ...) ------------------------------------------------------------------------------------
def _environ(name, default=None):
    import os
    return os.environ.get(name, default)


def management_from_environment(args):
    """The management API URL with the administrator's credentials: ``--management-url``, or
    ``RABBITMQ_MANAGEMENT_URL`` with ``RABBITMQ_ADMIN_USER``/``RABBITMQ_ADMIN_PASSWORD`` when it names none."""
    url = args.management_url or _environ("RABBITMQ_MANAGEMENT_URL", "http://guest:guest@localhost:15672")
    parts = urllib.parse.urlsplit(url)
    if not parts.username and _environ("RABBITMQ_ADMIN_USER"):
        user = urllib.parse.quote(_environ("RABBITMQ_ADMIN_USER"), safe="")
        password = urllib.parse.quote(_environ("RABBITMQ_ADMIN_PASSWORD", ""), safe="")
        url = f"{parts.scheme}://{user}:{password}@{parts.hostname}:{parts.port or 15672}"
    return url


def amqp_from_management(url, vhost):
    parts = urllib.parse.urlsplit(url)
    return (f"amqp://{parts.username or 'guest'}:{parts.password or 'guest'}@{parts.hostname}:5672/"
            f"{urllib.parse.quote(vhost, safe='')}")


def command(args):
    """``haven broker setup|add-partner|remove-partner|permissions``; returns the exit status."""
    import sys
    from .cli import load_catalogue
    url = management_from_environment(args)
    management = Management(url)
    vhost = args.vhost or _environ("RABBITMQ_VHOST", "/")
    try:
        if args.action == "setup":
            _, catalogue = load_catalogue(args.catalogue)
            extra = [s.strip() for s in (args.services or _environ("HAVEN_SERVICES", "")).split(",") if s.strip()]
            kept = read_env_file(args.env_file) if args.env_file else {}
            passwords = {service: _environ(password_variable(service)) or kept.get(password_variable(service))
                         for service in services_of(catalogue, extra)}
            done = setup(management, vhost, catalogue, extra, {k: v for k, v in passwords.items() if v})
            if args.env_file:
                write_env_file(args.env_file, {password_variable(service): password or passwords[service]
                                               for service, (_, password) in done.items()
                                               if password or passwords[service]})
            if not args.no_declare:
                declare_topology(args.amqp_uri or amqp_from_management(url, vhost), catalogue)
            for service, (user, password) in done.items():
                if password and not passwords.get(service) and not args.env_file:  # new: the operator keeps it
                    print(f"{password_variable(service)}={password}")
                print(f"{service}: broker user {user} on vhost {vhost!r} "
                      f"({'new password' if password and not passwords.get(service) else 'password kept'}"
                      f"{' in ' + args.env_file if args.env_file else ''})",
                      file=sys.stderr)
        elif args.action == "add-partner":
            password = add_partner(management, vhost, args.name, args.password)
            print(json.dumps({"user": args.name, "password": password, "vhost": vhost,
                              "reply_queue_prefix": f"reply.{args.name}.", "rpc_exchange": RPC_EXCHANGE}))
        elif args.action == "remove-partner":
            if args.name == "guest" or args.name.startswith(user_prefix()):
                raise ValueError(f"{args.name!r} is not a partner account")
            print(f"{args.name}: {'removed' if management.delete_user(args.name) else 'no such user'}",
                  file=sys.stderr)
        else:  # permissions
            users = [args.name] if args.name else [u for u in management.users()]
            for user in users:
                print(json.dumps(management.permissions_of(vhost, user)))
    except (ManagementError, ValueError, OSError) as exc:
        print(f"haven broker {args.action}: {exc}", file=sys.stderr)
        return 1
    return 0


def password_variable(service):
    return f"HAVEN_BROKER_PASSWORD_{service.upper()}"


def read_env_file(path):
    """``NAME=value`` lines of a file (missing file: nothing)."""
    import os
    found = {}
    if os.path.exists(path):
        with open(path) as handle:
            for line in handle:
                name, sep, value = line.strip().partition("=")
                if sep and not name.startswith("#"):
                    found[name.strip()] = value.strip()
    return found


def write_env_file(path, values):
    """Merge ``values`` into the ``NAME=value`` file at ``path``, readable by its owner only."""
    import os
    merged = {**read_env_file(path), **values}
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write("# Haven's broker passwords (haven broker setup); keep out of git\n")
        handle.writelines(f"{name}={value}\n" for name, value in sorted(merged.items()))


def add_parser(sub):
    broker = sub.add_parser("broker", help="least-privilege RabbitMQ accounts for services and partners")
    broker.add_argument("action", choices=("setup", "add-partner", "remove-partner", "permissions"))
    broker.add_argument("name", nargs="?", help="the partner's user name (add-partner, remove-partner, permissions)")
    broker.add_argument("--vhost", default=None, help="default RABBITMQ_VHOST or /")
    broker.add_argument("--management-url", default=None,
                        help="http://admin:password@host:15672 (default RABBITMQ_MANAGEMENT_URL, RABBITMQ_ADMIN_*)")
    broker.add_argument("--services", default=None, help="services beyond the catalogue's (default HAVEN_SERVICES)")
    broker.add_argument("--catalogue", default=None, help="module:attribute (default: the installed contracts)")
    broker.add_argument("--password", default=None, help="add-partner: the password (default: a new random one)")
    broker.add_argument("--amqp-uri", default=None, help="setup: where to declare the topology (default: the "
                                                         "management host's port 5672, as the administrator)")
    broker.add_argument("--no-declare", action="store_true", help="setup: accounts only, no exchanges and queues")
    broker.add_argument("--env-file", default=None, help="setup: keep the passwords in this NAME=value file (mode "
                                                         "600; make run reads var/broker.env) instead of printing")
    broker.set_defaults(func=command)
    return broker
