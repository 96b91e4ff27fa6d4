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


def test_on_conflict_statements_are_compiled_once_and_each_execution_keeps_its_own_values():
    """SQLAlchemy 2.0 compiles its dialects' ON CONFLICT statements at every execution; the kernel's have a cache
    key (the inbox claim of every event batch, every projection's upsert): the second execution of a shape is a
    cache hit, and what varies between executions (rows, literal SET values) is still each one's own."""
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as connection:
        hits = []
        for key, value in (("a", 1), ("b", 2), ("a", 3)):
            result = connection.execute(dialect.insert_or_ignore(connection, counters, ["key"]),
                                        [{"key": key, "value": value, "label": None}])
            hits.append(result.context.cache_hit)
        for label in ("first", "second"):  # a literal in SET: bound, not baked into the cached SQL
            result = connection.execute(dialect.upsert(connection, counters, ["key"], {"label": label}),
                                        [{"key": "a", "value": 0, "label": None}])
            hits.append(result.context.cache_hit)
        rows = connection.execute(sa.select(counters).order_by(counters.c.key)).all()
    assert [tuple(row) for row in rows] == [("a", 1, "second"), ("b", 2, None)]
    assert [hit.name for hit in hits] == ["CACHE_MISS", "CACHE_HIT", "CACHE_HIT", "CACHE_MISS", "CACHE_HIT"]


@pytest.mark.parametrize("name", ["postgresql", "sqlite"])
def test_on_conflict_cache_keys_tell_apart_what_changes_the_sql(name):
    bind = _Bind(name)

    def key(statement):
        found = statement._generate_cache_key()
        assert found is not None, "cacheable"
        return found

    ignore = key(dialect.insert_or_ignore(bind, counters, ["key"]))
    assert ignore == key(dialect.insert_or_ignore(bind, counters, ["key"])), "same shape, same key"
    assert ignore != key(dialect.insert_or_ignore(bind, counters, ["label"])), "another conflict target"
    assert ignore != key(dialect.insert_or_ignore(bind, counters, ["key"]).returning(counters.c.key))
    value = key(dialect.upsert(bind, counters, ["key"], {"label": "x"}))
    assert value == key(dialect.upsert(bind, counters, ["key"], {"label": "y"})), "a literal is a parameter"
    assert value != key(dialect.upsert(bind, counters, ["key"], {"value": 1})), "another column set"
    assert value != key(dialect.upsert_columns(bind, counters, ["key"], ["label"])), "excluded, not a literal"
    guarded = dialect.insert(bind, counters)
    guarded = guarded.on_conflict_do_update(index_elements=["key"], where=counters.c.value < guarded.excluded.value,
                                            set_={"value": guarded.excluded.value})
    assert key(guarded) != key(dialect.upsert(bind, counters, ["key"], lambda excluded: {"value": excluded.value}))
    if name == "postgresql":  # the SQL is SQLAlchemy's own, word for word
        stock = postgresql.insert(counters).on_conflict_do_update(index_elements=["key"], set_={"label": "x"})
        assert (str(dialect.upsert(bind, counters, ["key"], {"label": "x"}).compile(dialect=postgresql.dialect()))
                == str(stock.compile(dialect=postgresql.dialect())))


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
