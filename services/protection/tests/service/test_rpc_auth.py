"""Every RPC method of the protection service, found on the service class (one added later is covered without
being listed here), refuses bad tokens and wrong scopes and changes nothing: the kernel's reusable test.

Its last step calls each method with a token holding only ``protection:read`` or ``protection:write`` and no
protection role: such a caller sees no case (NotFound), and the two methods that need a role before anything else
(``open_case``, ``read_access_log``) get input the schema refuses, so that their answer (ValidationError, checked
before the role) shows the call got past the scope check. The roles themselves are the access matrix's
(tests/usecases/test_access_matrix.py)."""
from haven_kernel.testing.rpc_auth import RpcAuthTests

from haven_protection.testing import SITE, case_payload

SOME_ID = "0b7b3f3e-6c1a-4d59-9a0e-3f2f5b8a1c11"


class TestRpcAuth(RpcAuthTests):
    harness = "protection"

    def arguments(self, protection):
        return {
            "open_case": (case_payload(risk="unknown"),),
            "get_case": (SOME_ID,),
            "list_cases": (SITE,),
            "update_case": (SOME_ID, {"risk": "low"}),
            "change_status": (SOME_ID, "assessment"),
            "record_consent": (SOME_ID, {"kind": "services", "given": True, "date": "2026-11-20"}),
            "record_action": (SOME_ID, {"kind": "follow_up"}),
            "assign_case": (SOME_ID, "ben"),
            "refer_case": (SOME_ID, {"to_org": "UNHCR", "service_type": "health"}),
            "answer_referral": (SOME_ID, True),
            "revoke_referral": (SOME_ID,),
            "transfer_case": (SOME_ID, "UNHCR"),
            "answer_transfer": (SOME_ID, True),
            "list_incoming": (),
            "read_access_log": (None, 0, 0),
            "list_follow_ups": (SITE,),
            "convert_follow_up": (SOME_ID, case_payload()),
            "close_follow_up": (SOME_ID, "duplicate"),
        }
