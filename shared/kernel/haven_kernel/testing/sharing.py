"""The data-sharing matrix (``haven_kernel.sharing``), for every service's tests: who calls on records an owner
organisation created, whether it may read and change them, and what each RPC method must then answer.

A service's matrix test parametrises over :data:`RELATIONS`, asks :func:`relation` for the caller's token, lets the
owner make the relation's agreement with :func:`make_agreement`, then hands every RPC method to
:func:`matrix_problems` as a :class:`Call` saying what kind of access it needs::

    @pytest.mark.parametrize("name", RELATIONS)
    def test_every_method_by_relation(logistics, name):
        case = relation("logistics", name)                       # .token, .reads, .writes, .audited
        with logistics.client(token=case.owner_token) as owner:
            waybill = owner.logistics.create_waybill(...)["waybill_id"]
            make_agreement(owner.logistics, name)
        problems = matrix_problems(logistics, case, [
            Call("get_waybill", lambda rpc: rpc.get_waybill(waybill), READ),
            Call("dispatch_waybill", lambda rpc: rpc.dispatch_waybill(waybill), CHANGE),
            ...])
        assert not problems, "\\n".join(problems)

What each kind must answer, by relation:

=============  ===========================  ==================================  =========================
kind           may write (own, shared,      may only read (``shared_read``)     neither (other, revoked,
               lead)                                                            admin)
=============  ===========================  ==================================  =========================
READ           answers                      answers                             NotFound
CHANGE         answers                      Forbidden                           NotFound
REFERENCE      answers                      Forbidden                           Forbidden
SEARCH         answers, ``check`` true      answers, ``check`` true             answers, ``hidden`` true
OPEN           answers                      answers                             answers
=============  ===========================  ==================================  =========================

REFERENCE is a change of a record every reader sees (a site, a warehouse, a facility: ``Sharing.require_change``);
SEARCH a call that answers everyone but shows the owner's records only to those who may read them; OPEN an
aggregate or the catalogue. It also checks that every RPC method of the service is in the matrix, that each refused
call changed nothing in the database, and the kernel's agreement methods (``grant_sharing``,
``list_sharing``, ``revoke_sharing``) for the caller's own organisation. What the accepted changes did, and the
lead's audit, the service's test checks itself. registration's, shelter's, logistics' and health's
``tests/service/test_sharing.py`` use it.
"""
from dataclasses import dataclass
from typing import Callable

from ..errors import Forbidden, NotFound
from ..service import SHARING_METHODS
from .harness import make_token
from .rpc_auth import changes, rpc_methods, snapshot

RELATIONS = ("own", "other", "shared_read", "shared", "revoked", "lead", "admin")
# The RPC inbox keeps the reply to the caller's own request (a bulk call answers a refused item in its place): the
# caller's bookkeeping, not a change of the owner's records.
NOT_RECORDS = ("rpc_requests",)
OWNER, PARTNER = "IOM", "NRC"
READ, CHANGE, REFERENCE, SEARCH, OPEN = "read", "change", "reference", "search", "open"
ANSWERED = "answered"


@dataclass(frozen=True)
class Relation:
    name: str
    token: str  # the caller's
    owner_token: str  # the owner organisation's (read and write)
    reads: bool  # may the caller see the owner's records
    writes: bool  # may it change them
    audited: bool  # is each reach an access-audit row (the lead scope)
    service: str = ""

    @property
    def allowed(self):
        """Sees and changes the owner's records."""
        return self.writes


def relation(service, name, owner=OWNER, partner=PARTNER):
    """The caller of relation ``name`` to ``owner``'s records in ``service``: ``own`` (the owner itself), ``other``
    (``partner``, nothing shared), ``shared_read`` (the owner shares with ``partner`` for reading), ``shared`` (for
    writing), ``revoked`` (it shared for writing, then revoked), ``lead`` (``partner`` with ``<service>:lead``),
    ``admin`` (``partner`` with ``admin`` only)."""
    read_write = (f"{service}:read", f"{service}:write")
    partner_token = make_token(*read_write, org=partner, sub=f"{partner.lower()}-officer")
    tokens = {
        "own": make_token(*read_write, org=owner, sub=f"{owner.lower()}-officer"),
        "other": partner_token, "shared_read": partner_token, "shared": partner_token, "revoked": partner_token,
        "lead": make_token(*read_write, f"{service}:lead", org=partner, sub=f"{partner.lower()}-lead"),
        "admin": make_token("admin", org=partner, sub=f"{partner.lower()}-admin"),
    }
    if name not in tokens:
        raise ValueError(f"unknown relation {name!r}: one of {', '.join(RELATIONS)}")
    writes = name in ("own", "shared", "lead")
    return Relation(name, tokens[name], tokens["own"], writes or name == "shared_read", writes, name == "lead",
                    service)


def single_result(results):
    """The one result of a bulk or sync call made with one item, its refusal raised as the single call would raise
    it (NotFound or Forbidden), so a matrix can treat a bulk method like the others."""
    error = results[0].get("error")
    if error and error["type"] in ("NotFound", "Forbidden"):
        raise {"NotFound": NotFound, "Forbidden": Forbidden}[error["type"]](error["message"])
    return results[0]


def make_agreement(owner_service_proxy, name, partner=PARTNER):
    """What the owner does for relation ``name``, through its proxy of the service (``client.<service>``): grant
    ``partner`` read access for ``shared_read``, write access for ``shared``, write then revoke for ``revoked``,
    nothing otherwise."""
    if name == "shared_read":
        owner_service_proxy.grant_sharing(partner, access="read")
    if name in ("shared", "revoked"):
        owner_service_proxy.grant_sharing(partner, access="write")
    if name == "revoked":
        owner_service_proxy.revoke_sharing(partner)


@dataclass(frozen=True)
class Call:
    """One RPC method in the matrix: ``call(proxy)`` calls it through the caller's proxy of the service; ``kind``
    says what access it needs (table above); ``check(reply)`` must hold of an accepted reply (for SEARCH: of the
    reply to a caller who may read the owner's records), ``hidden(reply)`` of a SEARCH reply to one who may not."""
    method: str
    call: Callable
    kind: str
    check: Callable = None
    hidden: Callable = None


def expected(kind, case):
    """What a call of ``kind`` must answer the caller of ``case``: ANSWERED, ``"NotFound"`` or ``"Forbidden"``."""
    if kind in (OPEN, SEARCH) or (kind == READ and case.reads) or case.writes:
        return ANSWERED
    if kind == REFERENCE or (kind == CHANGE and case.reads):
        return "Forbidden"
    return "NotFound"


def matrix_problems(harness, case, calls):
    """Call each of ``calls`` (in order) as the caller of ``case`` on the service ``harness`` runs: a list of what
    went wrong, empty when all is well (see the module's docstring)."""
    service = harness.container.service_name
    engine = harness.database.engine
    problems = []
    with harness.client(token=case.token) as client:
        proxy = getattr(client, service)
        for one in calls:
            want = expected(one.kind, case)
            before = _records(engine) if want != ANSWERED else None
            try:
                reply, got = one.call(proxy), ANSWERED
            except (NotFound, Forbidden) as error:
                reply, got = error, type(error).__name__
            if got != want:
                problems.append(f"{one.method} ({one.kind}) as {case.name}: {want} expected, got {got}: "
                                f"{str(reply)[:300]}")
            elif got == ANSWERED:
                check = one.check if one.kind != SEARCH or case.reads else one.hidden
                if check is not None and not check(reply):
                    problems.append(f"{one.method} ({one.kind}) as {case.name}: unexpected reply {str(reply)[:300]}")
            if before is not None:
                problems += [f"{one.method} as {case.name} was refused but changed the database: {line}"
                             for line in changes(before, _records(engine))]
        problems += _agreements(proxy, case)
    listed = {one.method for one in calls} | set(SHARING_METHODS)
    missing = sorted(set(rpc_methods(harness.container.service_cls)) - listed)
    if missing:
        problems.append(f"not in the matrix: {', '.join(missing)} (every RPC method must be)")
    return problems


def _records(engine):
    return {table: rows for table, rows in snapshot(engine).items() if table not in NOT_RECORDS}


def _agreements(proxy, case):
    """The agreements act on the caller's own organisation's records, whatever its relation to the owner's."""
    problems = []
    caller_org = OWNER if case.name == "own" else PARTNER
    granted = proxy.grant_sharing("UNHCR")
    if (granted["owner_org"], granted["access"]) != (caller_org, "read"):
        problems.append(f"grant_sharing as {case.name}: {granted}")
    received = [a["owner_org"] for a in proxy.list_sharing()["received"]]
    if received != ([OWNER] if case.name in ("shared", "shared_read") else []):
        problems.append(f"list_sharing as {case.name}: received {received}")
    if proxy.revoke_sharing("UNHCR")["status"] != "revoked":
        problems.append(f"revoke_sharing as {case.name} did not revoke")
    if case.name != "own":
        try:
            proxy.revoke_sharing(OWNER)
            problems.append(f"revoke_sharing({OWNER!r}) as {case.name}: only {OWNER} ends its agreements")
        except NotFound:
            pass
    return problems
