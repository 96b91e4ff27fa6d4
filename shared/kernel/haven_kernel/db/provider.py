"""``Database``: the nameko dependency provider behind ``HavenService.db``."""
import contextlib
import weakref

from nameko.extensions import DependencyProvider
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ..events import catalogue_of
from .engine import default_database_url, make_engine, postgres_timeouts
from .unit import UnitOfWork


class Database(DependencyProvider):
    """One engine per service container; a :class:`UnitOfWork` per worker, emitting events of the service's
    catalogue (``HavenService.catalogue``).

    The URL comes from the service's config key ``DATABASE_URL`` (config.yml maps it from
    ``<SERVICE>_DATABASE_URL``); unset, it is a SQLite file under ``var/``.
    """

    def __init__(self):
        self._units = weakref.WeakKeyDictionary()
        self._commit_listeners = []

    @classmethod
    def of(cls, container):
        """The Database of a service container (what the kernel's other extensions reach it by)."""
        for dependency in container.dependencies:
            if isinstance(dependency, cls):
                return dependency
        raise RuntimeError(f"{container.service_name} has no {cls.__name__}: a Haven service is a HavenService")

    def setup(self):
        service = self.container.service_name
        self.catalogue = catalogue_of(self.container.service_cls)
        self.url = self.container.config.get("DATABASE_URL") or default_database_url(service)
        config = self.container.config
        timeouts = postgres_timeouts(float(config.get("DATABASE_CONNECT_TIMEOUT_SECONDS") or 5),
                                     float(config.get("DATABASE_TCP_TIMEOUT_SECONDS") or 15))
        self.engine = make_engine(self.url, pool_size=int(config.get("DATABASE_POOL_SIZE", 10)),
                                  ping_after_idle=float(config.get("DATABASE_PING_AFTER_IDLE_SECONDS", 1.0)),
                                  connect_args=timeouts)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)

    def stop(self):
        self.engine.dispose()

    def on_commit(self, listener):
        """``listener()`` is called after a commit that wrote events (the outbox relay wakes up)."""
        self._commit_listeners.append(listener)

    def _committed(self):
        for listener in self._commit_listeners:
            listener()

    def unit_of_work(self, context_data=None):
        return UnitOfWork(self.session_factory, self.container.service_name, context_data, self.catalogue,
                          on_commit=self._committed)

    def get_dependency(self, worker_ctx):
        unit = self.unit_of_work(worker_ctx.context_data)
        self._units[worker_ctx] = unit
        return unit

    def worker_teardown(self, worker_ctx):
        unit = self._units.pop(worker_ctx, None)
        if unit is not None:
            unit.rollback()
            unit.close()

    def ping(self, timeout=None):
        """``SELECT 1`` on a connection of the pool; with ``timeout`` (seconds), a database that does not answer in
        time raises ``TimeoutError`` (the connection is dropped, not returned to the pool)."""
        if timeout is None:
            with self.engine.connect() as connection:
                connection.execute(select(1))
            return
        with bounded(timeout):
            with self.engine.connect() as connection:
                try:
                    connection.execute(select(1))
                except BaseException:
                    connection.invalidate()
                    raise


@contextlib.contextmanager
def bounded(seconds):
    """A block that raises ``TimeoutError`` after ``seconds`` (cooperative: the database driver is green)."""
    import eventlet
    timer = eventlet.Timeout(seconds, TimeoutError(f"the database did not answer within {seconds:g} s"))
    try:
        yield
    finally:
        timer.cancel()
