"""Every RPC method of registration, found on the service class, refuses bad tokens and wrong scopes and changes
nothing (the kernel's reusable test)."""
from haven_kernel.testing.rpc_auth import RpcAuthTests


class TestRpcAuth(RpcAuthTests):
    harness = "registration"

    def arguments(self, registration):
        """Calls that would succeed with a good token, so one that ran despite a bad token would show."""
        household = {"site_id": registration.open_site(), "consent": False,
                     "members": [{"sex": "female", "age_years": 30, "relationship": "head"}]}
        with registration.client("writer") as client:
            household_id = client.registration.register_household(household)["household_id"]
        return {"register_household": (household,), "register_households": ([household],),
                "get_household": (household_id,), "search_households": (),
                "update_household": (household_id, {"origin": {"adm1": "Manica", "adm2": "Gondola"}}),
                "record_departure": (household_id, "returned_home", "2026-11-28"),
                "relocate_household": (household_id, registration.open_site())}
