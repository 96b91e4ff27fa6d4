"""Registration's revisions on PostgreSQL go down and up again: the field-sync revision (fieldsync_0001) adds and
removes the provenance columns and the kernel's field_sync_keys table; the data-sharing revision (0003, after needs_0001)
removes and brings back the kernel's sharing tables, down to nothing and up again, and the access audit stays
insert-only."""
import pytest
import sqlalchemy as sa
from alembic import command

from haven_kernel.migrations import alembic_config


def tables(url):
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def columns(url, table):
    engine = sa.create_engine(url)
    try:
        return {column["name"] for column in sa.inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def test_the_revisions_go_down_and_up_again(database_url):
    url = database_url("haven_registration", migrate=False)
    config = alembic_config("haven_registration", url)
    command.upgrade(config, "head")
    assert {"sharing_agreements", "sharing_log", "access_audit", "households", "field_sync_keys"} <= tables(url)
    command.downgrade(config, "faults_0001")  # before offline field sync: no keys, no provenance columns
    assert "field_sync_keys" not in tables(url)
    assert "collected_at" not in columns(url, "households")
    command.upgrade(config, "head")
    assert "collected_at" in columns(url, "households") and "field_sync_keys" in tables(url)
    command.downgrade(config, "needs_0001")
    assert not {"sharing_agreements", "sharing_log", "access_audit"} & tables(url)
    command.upgrade(config, "head")  # a database from before data sharing, brought to it
    command.downgrade(config, "base")
    assert tables(url) <= {"alembic_version"}
    command.upgrade(config, "head")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO access_audit (at, sub, org, scope, record_kind, record_id, owner_org) "
                "VALUES (now(), 'nrc-lead', 'NRC', 'registration:lead', 'household', '1', 'IOM')")
        with pytest.raises(sa.exc.DBAPIError, match="insert-only"), engine.begin() as connection:
            connection.exec_driver_sql("UPDATE access_audit SET org = 'IOM'")
    finally:
        engine.dispose()
