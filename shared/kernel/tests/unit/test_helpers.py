"""The clock, the dialect helpers and the not-in-the-future validator, without a server (SQLite in memory, and
PostgreSQL's SQL as compiled text)."""
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from marshmallow import Schema, ValidationError as MarshmallowError, fields
from sqlalchemy.dialects import postgresql

from haven_kernel import dialect
from haven_kernel.clock import aware, iso, utcnow
from haven_kernel.validation import not_in_future

metadata = sa.MetaData()
counters = sa.Table("counters", metadata, sa.Column("key", sa.String, primary_key=True),
                    sa.Column("value", sa.Integer), sa.Column("label", sa.String))


def test_clock_is_utc_and_reads_naive_values_as_utc():
    assert utcnow().tzinfo is timezone.utc
    naive = datetime(2026, 11, 28, 9, 30)
    assert aware(naive) == datetime(2026, 11, 28, 9, 30, tzinfo=timezone.utc) and aware(None) is None
    plus_two = datetime(2026, 11, 28, 11, 30, tzinfo=timezone(timedelta(hours=2)))
    assert iso(plus_two) == iso(naive) == "2026-11-28T09:30:00+00:00"
    assert iso(date(2026, 11, 28)) == "2026-11-28" and iso(None) is None


def test_insert_or_ignore_and_upsert_on_sqlite():
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as connection:
        ignore = dialect.insert_or_ignore(connection, counters, ["key"])
        connection.execute(ignore, [{"key": "a", "value": 1, "label": "first"}])
        connection.execute(ignore, [{"key": "a", "value": 9, "label": "second"}])
        add = dialect.upsert(connection, counters, ["key"],
                             lambda excluded: {"value": counters.c.value + excluded.value})
        connection.execute(add, [{"key": "a", "value": 2, "label": None}, {"key": "b", "value": 5, "label": None}])
        relabel = dialect.upsert_columns(connection, counters, ["key"], ["key", "label"])
        connection.execute(relabel, [{"key": "b", "label": "renamed", "value": 0}])
        rows = connection.execute(sa.select(counters).order_by(counters.c.key)).all()
    assert [tuple(row) for row in rows] == [("a", 3, "first"), ("b", 5, "renamed")]
    assert dialect.has_on_conflict(engine)


def test_for_update_only_where_the_dialect_has_row_locks():
    query = sa.select(counters)
    assert dialect.for_update(sa.create_engine("sqlite://"), query) is query
    locked = dialect.for_update(_Bind("postgresql"), query, skip_locked=True)
    assert "FOR UPDATE SKIP LOCKED" in str(locked.compile(dialect=postgresql.dialect()))


class _Bind:
    """A stand-in bind of a given dialect: the helpers read only ``.dialect.name``."""

    def __init__(self, name):
        self.dialect = type("Dialect", (), {"name": name})()


def test_not_in_future():
    class Dated(Schema):
        day = fields.Date(validate=not_in_future)

    assert Dated().load({"day": date.today().isoformat()}) == {"day": date.today()}
    with pytest.raises(MarshmallowError, match="Must not be in the future"):
        Dated().load({"day": (date.today() + timedelta(days=1)).isoformat()})
