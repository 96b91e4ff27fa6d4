"""Partner authentication: HS256 JWTs with ``sub``, ``org``, ``scopes`` and ``exp``.

Scopes are ``<service>:read`` / ``<service>:write``, and ``<service>:lead`` for the lead agency (records of other
organisations, audited: ``haven_kernel.sharing``); ``admin`` passes every scope check (it is not the lead scope).
"""
import logging
import os
import re
import time
from dataclasses import dataclass, field

import jwt

from .errors import Forbidden, Unauthenticated

log = logging.getLogger(__name__)

DEVELOPMENT_SECRET = "haven-development-secret-do-not-use-in-production"  # 49 bytes, public: development only
MIN_SECRET_BYTES = 32  # HS256's key should be at least its hash's size
DEFAULT_MAX_TOKEN_TTL = 12 * 3600
SERVICE_SUBJECT_PREFIX = "service:"  # services' own tokens (service_token); they alone may name an origin_org
# <service>:read / <service>:write, <service>:lead (haven_kernel.sharing), admin, or a role a service defines for
# itself (protection:caseworker): a service checks its own roles, the kernel only the form.
SCOPE_PATTERN = re.compile(r"^(admin|[a-z_]+:(read|write|lead|[a-z][a-z_]{2,30}))$")
TTL_PATTERN = re.compile(r"^(\d+)([smhd]?)$")


def environment():
    return os.environ.get("HAVEN_ENV", "development")


def auth_secret():
    """The signing secret. Outside development it must be configured: there is no default."""
    secret = os.environ.get("HAVEN_AUTH_SECRET")
    if secret:
        if len(secret.encode()) < MIN_SECRET_BYTES:  # in development too: a short secret is guessed
            raise RuntimeError(f"HAVEN_AUTH_SECRET must be at least {MIN_SECRET_BYTES} bytes (HS256)")
        return secret
    if environment() == "development":
        return DEVELOPMENT_SECRET
    raise RuntimeError("HAVEN_AUTH_SECRET is not set; it has no default outside HAVEN_ENV=development")


_warned_development_secret = False


def check_secret_at_start():
    """What every entrypoint calls as its service starts: outside development a missing or short secret stops the
    service (``auth_secret`` raises); on the public development secret it warns, once per process, in the service's
    log, so that a deployment left on it is seen by whoever reads the log (issue 15 point 6)."""
    global _warned_development_secret
    if auth_secret() == DEVELOPMENT_SECRET and not _warned_development_secret:
        _warned_development_secret = True
        log.warning("HAVEN_AUTH_SECRET is not set: this service signs and accepts tokens with the PUBLIC development "
                    "secret, so anyone can make a token for any organisation. Outside a development machine set "
                    "HAVEN_AUTH_SECRET (at least %d bytes) and HAVEN_ENV=production.", MIN_SECRET_BYTES)


@dataclass(frozen=True)
class Caller:
    sub: str
    org: str
    scopes: tuple = field(default_factory=tuple)

    def allows(self, scope):
        return "admin" in self.scopes or scope in self.scopes

    def as_context(self):
        return {"sub": self.sub, "org": self.org, "scopes": list(self.scopes)}

    @classmethod
    def from_context(cls, data):
        if not data:
            return None
        return cls(sub=data["sub"], org=data["org"], scopes=tuple(data.get("scopes", ())))


def parse_ttl(text):
    match = TTL_PATTERN.match(str(text).strip())
    if not match:
        raise ValueError(f"bad ttl {text!r}: use e.g. 900, 30m or 8h")
    number, unit = int(match.group(1)), match.group(2) or "s"
    return number * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]


def max_token_ttl():
    """``HAVEN_MAX_TOKEN_TTL`` (e.g. ``12h``, the default): no token is issued or accepted for longer."""
    text = os.environ.get("HAVEN_MAX_TOKEN_TTL")
    try:
        value = parse_ttl(text) if text else DEFAULT_MAX_TOKEN_TTL
    except ValueError:
        raise RuntimeError(f"HAVEN_MAX_TOKEN_TTL={text!r}: use e.g. 900, 30m, 12h") from None
    if value <= 0:
        raise RuntimeError("HAVEN_MAX_TOKEN_TTL must be positive")
    return value


def issue_token(org, scopes, ttl_seconds=8 * 3600, sub=None, secret=None, now=None):
    scopes = list(scopes)
    if int(ttl_seconds) > max_token_ttl():
        raise ValueError(f"ttl {int(ttl_seconds)}s is longer than the maximum token lifetime, {max_token_ttl()}s "
                         "(HAVEN_MAX_TOKEN_TTL)")
    for scope in scopes:
        if not SCOPE_PATTERN.match(scope):
            raise ValueError(f"bad scope {scope!r}: use <service>:read, <service>:write, <service>:lead, "
                             f"<service>:<role> or admin")
    if not org or not isinstance(org, str):
        raise ValueError("org is required")
    now = int(now if now is not None else time.time())
    claims = {"sub": sub or f"{org.lower()}-client", "org": org, "scopes": scopes, "iat": now, "exp": now + int(ttl_seconds)}
    return jwt.encode(claims, secret or auth_secret(), algorithm="HS256")


def verify_token(authorization, secret=None):
    """``authorization`` is the raw ``Bearer <token>`` value. Returns the :class:`Caller` or raises Unauthenticated."""
    if not authorization:
        raise Unauthenticated("missing authorization: send context data 'authorization' = 'Bearer <token>'")
    if not isinstance(authorization, str) or not authorization.startswith("Bearer ") or len(authorization) > 4096:
        raise Unauthenticated("malformed authorization: expected 'Bearer <token>'")
    token = authorization[len("Bearer "):].strip()
    try:
        claims = jwt.decode(token, secret or auth_secret(), algorithms=["HS256"],
                            options={"require": ["exp", "iat", "sub", "org", "scopes"]})
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("token expired") from None
    except jwt.InvalidSignatureError:
        raise Unauthenticated("token signature is not valid") from None
    except jwt.PyJWTError as exc:
        raise Unauthenticated(f"token is not valid: {exc}") from None
    scopes = claims.get("scopes")
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes) or not isinstance(claims["org"], str):
        raise Unauthenticated("token claims are malformed")
    if not claims["org"].strip():
        raise Unauthenticated("token has no organisation")
    lifetime = claims["exp"] - claims["iat"] if all(isinstance(claims[k], (int, float)) for k in ("exp", "iat")) \
        else None
    if lifetime is None or lifetime > max_token_ttl():
        raise Unauthenticated("token lifetime is longer than the maximum (HAVEN_MAX_TOKEN_TTL)")
    return Caller(sub=str(claims["sub"]), org=claims["org"], scopes=tuple(scopes))


def authorize(caller, scope):
    if scope and not caller.allows(scope):
        raise Forbidden(f"scope {scope!r} is required")
    return caller


def service_token(service_name, scopes, ttl_seconds=3600):
    """A token for a service calling another under its own identity."""
    return issue_token(org="HAVEN", scopes=scopes, ttl_seconds=ttl_seconds, sub=f"service:{service_name}")
