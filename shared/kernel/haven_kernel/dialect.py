"""What differs between the databases a service may run on (PostgreSQL in production and tests, SQLite under
``make run`` by default), in one place, so that no service checks ``dialect.name`` itself.

* :func:`insert`: the dialect's INSERT, which has ``on_conflict_do_nothing`` / ``on_conflict_do_update``
  (``INSERT ... ON CONFLICT``) on both PostgreSQL and SQLite; :func:`insert_or_ignore` and :func:`upsert` build the
  two usual statements with it. :func:`has_on_conflict` says whether the dialect has it at all.
* :func:`for_update`: ``SELECT ... FOR UPDATE`` (row locks) where the dialect has row locks, the plain query where
  it does not (SQLite locks the whole database for a writing transaction).

Each takes what is at hand to find the dialect: a Session, a Connection or an Engine.

**Compiled once.** SQLAlchemy 2.0 gives its dialects' ``INSERT ... ON CONFLICT`` no cache key, so every execution
compiled the statement again (about 0.35 ms of CPU each: the inbox claim of every event batch, every projection's
upsert). The statements :func:`insert` returns carry one, built the way SQLAlchemy 2.1 does it (the conflict target,
the ``SET`` values with literals made bound parameters, the ``WHERE``s): compiled once per shape and process, then
taken from the engine's statement cache with each execution's own values.
"""
from sqlalchemy.dialects.postgresql import dml as postgresql_dml
from sqlalchemy.dialects.sqlite import dml as sqlite_dml
from sqlalchemy.sql import coercions, roles
from sqlalchemy.sql.sqltypes import NULLTYPE
from sqlalchemy.sql.visitors import InternalTraversal


def _cacheable_insert(name, dml, target_internals):
    """``dml.Insert`` whose ``on_conflict_do_nothing`` / ``on_conflict_do_update`` clauses have a cache key."""
    target = [("inferred_target_elements", InternalTraversal.dp_multi_list),
              ("inferred_target_whereclause", InternalTraversal.dp_clauseelement)] + target_internals

    class DoNothing(dml.OnConflictDoNothing):
        inherit_cache = False
        _traverse_internals = target

    class DoUpdate(dml.OnConflictDoUpdate):
        inherit_cache = False
        _traverse_internals = target + [("update_values_to_set", InternalTraversal.dp_dml_values),
                                        ("update_whereclause", InternalTraversal.dp_clauseelement)]

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # A literal becomes a bound parameter now, not at compile time, so the cached SQL takes each
            # statement's own value (the compiler gives a typeless one the column's type).
            self.update_values_to_set = {
                key: coercions.expect(roles.ExpressionElementRole, value, type_=NULLTYPE, is_crud=True)
                for key, value in self.update_values_to_set}

    class Insert(dml.Insert):
        inherit_cache = True  # the standard INSERT's traversal, whose ON CONFLICT clause now has a key

        def on_conflict_do_nothing(self, *args, **kwargs):
            statement = super().on_conflict_do_nothing(*args, **kwargs)  # a copy, checked as SQLAlchemy does
            statement._post_values_clause = DoNothing(*args, **kwargs)
            return statement

        def on_conflict_do_update(self, *args, **kwargs):
            statement = super().on_conflict_do_update(*args, **kwargs)
            statement._post_values_clause = DoUpdate(*args, **kwargs)
            return statement

    Insert.__name__ = Insert.__qualname__ = name
    return Insert


_PostgresInsert = _cacheable_insert("PostgresInsert", postgresql_dml, [("constraint_target", InternalTraversal.dp_string)])
_SqliteInsert = _cacheable_insert("SqliteInsert", sqlite_dml, [])
_INSERTS = {"postgresql": _PostgresInsert, "sqlite": _SqliteInsert}
_ROW_LOCKS = frozenset({"postgresql"})


def dialect_name(bind):
    """The dialect name of a Session, Connection or Engine."""
    dialect = getattr(bind, "dialect", None)  # a Connection's or an Engine's
    if dialect is None:
        dialect = (bind.bind or bind.get_bind()).dialect  # a Session's
    return dialect.name


def has_on_conflict(bind):
    return dialect_name(bind) in _INSERTS


def insert(bind, table):
    """The dialect's INSERT on ``table`` (a Table or a mapped class), with ``on_conflict_*``. Core statements:
    they skip the ORM's bulk-insert path, which cost a quarter of a projection's CPU per event (bench)."""
    name = dialect_name(bind)
    try:
        make = _INSERTS[name]
    except KeyError:
        raise NotImplementedError(f"INSERT ... ON CONFLICT is not available on {name}") from None
    return make(getattr(table, "__table__", table))


def insert_or_ignore(bind, table, index_elements):
    """INSERT that skips rows whose ``index_elements`` (a unique key) are taken."""
    return insert(bind, table).on_conflict_do_nothing(index_elements=list(index_elements))


def upsert(bind, table, index_elements, set_):
    """INSERT that updates the row whose ``index_elements`` (a unique key) are taken. ``set_``: ``{column: value}``,
    or a function of the statement's ``excluded`` (the row that was refused) returning one."""
    statement = insert(bind, table)
    if callable(set_):
        set_ = set_(statement.excluded)
    return statement.on_conflict_do_update(index_elements=list(index_elements), set_=set_)


def upsert_columns(bind, table, index_elements, columns):
    """:func:`upsert` setting ``columns`` (names, the key left out) to the refused row's values."""
    keys = set(index_elements)
    return upsert(bind, table, index_elements,
                  lambda excluded: {name: excluded[name] for name in columns if name not in keys})


def for_update(bind, query, **kwargs):
    """``query`` locking the rows it reads until the transaction ends (``with_for_update(**kwargs)``, e.g.
    ``skip_locked=True``) where the dialect has row locks; unchanged where it does not."""
    if dialect_name(bind) in _ROW_LOCKS:
        return query.with_for_update(**kwargs)
    return query
