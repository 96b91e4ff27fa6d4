"""The connection pool checks a connection that has been idle before handing it out, and only then."""
import time

import sqlalchemy as sa

from haven_kernel.db import make_engine


def backend_pid(engine):
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def test_a_connection_that_died_while_idle_is_replaced_before_use(database_url):
    url = database_url("haven_kernel", migrate=False)
    engine = make_engine(url, pool_size=1, ping_after_idle=0.2)
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    try:
        first = backend_pid(engine)
        assert backend_pid(engine) == first, "reused at once, without a ping"
        with admin.connect() as connection:  # e.g. PostgreSQL restarted while the service was quiet
            connection.execute(sa.text(f"SELECT pg_terminate_backend({first})"))
        time.sleep(0.3)
        assert backend_pid(engine) != first, "the dead connection was noticed and replaced, no error raised"
    finally:
        engine.dispose()
        admin.dispose()
