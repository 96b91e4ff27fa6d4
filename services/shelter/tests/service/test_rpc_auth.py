"""Every RPC method of shelter, found on the service class, refuses bad tokens and wrong scopes and changes nothing
(the kernel's reusable test)."""
from haven_contracts.testing import site_event
from haven_kernel.testing.rpc_auth import RpcAuthTests

TENT = {"unit_type": "family_tent", "covered_area_m2": 16.0}


class TestRpcAuth(RpcAuthTests):
    harness = "shelter"

    def arguments(self, shelter):
        """Calls that would succeed with a good token, so one that ran despite a bad token would show."""
        site = shelter.create_site(units=[TENT])
        site_id, new = site["site_id"], {k: v for k, v in site_event().items() if k not in ("site_id", "status")}
        return {"create_site": (new,), "update_site": (site_id, {"name": "Guara Guara 2"}), "get_site": (site_id,),
                "add_shelter_units": (site_id, [TENT]), "list_units": (site_id,), "list_waitlist": (site_id,),
                "record_site_services": (site_id, {"latrines": 1, "phase": "emergency", "as_of": "2026-11-22"})}
