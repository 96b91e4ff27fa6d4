"""Persistence: one database per service, a unit of work per worker, and the kernel's own tables.

* :mod:`.tables`: the outbox, inbox and RPC inbox tables, the browser sessions' and the field-sync keys' (one
  definition, used by the
  migrations), ``metadata()``, ``BigId``; :mod:`.sharing_tables`: the data-sharing agreements, their log and the
  lead's audit;
* :mod:`.engine`: engines (eventlet-cooperative PostgreSQL, SQLite for a laptop);
* :mod:`.unit`: :class:`UnitOfWork` (``self.db``), :class:`TransactionState`, and :func:`plain_rows` (a
  report's large reads without the ORM's row handling);
* :mod:`.provider`: :class:`Database`, the nameko dependency provider.

The Haven entrypoints commit the unit of work *before* nameko replies or acknowledges, so a partner never sees
success for a change that was not committed.
"""
from .engine import default_database_url, make_engine
from .provider import Database
from .sharing_tables import AccessAudit, SharingAgreement, SharingLogEntry
from .tables import (NAMING_CONVENTION, BigId, FieldSyncBase, FieldSyncKey, KernelBase, OutboxEvent, ProcessedEvent, RpcRequest, WebSession,
                     WebSessionBase, metadata)
from .unit import TransactionState, UnitOfWork, in_unit_of_work, plain_rows

__all__ = ["AccessAudit", "SharingAgreement", "SharingLogEntry", "BigId", "Database", "FieldSyncBase", "FieldSyncKey", "KernelBase", "NAMING_CONVENTION",
           "OutboxEvent", "ProcessedEvent", "RpcRequest",
           "TransactionState", "UnitOfWork", "WebSession", "WebSessionBase", "default_database_url",
           "in_unit_of_work", "make_engine", "metadata", "plain_rows"]
