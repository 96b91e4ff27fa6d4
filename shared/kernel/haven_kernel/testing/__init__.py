"""The pytest plugin every Haven test suite gets (the ``pytest11`` entry point ``haven``), and the test helpers.

Importing this package changes nothing: nameko's tests run under eventlet, and the plugin monkey-patches the
process from pytest's ``pytest_load_initial_conftests`` hook, before any conftest or test module (and so nameko,
kombu or psycopg2) is imported; then ``pytest_configure`` registers the fixtures (:mod:`.fixtures`). A script that
uses the helpers outside pytest (the bench) patches itself first.

* :mod:`.infra`: where RabbitMQ and PostgreSQL are, a vhost and a database per test;
* :mod:`.harness`: service config, tokens, RPC client, publishing and recording events, :class:`ServiceHarness`;
* :mod:`.processes`: services as real processes (:class:`ServiceProcess`), :class:`TcpGate`, ``stop_process``;
* :mod:`.retries`: replies lost after the commit (``drop_after_commit``, ``deliver_again``), for safe-retry tests;
* :mod:`.rpc_auth`: the reusable test of every RPC method's authentication and authorisation (:class:`RpcAuthTests`);
* :mod:`.sharing`: a service's data-sharing matrix (``RELATIONS``, ``relation``, ``make_agreement``, ``Call`` and
  ``matrix_problems``: what each RPC method answers each relation);
* :mod:`.usecases`: the middle tier, a service's unit of work on SQLite (:class:`UseCaseUnit`, fixture ``sqlite_unit``).

The helpers are importable from here (``from haven_kernel.testing import publish_event``); they load on first use.
"""
import importlib
import warnings

_HELPERS = {
    "infra": ("START_HINT", "DatabaseFactory", "admin_sql", "create_vhost", "delete_vhost", "drop_database",
              "find_servers", "temporary_broker_user", "with_database", "with_vhost"),
    "harness": ("EventRecorder", "ServiceHarness", "free_port", "get_messages", "make_token", "package_of",
                "publish_event", "queue_depth", "race", "rpc_client", "service_config", "wait_until"),
    "rpc_auth": ("RpcAuthTests", "rpc_auth_problems", "rpc_methods"),
    "sharing": ("RELATIONS", "Call", "make_agreement", "matrix_problems", "relation"),
    "usecases": ("SqliteTemplates", "UseCaseUnit"),
    "processes": ("ServiceProcess", "TcpGate", "make_run", "service_process_env", "stop_process"),
    "retries": ("deliver_again", "drop_after_commit", "unsafe_writes"),
}
_WHERE = {name: module for module, names in _HELPERS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def _patch():
    with warnings.catch_warnings():  # eventlet 0.41 warns on import that it is in maintenance mode; nameko needs it
        warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
        import eventlet
        import eventlet.patcher
    if not eventlet.patcher.is_monkey_patched("socket"):
        eventlet.monkey_patch()


def pytest_load_initial_conftests(early_config, parser, args):
    """Patch before the conftests (and what they import) load."""
    _patch()


def pytest_configure(config):
    _patch()  # the plugin loaded late (-p): patch now, still before the test modules are imported
    from . import fixtures
    if not config.pluginmanager.is_registered(fixtures):
        config.pluginmanager.register(fixtures, "haven-fixtures")
