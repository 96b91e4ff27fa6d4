"""Browser sessions for a service's pages: a signed-in browser holds a random session id in an HttpOnly,
SameSite=Strict cookie (Secure when the request came over https, directly or through a trusted proxy); the service
keeps the session in its database (``web_sessions``, so every replica knows it), never the bearer token.

* **Sign-in** (``sign_in``): the pasted token is verified and must carry the page's scope; the session takes its
  caller (sub, org, scopes) and ends at the token's expiry or after ``HTTP_SESSION_MAX_SECONDS`` (default 8 h),
  whichever comes first. The form is protected by a signed double-submit token (``signin_token`` /
  ``offer_signin``: the same random value in a cookie and in the form, signed with a key derived from the
  platform secret), besides the entrypoint's refusal of cross-site posts (``Origin``, ``Sec-Fetch-Site``).
* **Use** (``resume``, by the ``@http(..., session=True)`` entrypoint): a session idle for
  ``HTTP_SESSION_IDLE_SECONDS`` (default 30 min) has ended; each use moves that on, never past its end. An unsafe
  request must carry the session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``).
* **Sign-out** (``sign_out``): the session's CSRF token is required; the row is deleted, so the cookie is dead on
  every replica.

A service that signs browsers in declares ``sessions = Sessions()``, creates the table from a revision of its own
(``haven_kernel.migrations.create_web_sessions_table``) and passes ``WebSessionBase.metadata`` to ``run_env``.
"""
import hashlib
import hmac
import math
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import jwt
from nameko.extensions import DependencyProvider
from sqlalchemy import delete

from ..auth import Caller, auth_secret, authorize, verify_token
from ..clock import aware, utcnow
from ..db import Database, WebSession
from ..errors import Forbidden, Unauthenticated
from .requests import WebSettings, seconds
from .responses import redirect

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
RENEW_AFTER = timedelta(seconds=60)  # a session used again within a minute is not written again
SIGNIN_COOKIE_SECONDS = 3600
MAX_CLAIM_LENGTH = 255


def _digest(value):
    return hashlib.sha256(value.encode()).hexdigest()


def _same(given, expected):
    return hmac.compare_digest(given.encode(), expected.encode())


@dataclass(frozen=True)
class Session:
    """A live browser session: ``request.haven.session`` on a route that accepted it."""

    key: str            # the row's id: the SHA-256 of the cookie's value
    caller: Caller
    csrf_token: str     # what the session's forms send back (``csrf_token``)
    ends_at: datetime


class Sessions(DependencyProvider):
    def setup(self):
        config = self.container.config
        service = self.container.service_name
        self.idle = timedelta(seconds=seconds(config, "HTTP_SESSION_IDLE_SECONDS", 1800))
        self.maximum = timedelta(seconds=seconds(config, "HTTP_SESSION_MAX_SECONDS", 8 * 3600))
        self.settings = WebSettings.from_config(config)
        self.cookie = f"haven_{service}_session"
        self.signin_cookie = f"haven_{service}_signin"
        self.database = Database.of(self.container)
        self._key = hmac.new(auth_secret().encode(), f"haven web sign-in {service}".encode(), hashlib.sha256).digest()

    def get_dependency(self, worker_ctx):
        return self

    @classmethod
    def of(cls, container):
        """The Sessions of a service container, or None when it keeps none."""
        return next((dependency for dependency in container.dependencies if isinstance(dependency, cls)), None)

    @contextmanager
    def _transaction(self):
        with self.database.session_factory() as db, db.begin():
            yield db

    # -- a request that comes with a session cookie ----------------------------------------------------------------
    def resume(self, request, context):
        """The live session of the request's cookie, renewed for ``HTTP_SESSION_IDLE_SECONDS``; Unauthenticated
        otherwise (a cookie that names no live session is marked to be cleared in the answer)."""
        value = request.cookies.get(self.cookie)
        if not value:
            raise Unauthenticated("not signed in: sign in, or send the header 'Authorization: Bearer <token>'")
        now = utcnow()
        with self._transaction() as db:
            row = db.get(WebSession, _digest(value))
            live = row is not None and aware(row.expires_at) > now and aware(row.ends_at) > now
            if live:
                renewed = min(now + self.idle, aware(row.ends_at))
                if renewed - aware(row.expires_at) > RENEW_AFTER:
                    row.expires_at, row.last_seen_at = renewed, now
                session = Session(row.id, Caller(row.sub, row.org, tuple(row.scopes)), row.csrf_token,
                                  aware(row.ends_at))
            elif row is not None:
                db.delete(row)
        if not live:
            context.stale_cookie = True
            raise Unauthenticated("your session ended: sign in again")
        return session

    def check_csrf(self, request, session):
        given = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
        if not _same(given, session.csrf_token):
            raise Forbidden("the form's CSRF token is missing or wrong: reload the page and try again")

    def clear_cookie(self, response, context):
        response.delete_cookie(self.cookie, path="/", httponly=True, samesite="Strict", secure=context.https)

    # -- the sign-in form ------------------------------------------------------------------------------------------
    def _sign(self, nonce):
        return f"{nonce}.{hmac.new(self._key, nonce.encode(), hashlib.sha256).hexdigest()}"

    def _signed(self, token):
        nonce = token.rpartition(".")[0]
        return bool(nonce) and _same(token, self._sign(nonce))

    def signin_token(self, request):
        """The CSRF token for a sign-in form: the browser's own (its sign-in cookie) when it has a valid one."""
        current = request.cookies.get(self.signin_cookie, "")
        return current if self._signed(current) else self._sign(secrets.token_urlsafe(24))

    def offer_signin(self, request, response, token):
        """Set the cookie that goes with the form's ``token`` (the double submit)."""
        response.set_cookie(self.signin_cookie, token, max_age=SIGNIN_COOKIE_SECONDS, path="/", httponly=True,
                            samesite="Strict", secure=request.haven.https)
        return response

    def sign_in(self, request, token, scope, then="/"):
        """POST of the sign-in form: check its CSRF token and the pasted ``token`` (which must carry ``scope``), open
        a session and redirect to ``then`` with its cookie. Forbidden or Unauthenticated otherwise."""
        given = request.form.get(CSRF_FIELD, "")
        cookie = request.cookies.get(self.signin_cookie, "")
        if not (given and self._signed(cookie) and _same(given, cookie)):
            raise Forbidden("the sign-in form expired or came from elsewhere: open it again")
        token = (token or "").strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            raise Unauthenticated("paste a token")
        caller = authorize(verify_token("Bearer " + token), scope)
        if len(caller.sub) > MAX_CLAIM_LENGTH or len(caller.org) > MAX_CLAIM_LENGTH:
            raise Unauthenticated("token claims are malformed")
        expires = jwt.decode(token, options={"verify_signature": False})["exp"]  # verified just above
        now = utcnow()
        ends_at = min(now + self.maximum, datetime.fromtimestamp(expires, timezone.utc))
        session_id = secrets.token_urlsafe(32)
        with self._transaction() as db:
            db.execute(delete(WebSession).where(WebSession.expires_at <= now))
            db.add(WebSession(id=_digest(session_id), sub=caller.sub, org=caller.org, scopes=list(caller.scopes),
                              csrf_token=secrets.token_urlsafe(32), created_at=now, last_seen_at=now,
                              expires_at=min(now + self.idle, ends_at), ends_at=ends_at))
        response = redirect(then)
        response.set_cookie(self.cookie, session_id, max_age=max(1, math.floor((ends_at - now).total_seconds())),
                            path="/", httponly=True, samesite="Strict", secure=request.haven.https)
        response.delete_cookie(self.signin_cookie, path="/", httponly=True, samesite="Strict",
                               secure=request.haven.https)
        return response

    def sign_out(self, request, then="/"):
        """POST of a sign-out form: end the session (its CSRF token required) and clear the cookie."""
        value = request.cookies.get(self.cookie)
        if value:
            now = utcnow()
            with self._transaction() as db:
                row = db.get(WebSession, _digest(value))
                if row is not None and aware(row.expires_at) > now and aware(row.ends_at) > now:
                    self.check_csrf(request, Session(row.id, None, row.csrf_token, aware(row.ends_at)))
                if row is not None:
                    db.delete(row)
        response = redirect(then)
        self.clear_cookie(response, request.haven)
        return response
