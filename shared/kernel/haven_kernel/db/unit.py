"""The unit of work: what a service method sees as ``self.db``, for one transaction at a time.

* ``session``: a SQLAlchemy session, opened on first use;
* ``caller``, ``correlation_id``, ``origin_org``, ``context()``: who the work is for (see :mod:`..context`);
* ``emit(event_type, data, context=None)``: an event written to the outbox in this transaction;
* ``state(cls)``: what this transaction keeps beyond its rows (one instance of ``cls`` per transaction), with an
  optional ``before_commit(unit)`` hook that writes what it gathered;
* ``savepoint()``: a block undone, rows and events, if it raises;
* ``claim(keys)``: the inbox, checked and claimed in one statement;
* ``commit()`` / ``rollback()``: the Haven entrypoints call them, never a service.
"""
import contextlib
from functools import wraps

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from .. import dialect
from ..auth import Caller
from ..clock import utcnow
from ..context import CALLER_CONTEXT_KEY, METHOD_CONTEXT_KEY, EventContext, event_context_of
from ..logs import set_correlation_id
from .tables import OutboxEvent, ProcessedEvent


class TransactionState:
    """What a transaction keeps beyond its rows (``unit.state(cls)``): one instance per transaction, dropped when it
    commits or rolls back. A batch of events is one transaction, so a state is how a service gathers what the
    batch's events change (read once, written once). Subclassing is optional; a state needs only ``before_commit``
    when it has something to write."""

    def before_commit(self, unit):
        """Called once, just before the transaction commits, after the handlers or the RPC method ran: write what
        was gathered (through ``unit.session``, or ``unit.emit``). An exception rolls the transaction back."""


class UnitOfWork:
    def __init__(self, session_factory, service_name, context_data, catalogue, on_commit=None):
        self._session_factory = session_factory
        self._session = None
        self.service_name = service_name
        self.catalogue = catalogue
        self._on_commit = on_commit
        self._outbox = []  # rows emitted in this transaction, written together just before it commits
        self._states = {}  # {class: instance} kept for this transaction (state())
        self.use_context(context_data)

    def use_context(self, context_data):
        """Work on behalf of ``context_data`` from now on (a worker's; the kernel's batch worker switches to each
        event's own in turn). Services do not call this: they pass a kept ``context()`` to ``emit``."""
        self._context_data = context_data or {}
        self._event_context = None

    @property
    def session(self):
        if self._session is None:
            self._session = self._session_factory()
        return self._session

    def context_value(self, key, default=None):
        """A value of the worker's context data, as its entrypoint handed it over (e.g. the RPC inbox's request)."""
        return self._context_data.get(key, default)

    @property
    def caller(self) -> Caller | None:
        return Caller.from_context(self._context_data.get(CALLER_CONTEXT_KEY))

    @property
    def correlation_id(self):
        return self._context_data.get("correlation_id")

    @property
    def method(self):
        """The RPC method this work runs for (None for an event)."""
        return self._context_data.get(METHOD_CONTEXT_KEY)

    @property
    def origin_org(self):
        return self.context().origin_org

    def context(self) -> EventContext:
        """The correlation id and origin organisation the events emitted now carry (immutable: keep it to emit
        under it later)."""
        if self._event_context is None:
            self._event_context = event_context_of(self._context_data)
        return self._event_context

    # -- events ----------------------------------------------------------------------------------------------------
    def emit(self, event_type, data, context=None):
        """Write an event to the outbox in this transaction, under ``context`` (default: :meth:`context`). Data that
        does not match the catalogue is refused.

        The rows of a transaction are inserted together, in the order they were emitted, as it commits (one
        statement for a whole batch of events); :meth:`savepoint` forgets those emitted inside a rolled-back one."""
        context = context or self.context()
        envelope = self.catalogue.envelope(self.service_name, event_type, data, correlation_id=context.correlation_id)
        self._outbox.append({"event_id": envelope["event_id"], "event_type": event_type, "envelope": envelope,
                             "origin_org": context.origin_org, "created_at": utcnow(), "attempts": 0})
        return envelope

    # -- what the transaction keeps ----------------------------------------------------------------------------------
    def state(self, cls, *args, **kwargs):
        """This transaction's instance of ``cls``, made with ``cls(*args, **kwargs)`` the first time it is asked
        for; the arguments of later calls are not used. Dropped when the transaction commits or rolls back, or when
        the savepoint it was made in rolls back. Its ``before_commit(unit)``, if any, runs once just before the
        commit (states in the order they were made; see :class:`TransactionState`)."""
        found = self._states.get(cls)
        if found is None:
            found = self._states[cls] = cls(*args, **kwargs)
        return found

    @contextlib.contextmanager
    def savepoint(self):
        """A SAVEPOINT: what the block changes, events it emits included, is undone if it raises (and re-raised)."""
        emitted, states = len(self._outbox), set(self._states)
        nested = self.session.begin_nested()
        try:
            yield
            nested.commit()  # inside: a row that conflicts only when flushed here undoes the block too
        except BaseException:
            nested.rollback()  # also after a failed flush, which leaves it inactive but not yet rolled back
            del self._outbox[emitted:]
            for cls in set(self._states) - states:
                del self._states[cls]
            raise

    # -- the inbox -------------------------------------------------------------------------------------------------
    def claim(self, keys):
        """Inbox check-and-claim for ``(event_id, handler)`` pairs, in one statement (a batch of events): returns
        the pairs claimed now; the others have been applied before, or appear twice in ``keys``."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return set()
        session = self.session
        if not dialect.has_on_conflict(session):
            return {key for key in keys if self._claim_one(*key)}
        now = utcnow()
        table = ProcessedEvent.__table__
        # One statement compiled once and cached (executemany: SQLAlchemy sends the rows as multi-row VALUES).
        claim = (dialect.insert_or_ignore(session, table, ["event_id", "handler"])
                 .returning(table.c.event_id, table.c.handler))
        rows = session.execute(claim, [{"event_id": e, "handler": h, "processed_at": now} for e, h in keys])
        return {(row.event_id, row.handler) for row in rows}

    def _claim_one(self, event_id, handler):
        """Without INSERT ... ON CONFLICT: look, then insert (a concurrent claim fails the flush)."""
        session = self.session
        if session.get(ProcessedEvent, (event_id, handler)) is not None:
            return False
        session.add(ProcessedEvent(event_id=event_id, handler=handler, processed_at=utcnow()))
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return False
        return True

    # -- the end of a transaction ------------------------------------------------------------------------------------
    def commit(self):
        if self._session is None and not self._outbox and not self._states:
            self._forget()
            return
        self._before_commit()
        if self._outbox:
            self.session.execute(insert(OutboxEvent.__table__), self._outbox)
        self.session.commit()
        if self._outbox and self._on_commit:
            self._on_commit()
        self._forget()

    def _before_commit(self):
        """Each state's ``before_commit``, once, in the order the states were made (one made by a hook included)."""
        ran = 0
        while ran < len(self._states):
            state = list(self._states.values())[ran]
            ran += 1
            hook = getattr(state, "before_commit", None)
            if hook is not None:
                hook(self)

    def rollback(self):
        if self._session is not None:
            self._session.rollback()
        self._forget()

    def _forget(self):
        """What lived for one transaction only: the events emitted and the states kept."""
        self._outbox = []
        self._states = {}

    def close(self):
        if self._session is not None:
            self._session.close()
            self._session = None


def plain_rows(session, query):
    """The rows of a query of columns, in the session's transaction but without the ORM's row handling: for the
    reads of thousands of rows a report makes (a quarter of the cost for 3,000 rows of three columns). Rows are plain
    ``Row`` tuples (``row.column`` works); never ORM objects."""
    return session.connection().execute(query)


def in_unit_of_work(fn):
    """A ``HavenService`` method run in its unit of work (``self.db``): committed when it returns, rolled back if it
    raises (the ``@rpc`` and ``@http`` entrypoints wrap every method with it)."""

    @wraps(fn)
    def call(self, *args, **kwargs):
        unit = self.db
        set_correlation_id(unit.correlation_id)
        try:
            result = fn(self, *args, **kwargs)
            unit.commit()
            return result
        except BaseException:
            unit.rollback()
            raise

    return call
