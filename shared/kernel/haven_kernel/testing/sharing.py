"""The data-sharing matrix's rows, for a service's tests (``haven_kernel.sharing``): who calls on a record an owner
organisation created, and whether it may reach it. A service's matrix test parametrises over :data:`RELATIONS`,
asks :func:`relation` for the caller's token, lets the owner make the relation's agreement with
:func:`make_agreement`, then calls every RPC method (``rpc_methods(ServiceClass)``) and checks each outcome::

    @pytest.mark.parametrize("name", RELATIONS)
    def test_every_method_by_relation(logistics, name):
        case = relation("logistics", name)                       # .token, .allowed, .audited
        with logistics.client(token=case.owner_token) as owner:
            record = owner.logistics.create_waybill(...)
            make_agreement(owner.logistics, name)
        with logistics.client(token=case.token) as caller:
            ...   # each method: allowed, or NotFound (Forbidden for reference data) and nothing changed

registration's and shelter's ``tests/service/test_sharing.py`` are complete examples.
"""
from dataclasses import dataclass

from .harness import make_token

RELATIONS = ("own", "other", "shared", "revoked", "lead", "admin")
OWNER, PARTNER = "IOM", "NRC"


@dataclass(frozen=True)
class Relation:
    name: str
    token: str  # the caller's
    owner_token: str  # the owner organisation's (read and write)
    allowed: bool  # may the caller see and change the owner's records
    audited: bool  # is each reach an access-audit row (the lead scope)


def relation(service, name, owner=OWNER, partner=PARTNER):
    """The caller of relation ``name`` to ``owner``'s records in ``service``: ``own`` (the owner itself), ``other``
    (``partner``, nothing shared), ``shared`` (the owner shares with ``partner``), ``revoked`` (it shared, then
    revoked), ``lead`` (``partner`` with ``<service>:lead``), ``admin`` (``partner`` with ``admin`` only)."""
    read_write = (f"{service}:read", f"{service}:write")
    tokens = {
        "own": make_token(*read_write, org=owner, sub=f"{owner.lower()}-officer"),
        "other": make_token(*read_write, org=partner, sub=f"{partner.lower()}-officer"),
        "shared": make_token(*read_write, org=partner, sub=f"{partner.lower()}-officer"),
        "revoked": make_token(*read_write, org=partner, sub=f"{partner.lower()}-officer"),
        "lead": make_token(*read_write, f"{service}:lead", org=partner, sub=f"{partner.lower()}-lead"),
        "admin": make_token("admin", org=partner, sub=f"{partner.lower()}-admin"),
    }
    if name not in tokens:
        raise ValueError(f"unknown relation {name!r}: one of {', '.join(RELATIONS)}")
    return Relation(name, tokens[name], tokens["own"], name in ("own", "shared", "lead"), name == "lead")


def make_agreement(owner_service_proxy, name, partner=PARTNER):
    """What the owner does for relation ``name``, through its proxy of the service (``client.<service>``): grant
    ``partner`` for ``shared``, grant then revoke for ``revoked``, nothing otherwise."""
    if name in ("shared", "revoked"):
        owner_service_proxy.grant_sharing(partner)
    if name == "revoked":
        owner_service_proxy.revoke_sharing(partner)
