"""Alembic, once for every service: each service keeps its own revisions in ``<package>/migrations``; this module
runs them and gives them the kernel's tables (outbox, inbox) from their one definition in :mod:`.db.tables`."""
import importlib
import os

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from .db.tables import KernelBase, WebSessionBase


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
    for table in reversed(metadata.sorted_tables):
        for index in table.indexes:
            op.drop_index(index.name, table_name=table.name)
        op.drop_table(table.name)


def create_kernel_tables(op):
    """Create the outbox, inbox and RPC inbox tables, with their indexes, as :mod:`.db.tables` defines them (call from a
    service's first revision)."""
    _create_tables(op, KernelBase.metadata)


def drop_kernel_tables(op):
    """The kernel tables present (one added by a later helper, as ``rpc_requests``, is gone by then)."""
    present = set(sa.inspect(op.get_bind()).get_table_names())
    for table in reversed(KernelBase.metadata.sorted_tables):
        if table.name in present:
            for index in table.indexes:
                op.drop_index(index.name, table_name=table.name)
            op.drop_table(table.name)


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
