"""Events a consumer can trust: who may have published an event.

Every event is published with the AMQP ``user_id`` property set to the publisher's broker user name. RabbitMQ
refuses a publish whose ``user_id`` is not the connection's own user (unless the user has the ``impersonator`` tag,
which no Haven account has), so ``user_id`` is the broker-enforced identity of whoever published. A consumer accepts
an event only when ``user_id`` is

* the broker user of the event's producer (``<source>.events`` is published by ``<source>``'s relay), or
* its own broker user (its retries, and replays of its dead letters, which it publishes itself),

and dead-letters anything else (``UnverifiedProducer``), counted in ``haven_messages_rejected_total{kind="event",
reason="unverified_producer"}``: an event forged by a partner, by another service, or published without
``user_id``.

The producer's broker user, for a consumer connected as ``own_user``:

1. ``HAVEN_BROKER_USERS`` (environment or config), e.g. ``registration=haven-registration,shelter=...``;
2. else, when ``own_user`` is ``<prefix><own service>`` (``HAVEN_BROKER_USER_PREFIX``, default ``haven-``, the
   accounts ``haven broker setup`` creates), ``<prefix><source>``;
3. else ``own_user``: every service shares one account (development and tests run on ``guest``), and only events
   published by that account are accepted.
"""
import os
import urllib.parse

DEFAULT_USER_PREFIX = "haven-"


class UnverifiedProducer(Exception):
    """An event whose broker-validated publisher is not its producer (nor the consumer itself)."""


def broker_user(amqp_uri):
    """The user name an AMQP URI connects as (kombu's default ``guest`` when it names none)."""
    username = urllib.parse.urlsplit(amqp_uri).username
    return urllib.parse.unquote(username) if username else "guest"


def _setting(config, key):
    value = os.environ.get(key)
    if value is None and config is not None:
        value = config.get(key)
    return value


def user_prefix(config=None):
    value = _setting(config, "HAVEN_BROKER_USER_PREFIX")
    return DEFAULT_USER_PREFIX if value is None else str(value)


def configured_users(config=None):
    """``{service: broker user}`` from ``HAVEN_BROKER_USERS`` (``a=user-a,b=user-b`` or a mapping)."""
    value = _setting(config, "HAVEN_BROKER_USERS") or {}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    pairs = (item.split("=", 1) for item in str(value).split(",") if "=" in item)
    return {name.strip(): user.strip() for name, user in pairs if name.strip() and user.strip()}


def producer_user(source, own_service, own_user, config=None):
    """The broker user ``source``'s events must come from, as seen by ``own_service`` connected as ``own_user``."""
    users = configured_users(config)
    if source in users:
        return users[source]
    prefix = user_prefix(config)
    if prefix and own_user == f"{prefix}{own_service}":
        return f"{prefix}{source}"
    return own_user


def verification_enabled(config=None):
    value = _setting(config, "HAVEN_VERIFY_PRODUCER")
    return str(value if value is not None else "true").strip().lower() not in ("0", "false", "no", "off")


def check_publisher(message, accepted):
    """Raise UnverifiedProducer unless the delivery's ``user_id`` is one of ``accepted``."""
    user_id = (message.properties or {}).get("user_id")
    if user_id not in accepted:
        shown = "none" if user_id is None else repr(str(user_id)[:64])
        raise UnverifiedProducer(f"published by broker user {shown}, not by the producer's account")
