"""Alembic, once for every service: each service keeps its own revisions in ``<package>/migrations``; this module
runs them and gives them the kernel's tables (outbox, inbox) from their one definition in :mod:`.db.tables`."""
import importlib
import os

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from .db.sharing_tables import INSERT_ONLY
from .db.tables import FieldSyncBase, KernelBase, WebSessionBase


def alembic_config(package, url):
    module = importlib.import_module(package)
    script_location = os.path.join(os.path.dirname(module.__file__), "migrations")
    config = Config()
    config.set_main_option("script_location", script_location)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(package, url, revision="head"):
    """Bring ``url``'s schema to ``revision`` with ``package``'s migrations (creating a SQLite file's folder)."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    command.upgrade(alembic_config(package, url), revision)


def run_env(target_metadata, *kernel_metadata):
    """The body of every service's ``migrations/env.py``; ``kernel_metadata``: the optional kernel tables the
    service has (``WebSessionBase.metadata``), besides the outbox and inbox."""
    from alembic import context

    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    metadata = [target_metadata, *kernel_metadata, KernelBase.metadata]
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def _create_tables(op, metadata):
    """DDL through ``op.execute``, so ``alembic upgrade --sql`` prints it too."""
    for table in metadata.sorted_tables:
        op.execute(sa.schema.CreateTable(table))
        for index in sorted(table.indexes, key=lambda index: index.name):
            op.execute(sa.schema.CreateIndex(index))


def _drop_tables(op, metadata):
    """Drop the tables of ``metadata`` that exist (a revision after the first may have dropped some already, as
    :func:`drop_sharing_tables` does)."""
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for table in reversed(metadata.sorted_tables):
        if table.name not in existing:
            continue
        for index in table.indexes:
            op.drop_index(index.name, table_name=table.name)
        op.drop_table(table.name)


def create_kernel_tables(op):
    """Create the kernel's tables (outbox, inbox, RPC inbox, and the data-sharing tables of :mod:`.db.sharing_tables`
    with their insert-only triggers), with their indexes, as :mod:`.db` defines them (call from a service's first
    revision)."""
    _create_tables(op, KernelBase.metadata)
    _insert_only_triggers(op)


def drop_kernel_tables(op):
    """Drop the kernel tables present (one added by a later helper, as ``rpc_requests``, may be gone by then)."""
    _drop_insert_only_triggers(op)
    _drop_tables(op, KernelBase.metadata)


_SHARING_TABLES = ("sharing_agreements", "sharing_log", "access_audit")


def create_sharing_tables(op):
    """Bring a database whose kernel tables were created before data sharing to them: create whichever of
    ``sharing_agreements``, ``sharing_log`` and ``access_audit`` is missing (with its indexes) and, on PostgreSQL,
    the triggers that make the log and the audit insert-only. Finds nothing to do on a database created since.
    Each service calls it from a revision of its own."""
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for table in KernelBase.metadata.sorted_tables:
        if table.name in _SHARING_TABLES and table.name not in existing:
            op.execute(sa.schema.CreateTable(table))
            for index in sorted(table.indexes, key=lambda index: index.name):
                op.execute(sa.schema.CreateIndex(index))
    _insert_only_triggers(op)


def drop_sharing_tables(op):
    """The downgrade of :func:`create_sharing_tables`."""
    _drop_insert_only_triggers(op)
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name in reversed(_SHARING_TABLES):
        if name in existing:
            op.drop_table(name)


_LEVEL_COLUMNS = (("sharing_agreements", "access", "write"), ("sharing_log", "access", None))


def add_sharing_levels(op):
    """Bring the data-sharing tables of a database made before agreements had an access level to them: the
    ``access`` column of ``sharing_agreements`` (the agreements in force stay ``write``: they let the partner change
    the records) and of ``sharing_log``. Finds nothing to do on a database created since. Each service offering
    the agreements calls it from a revision of its own (after its sharing revision)."""
    inspector = sa.inspect(op.get_bind())
    existing = set(inspector.get_table_names())
    for table, column, default in _LEVEL_COLUMNS:
        if table in existing and column not in {c["name"] for c in inspector.get_columns(table)}:
            op.add_column(table, sa.Column(column, sa.String(10), nullable=default is None,
                                           server_default=default))


def drop_sharing_levels(op):
    """The downgrade of :func:`add_sharing_levels`."""
    inspector = sa.inspect(op.get_bind())
    existing = set(inspector.get_table_names())
    for table, column, _ in _LEVEL_COLUMNS:
        if table in existing and column in {c["name"] for c in inspector.get_columns(table)}:
            with op.batch_alter_table(table) as batch:
                batch.drop_column(column)


def _insert_only_triggers(op):
    """On PostgreSQL, a trigger on each insert-only kernel table that refuses UPDATE and DELETE (idempotent)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE OR REPLACE FUNCTION haven_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is insert-only', TG_TABLE_NAME;
        END
        $$""")
    for name in INSERT_ONLY:
        op.execute(f"DROP TRIGGER IF EXISTS {name}_insert_only ON {name}")
        op.execute(f"CREATE TRIGGER {name}_insert_only BEFORE UPDATE OR DELETE ON {name} "
                   "FOR EACH ROW EXECUTE FUNCTION haven_insert_only()")


def _drop_insert_only_triggers(op):
    if op.get_bind().dialect.name != "postgresql":
        return
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name in INSERT_ONLY:
        if name in existing:
            op.execute(f"DROP TRIGGER IF EXISTS {name}_insert_only ON {name}")
    op.execute("DROP FUNCTION IF EXISTS haven_insert_only()")


def create_web_sessions_table(op):
    """Create ``web_sessions`` (``haven_kernel.web.Sessions``) as :mod:`.db.tables` defines it: from a revision of
    a service that signs browsers in (and pass ``WebSessionBase.metadata`` to ``run_env``)."""
    _create_tables(op, WebSessionBase.metadata)


def drop_web_sessions_table(op):
    _drop_tables(op, WebSessionBase.metadata)


def _columns(op, table):
    return {column["name"] for column in sa.inspect(op.get_bind()).get_columns(table)}


def drop_outbox_last_error(op):
    """Drop ``outbox_events.last_error``, which nothing wrote: present in databases whose kernel tables were created
    before it was removed, absent from those created since."""
    if "last_error" in _columns(op, "outbox_events"):
        op.drop_column("outbox_events", "last_error")


def restore_outbox_last_error(op):
    """The downgrade of :func:`drop_outbox_last_error`."""
    if "last_error" not in _columns(op, "outbox_events"):
        op.add_column("outbox_events", sa.Column("last_error", sa.Text()))


def create_replica_table(op, name, spec):
    """Create a replica's table (``haven_kernel.replica``) with the columns :func:`~.replica.replica_model` maps:
    the key, each of ``spec``'s fields (NOT NULL unless optional), ``as_of``."""
    op.create_table(
        name,
        sa.Column(spec.key, spec.key_type, primary_key=True),
        *(sa.Column(field, type_, nullable=field in spec.optional) for field, type_ in spec.fields.items()),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
    )


def make_insert_only(op, table):
    """On PostgreSQL, make ``table`` refuse UPDATE, DELETE and TRUNCATE (a trigger raising ``<table> is
    insert-only``), for a log nobody may edit; nothing elsewhere. :func:`drop_insert_only` undoes it."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""
        CREATE FUNCTION {table}_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{table} is insert-only';
        END
        $$""")
    op.execute(f"CREATE TRIGGER {table}_insert_only BEFORE UPDATE OR DELETE ON {table} "
               f"FOR EACH ROW EXECUTE FUNCTION {table}_insert_only()")
    op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
               f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_insert_only()")


def drop_insert_only(op, table):
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {table}_insert_only() CASCADE")


def create_rpc_requests_table(op):
    """Create ``rpc_requests`` (the RPC inbox, :class:`.db.tables.RpcRequest`) in a database whose kernel tables
    were created before it existed; nothing to do in one created since (``create_kernel_tables`` made it)."""
    if "rpc_requests" in sa.inspect(op.get_bind()).get_table_names():
        return
    table = KernelBase.metadata.tables["rpc_requests"]
    op.execute(sa.schema.CreateTable(table))
    for index in sorted(table.indexes, key=lambda index: index.name):
        op.execute(sa.schema.CreateIndex(index))


def drop_rpc_requests_table(op):
    """The downgrade of :func:`create_rpc_requests_table`."""
    if "rpc_requests" in sa.inspect(op.get_bind()).get_table_names():
        op.drop_index("ix_rpc_requests_created_at", table_name="rpc_requests")
        op.drop_table("rpc_requests")


def create_field_sync_table(op):
    """Create ``field_sync_keys`` (``haven_kernel.fieldsync``, :class:`.db.tables.FieldSyncKey`) from a revision of a
    service that takes offline field sync (and pass ``FieldSyncBase.metadata`` to ``run_env``); nothing to do when
    it exists."""
    if "field_sync_keys" in sa.inspect(op.get_bind()).get_table_names():
        return
    _create_tables(op, FieldSyncBase.metadata)


def drop_field_sync_table(op):
    """The downgrade of :func:`create_field_sync_table`."""
    _drop_tables(op, FieldSyncBase.metadata)


def add_provenance_columns(op, table, place_column="place"):
    """A record's field provenance (``haven_kernel.fieldsync.ProvenanceSchema``: when and where it was collected, by
    which enumerator and device) as nullable columns of ``table``; ``place_column`` names the place's column."""
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column("collected_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column(place_column, sa.JSON(), nullable=True))
        batch.add_column(sa.Column("enumerator_id", sa.String(100), nullable=True))
        batch.add_column(sa.Column("device_id", sa.String(100), nullable=True))


def drop_provenance_columns(op, table, place_column="place"):
    """The downgrade of :func:`add_provenance_columns`."""
    with op.batch_alter_table(table) as batch:
        for column in ("device_id", "enumerator_id", place_column, "collected_at"):
            batch.drop_column(column)
