"""Every authenticated HTTP route of the gateway refuses bad tokens (401) and changes nothing: the kernel's reusable
test. ``call`` takes any valid token (no scope of its own): the service it forwards to checks the method's scope with
the partner's token, which tests/system/test_gateway.py shows (a reader's token cannot create a site)."""
from haven_kernel.testing.rpc_auth import RpcAuthTests


class TestRpcAuth(RpcAuthTests):
    harness = "gateway"
    open_methods = ("call",)

    def arguments(self, gateway):
        return {"call": "/rpc/shelter/list_sites"}
