"""Engines: one per service container, cooperative with eventlet on PostgreSQL, checking a pooled connection only
after it sat idle; SQLite with foreign keys and WAL for ``make run`` on a laptop."""
import os
import threading
import time

from sqlalchemy import create_engine, event
from sqlalchemy.exc import DisconnectionError

_psycopg_patched = False
_patch_lock = threading.Lock()


def _cooperative_postgres():
    """psycopg2 blocks the eventlet hub unless patched; patch once per process, only when eventlet is in use."""
    global _psycopg_patched
    with _patch_lock:
        if _psycopg_patched:
            return
        import eventlet.patcher
        if eventlet.patcher.is_monkey_patched("socket"):
            from psycogreen.eventlet import patch_psycopg
            patch_psycopg()
        _psycopg_patched = True


def default_database_url(service_name):
    root = os.environ.get("HAVEN_VAR_DIR", os.path.join(os.getcwd(), "var"))
    return f"sqlite:///{os.path.join(root, service_name + '.db')}"


def postgres_timeouts(connect_timeout=5.0, tcp_user_timeout=15.0):
    """libpq connection arguments that bound how long a dead or black-holed database can hold a caller: a connection
    attempt gives up after ``connect_timeout`` seconds; an established connection whose sent data stays
    unacknowledged ``tcp_user_timeout`` seconds, or whose peer stops answering keepalives, is closed (so a query
    waiting on a partitioned server fails with OperationalError instead of hanging until the partition ends)."""
    return {"connect_timeout": max(1, int(connect_timeout)), "keepalives": 1, "keepalives_idle": 5,
            "keepalives_interval": 2, "keepalives_count": 3, "tcp_user_timeout": int(tcp_user_timeout * 1000)}


SQLITE_LOCK_WAIT_SECONDS = 0.2


def make_engine(url, pool_size=10, ping_after_idle=1.0, connect_args=None):
    if url.startswith("postgresql"):
        _cooperative_postgres()
        engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800,
                               connect_args=postgres_timeouts() if connect_args is None else connect_args)
        _ping_after_idle(engine, ping_after_idle)
        return engine
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        # SQLite waits for another writer's lock inside its C library, which blocks the eventlet hub: the green
        # thread holding the lock cannot run on to its commit, so the wait can only end in 'database is locked'.
        # With 30 s a bulk call that yields mid-transaction froze its whole service for 30 s (make demo's RPC
        # timed out); with a short wait the blocked side fails at once and is retried (a consumer pauses and picks
        # the event up again; a partner gets ServiceUnavailable), and the holder commits.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_LOCK_WAIT_SECONDS})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()
        return engine
    return create_engine(url, pool_pre_ping=True)


def _ping_after_idle(engine, seconds):
    """Check a pooled connection before use only when it has been idle ``seconds`` or more (SQLAlchemy's
    ``pool_pre_ping`` would ping before every transaction: one more round trip for each call and each event). A
    dead connection is replaced before the caller sees it; a connection in steady use needs no ping, and one that
    breaks mid-use makes SQLAlchemy recycle the whole pool."""

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection, record):
        record.info["haven_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, proxy):
        idle_since = record.info.pop("haven_idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < seconds:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError("pooled connection is gone") from exc
        if not alive:
            raise DisconnectionError("pooled connection is gone")

