"""Alembic, once for every service: each service keeps its own revisions in ``<package>/migrations``; this module
runs them and gives them the kernel's tables (outbox, inbox) so no service writes that DDL again."""
import importlib
import os

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from .db import BigId, KernelBase


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


def run_env(target_metadata):
    """The body of every service's ``migrations/env.py``."""
    from alembic import context

    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    metadata = [target_metadata, KernelBase.metadata]
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


def create_kernel_tables(op):
    """Create the outbox and inbox tables (call from a service's first revision)."""
    op.create_table(
        "outbox_events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("envelope", sa.JSON(), nullable=False),
        sa.Column("origin_org", sa.String(50)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text()),
        sa.UniqueConstraint("event_id", name="uq_outbox_events_event_id"),
    )
    op.create_index("ix_outbox_events_unsent", "outbox_events", ["id"],
                    postgresql_where=sa.text("published_at IS NULL"), sqlite_where=sa.text("published_at IS NULL"))
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("handler", sa.String(200), primary_key=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )


def drop_kernel_tables(op):
    op.drop_table("processed_events")
    op.drop_index("ix_outbox_events_unsent", table_name="outbox_events")
    op.drop_table("outbox_events")
