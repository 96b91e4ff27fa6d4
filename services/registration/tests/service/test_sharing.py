"""Who can see what in registration (``haven_kernel.sharing``), on the real broker and PostgreSQL.

The matrix (``haven_kernel.testing.sharing``): every RPC method, called by an organisation on a household IOM
registered, as IOM itself (own), as NRC (other), as NRC after IOM shared with it for reading (shared_read: reads,
a change is Forbidden) or writing (shared), after IOM revoked that (revoked), as NRC with the lead scope (lead, each
use audited) and as NRC with ``admin`` (not a way around it). Then the reproductions of issue 10 point 1 one by
one."""
from datetime import date

import pytest

from haven_kernel.db import AccessAudit
from haven_kernel.errors import Forbidden, NotFound
from haven_kernel.testing import RELATIONS, Call, make_agreement, make_token, matrix_problems, relation
from haven_kernel.testing.sharing import CHANGE, READ, SEARCH
from haven_registration.models import Household

IOM = make_token("registration:read", "registration:write", org="IOM", sub="iom-officer")
NRC = make_token("registration:read", "registration:write", org="NRC", sub="nrc-officer")
TODAY = date.today().isoformat()


def _setup(registration, make_household, name):
    """IOM's household at site A (and site B to move it to), with the agreement the relation needs."""
    site_a, site_b = registration.open_site(), registration.open_site()
    with registration.client(token=IOM) as iom:
        household = iom.registration.register_household(make_household(site_a))
        make_agreement(iom.registration, name)
    return site_a, site_b, household["household_id"]


@pytest.mark.parametrize("name", RELATIONS)
def test_every_method_by_relation(registration, make_household, name):
    case = relation("registration", name)
    site_a, site_b, household_id = _setup(registration, make_household, name)

    def duplicates_of(results):
        return [d for r in results for d in r["possible_duplicates"]]

    def hinted_only(results):  # IOM's household: only that a possible duplicate exists
        found = duplicates_of(results)
        hidden = [d for d in found if not d["visible"]]
        return hidden and all(set(d) == {"member_index", "member_id", "visible"} for d in hidden) \
            and household_id not in repr(results)

    def visible(results):
        return any(d["visible"] and d["other_household_id"] == household_id for d in duplicates_of(results))

    problems = matrix_problems(registration, case, [
        Call("get_household", lambda rpc: rpc.get_household(household_id), READ,
             lambda r: r["members"][0]["given_name"] == "Amélia" and r["phone"]),
        Call("search_households", lambda rpc: rpc.search_households(name="Nhantumbo"), SEARCH,
             lambda r: r["total"] == 1 and r["items"][0]["household_id"] == household_id,
             lambda r: r == {"total": 0, "limit": 50, "offset": 0, "items": []}),
        Call("register_household", lambda rpc: [rpc.register_household(make_household(site_a))], SEARCH,
             visible, hinted_only),
        Call("register_households", lambda rpc: rpc.register_households([make_household(site_a)]), SEARCH,
             visible, hinted_only),
        Call("sync_households", lambda rpc: rpc.sync_households([{"key": f"phone-1/{name}",
                                                                   "record": make_household(site_a)}]), SEARCH,
             lambda r: r[0]["outcome"] == "created" and visible(r),
             lambda r: r[0]["outcome"] == "created" and hinted_only(r)),
        Call("update_household", lambda rpc: rpc.update_household(household_id, {"phone": "+258 84 999 9999"}),
             CHANGE, lambda r: r == {"household_id": household_id, "version": 2, "status": "active",
                                     "new_possible_duplicates": []}),
        Call("relocate_household", lambda rpc: rpc.relocate_household(household_id, site_b), CHANGE,
             lambda r: r == {"household_id": household_id, "version": 3, "status": "active", "site_id": site_b}),
        Call("record_departure", lambda rpc: rpc.record_departure(household_id, "deceased", TODAY), CHANGE,
             lambda r: r == {"household_id": household_id, "version": 4, "status": "departed"}),
    ])
    assert not problems, "\n".join(problems)
    with registration.client(token=IOM) as iom:
        record = iom.registration.get_household(household_id)
    if case.writes:
        assert (record["version"], record["status"], record["site_id"]) == (4, "departed", site_b)
    else:
        assert (record["version"], record["status"], record["site_id"], record["phone"]) == \
            (1, "active", site_a, "+258 84 123 4567"), "a refused change changed nothing"
    audit = _audit(registration)
    if case.audited:
        assert {method for method, record_id, owner in audit if record_id == household_id and owner == "IOM"} == {
            "get_household", "search_households", "register_household", "register_households", "sync_households",
            "update_household", "relocate_household", "record_departure"}
    else:
        assert audit == set()


def _audit(registration):
    from sqlalchemy import select
    with registration.database.session_factory() as session:
        return {(a.method, a.record_id, a.owner_org) for a in session.execute(select(AccessAudit)).scalars()}


# -- issue 10 point 1, as reported -------------------------------------------------------------------------------------
def test_nrc_cannot_read_find_edit_relocate_or_depart_an_iom_household(registration, make_household):
    site_a, site_b = registration.open_site(), registration.open_site()
    with registration.client(token=IOM) as iom:
        household_id = iom.registration.register_household(make_household(site_a))["household_id"]
        member_id = iom.registration.get_household(household_id)["members"][0]["member_id"]
    with registration.client(token=NRC) as nrc:
        rpc = nrc.registration
        with pytest.raises(NotFound):
            rpc.get_household(household_id)
        for criteria in ({"name": "Amélia Nhantumbo"}, {"site_id": site_a}, {}):
            assert rpc.search_households(**criteria)["items"] == [], criteria
            assert rpc.search_households(**criteria)["total"] == 0, criteria
        with pytest.raises(NotFound):
            rpc.update_household(household_id, {"phone": "+258 84 000 0000", "members": {"update": [
                {"member_id": member_id, "given_name": "Forged"}]}})
        with pytest.raises(NotFound):
            rpc.relocate_household(household_id, site_b)
        with pytest.raises(NotFound):
            rpc.record_departure(household_id, "deceased", TODAY)
    with registration.client(token=IOM) as iom:
        record = iom.registration.get_household(household_id)
    assert (record["version"], record["status"], record["phone"], record["members"][0]["given_name"]) == \
        (1, "active", "+258 84 123 4567", "Amélia")
    assert registration.count(Household) == 1


def test_a_write_only_token_reads_nothing_through_the_replies(registration, make_household):
    site_a, site_b = registration.open_site(), registration.open_site()
    writer = make_token("registration:write", org="IOM")
    with registration.client(token=writer) as client:
        rpc = client.registration
        created = rpc.register_household(make_household(site_a))
        household_id = created["household_id"]
        assert set(created) == {"household_id", "registration_number", "site_id", "size", "status", "version",
                                "possible_duplicates"}
        replies = [rpc.update_household(household_id, {"phone": "+258 84 555 5555"}),
                   rpc.relocate_household(household_id, site_b),
                   rpc.record_departure(household_id, "returned_home", TODAY)]
        with pytest.raises(Forbidden):
            rpc.get_household(household_id)
    for reply in replies:
        assert set(reply) <= {"household_id", "version", "status", "site_id", "new_possible_duplicates"}, reply
        assert "Amélia" not in repr(reply) and "555" not in repr(reply) and "1990" not in repr(reply)


def test_possible_duplicates_are_no_lookup_of_another_organisations_households(registration, make_household):
    site_id = registration.open_site()
    with registration.client(token=IOM) as iom:
        iom_household = iom.registration.register_household(make_household(site_id))
    with registration.client(token=NRC) as nrc:
        mine = nrc.registration.register_household(make_household(site_id))  # the same family, as a probe
        bulk = nrc.registration.register_households([make_household(site_id)])
        record = nrc.registration.get_household(mine["household_id"])
    for reply in (mine, bulk[0], record):
        hints = reply["possible_duplicates"]
        assert hints, "that a possible duplicate exists is said"
        other = [d for d in hints if not d["visible"]]
        assert other and all(set(d) <= {"member_index", "member_id", "visible"} for d in other)
        assert iom_household["household_id"] not in repr(reply)
        assert iom_household["registration_number"] not in repr(reply)
    visible = [d for d in bulk[0]["possible_duplicates"] if d["visible"]]
    assert {d["other_household_id"] for d in visible} == {mine["household_id"]}, "NRC's own: shown in full"
