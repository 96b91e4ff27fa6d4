"""The contracts of the data-sharing methods the kernel gives every service (``grant_sharing``, ``revoke_sharing``,
``list_sharing``; haven_kernel.sharing): the same in every service. Their example calls and replies come from real
calls on registration (``haven_kernel/examples.json``, written with the services' examples by tools/partner)."""
from marshmallow import fields, validate

from .contract import RpcContract, load_examples
from .validation import Text

EXAMPLES = load_examples(__name__.rpartition(".")[0])
MAX_ORG = 50  # haven_kernel.sharing.MAX_ORG
METHODS = ("grant_sharing", "revoke_sharing", "list_sharing")
AGREEMENT = "`owner_org`, `partner_org`, `access` (read or write), `granted_at`, `granted_by`, `note`"
LEVELS = ("read", "write")  # haven_kernel.sharing.LEVELS
PARTNER = "another organisation's name, as its tokens carry it (`org`)"


def _partner():
    return fields.String(required=True, validate=validate.Length(min=1, max=MAX_ORG), metadata={"description": PARTNER})


GRANT_SHARING = RpcContract(
    "Share all the caller's organisation's records in this service with another organisation, until revoked: with "
    "`access` read (the default) it then reads them (a change is Forbidden); with write it reads and changes them "
    "as the owner does (sites: manages them with the agency, never takes them over). Granting again at the same "
    "level changes nothing; at the other level it changes the agreement's level. Every grant is logged.",
    args={"partner_org": _partner(), "note": Text(max_length=500, allow_none=True, load_default=None),
          "access": fields.String(load_default="read", validate=validate.OneOf(LEVELS),
                                  metadata={"description": "read: the partner sees the records; write: it sees and "
                                                           "changes them"})},
    reply="The agreement: " + AGREEMENT + ".", writes=True, example=EXAMPLES.get("grant_sharing"),
    errors={"ValidationError": "`partner_org` is missing, too long or the caller's own organisation, `note` is "
                               "over 500 characters, or `access` is neither read nor write"})

REVOKE_SHARING = RpcContract(
    "End the caller's organisation's agreement with another: from now on it sees none of the organisation's records "
    "in this service.",
    args={"partner_org": _partner()}, reply="`owner_org`, `partner_org` and `status` (revoked).", writes=True,
    example=EXAMPLES.get("revoke_sharing"),
    errors={"ValidationError": "`partner_org` is missing or the caller's own organisation",
            "NotFound": "the caller's organisation has no agreement with `partner_org`"})

LIST_SHARING = RpcContract(
    "The agreements the caller's organisation granted and received in this service, and their log (newest first, "
    "100 at most).",
    reply="`org`, `granted` and `received` (agreements: " + AGREEMENT + "), `log` (`at`, `action`, `owner_org`, "
          "`partner_org`, `access`, `by`).", example=EXAMPLES.get("list_sharing"))

CONTRACTS = {"grant_sharing": GRANT_SHARING, "revoke_sharing": REVOKE_SHARING, "list_sharing": LIST_SHARING}
