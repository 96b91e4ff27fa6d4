"""The reusable authentication test finds every RPC method and authenticated HTTP route of a service by itself and
fails for each way one can let a caller in: checked here on toy services, one sound and one with every fault."""
import uuid

import pytest
from nameko.rpc import rpc as plain_rpc
from nameko.web.handlers import http as nameko_http

from haven_kernel.rpc import rpc
from haven_kernel.service import HavenService
from haven_kernel.testing import ServiceHarness
from haven_kernel.testing.rpc_auth import PLAIN, RpcAuthTests, http_routes, rpc_auth_problems, rpc_methods
from haven_kernel.web import http


def faulty(toys):
    """A ledger whose methods let callers in in every wrong way (each writes an entry when it runs)."""

    class Faulty(HavenService):
        name = "ledger"
        catalogue = toys.catalogue

        def _write(self, amount):
            self.db.session.add(toys.Entry(id=str(uuid.uuid4()), amount=amount))

        @plain_rpc
        def unchecked(self, amount=1):  # no token checked at all
            self._write(amount)
            self.db.commit()

        @rpc()
        def unscoped(self, amount=2):  # any organisation's valid token
            self._write(amount)

        @rpc(scope="ledger:read")
        def reads_but_writes(self, amount=3):  # a write behind a read scope
            self._write(amount)

        @rpc(scope="ledger:write")
        def sound(self, amount=4):
            self._write(amount)

        @http("GET", "/entries/<entry_id>", scope="ledger:read")
        def entry_page(self, request, entry_id):  # sound
            return {"entry_id": entry_id}

        @http("GET", "/tally")
        def tally_page(self, request):  # any organisation's valid token
            return {"entries": 0}

        @http("GET", "/touch", scope="ledger:read")
        def touch_page(self, request):  # a GET that writes
            self._write(5)
            return {}

        @http("GET", "/hello", public=True)
        def hello(self, request):  # public: not checked
            return {}

    return Faulty


def harness(toys, cls):
    container = toys.start(cls)
    return ServiceHarness(toys.amqp_uri, toys.url(cls.name), container)


def test_methods_are_found_on_the_class_with_their_scopes(toys):
    found = rpc_methods(toys.Ledger)
    assert {"record", "record_each", "record_invalid_event"} <= set(found)
    sharing = {"grant_sharing": "ledger:write", "list_sharing": "ledger:read", "revoke_sharing": "ledger:write"}
    assert {scope for method, scope in found.items() if method not in sharing} == {"ledger:write"}
    assert {method: found[method] for method in sharing} == sharing  # the kernel's, on every service
    assert rpc_methods(faulty(toys)) == {"reads_but_writes": "ledger:read", "sound": "ledger:write",
                                         "unchecked": PLAIN, "unscoped": None, **sharing}
    assert http_routes(faulty(toys)) == {"entry_page": ("GET", "/entries/<entry_id>", "ledger:read"),
                                         "tally_page": ("GET", "/tally", None),
                                         "touch_page": ("GET", "/touch", "ledger:read")}
    assert http_routes(toys.Ledger) == {}, "/health and /metrics are public"

    class NamekoHttp(toys.Ledger):
        @nameko_http("GET", "/raw")
        def raw(self, request):  # nameko's own: no token checked
            return ""

    assert http_routes(NamekoHttp)["raw"] == ("GET", "/raw", PLAIN)


def test_a_sound_service_has_no_problem(toys):
    ledger = harness(toys, toys.Ledger)
    assert rpc_auth_problems(ledger, {"record": (5,), "record_each": ([6, 7],)}) == []
    assert sorted(row.amount for row in toys.rows("ledger", toys.Entry)) == [5, 6, 7], (
        "each method ran once, with its own scope, after every refusal")


def test_each_way_of_letting_a_caller_in_is_reported(toys):
    problems = "\n".join(rpc_auth_problems(harness(toys, faulty(toys))))
    reported = ("unchecked: plain nameko @rpc checks no token",
                "unchecked with no token: answered instead of raising Unauthenticated",
                "unscoped: @rpc without a scope lets any organisation's token in",
                "refused calls changed the database: table entries: 0 rows before",
                "reads_but_writes needs only 'ledger:read' but changed the database: table entries",
                "tally_page: @http without a scope lets any organisation's token in",
                "touch_page (GET /touch) needs only 'ledger:read' but changed the database: table entries")
    assert [line for line in reported if line not in problems] == []
    assert "sound" not in problems and "reads_but_writes with" not in problems and "entry_page" not in problems
    assert "hello" not in problems


def test_a_service_without_rpc_methods_is_a_problem_not_a_pass(toys):
    assert rpc_auth_problems(harness(toys, toys.Tally)) == [
        "Tally has no @rpc method and no @http route that takes credentials: nothing was checked"]


@pytest.fixture
def ledger(toys):
    return harness(toys, toys.Ledger)


class TestRpcAuth(RpcAuthTests):
    """The test class as a service wires it in, on the sound toy."""

    harness = "ledger"

    def arguments(self, ledger):
        return {"record": (8,)}
