"""Which failures are the infrastructure's, not the work's: the database unreachable, a connection that died, a
lock or statement timeout, a deadlock. Such a failure says nothing about the request or the event being applied:
the same work succeeds once the database answers again. The kernel retries it (an event's consumer pauses, see
:mod:`haven_kernel.messaging.batching`) and tells an RPC caller ``ServiceUnavailable``, never dead-letters it nor
calls it an internal error.
"""
from sqlalchemy import exc as sa_exc

_TRANSIENT = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError)
_DRIVER_TRANSIENT = {"OperationalError", "InterfaceError"}  # psycopg2's, raised outside SQLAlchemy (rare)


def is_transient(error):
    """True for a database failure that is not the work's own fault (see the module's docstring)."""
    if isinstance(error, _TRANSIENT):
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    kind = type(error)
    return kind.__module__.split(".")[0] in ("psycopg2", "sqlite3") and kind.__name__ in _DRIVER_TRANSIENT
