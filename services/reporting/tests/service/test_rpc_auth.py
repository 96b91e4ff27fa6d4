"""Every RPC method and authenticated HTTP route of reporting (the dashboard, the JSON and CSV exports), found on
the service class, refuses bad tokens and wrong scopes and changes nothing (the kernel's reusable test)."""
from haven_contracts.testing import site_event
from haven_kernel.testing.rpc_auth import RpcAuthTests


class TestRpcAuth(RpcAuthTests):
    harness = "reporting"

    def arguments(self, reporting):
        """Calls that would succeed with a good token, over a site reporting has projected."""
        site = site_event()
        reporting.publish("shelter", "site_opened", site)
        reporting.wait_archived(1)
        return {"get_site_profile": (site["site_id"],), "export_hxl": ("sites",)}
