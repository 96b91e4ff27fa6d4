"""Who can change a site (``haven_kernel.sharing``), on the real broker and PostgreSQL: sites, their units and
allocations are reference data every shelter reader reads; only the managing agency, an organisation it shares
with, or the lead scope (audited) changes them; ``admin`` is not a way around it.

The matrix (``haven_kernel.testing.sharing``): every RPC method on an IOM-managed site, called as IOM (own), NRC
(other), NRC after IOM shared for reading (shared_read: reads, changes Forbidden) or for writing (shared), after IOM
revoked (revoked), NRC with ``shelter:lead`` (lead) and NRC with ``admin``. Then issue 10 point 1's
reproduction: NRC renames an IOM site and makes itself its managing agency."""
import pytest
from sqlalchemy import select

from haven_kernel.db import AccessAudit
from haven_kernel.errors import Forbidden, NotFound
from haven_kernel.testing import RELATIONS, Call, make_agreement, make_token, matrix_problems, relation
from haven_kernel.testing.sharing import OPEN, REFERENCE
from haven_shelter.models import ShelterUnit, Site, SiteServices

pytestmark = pytest.mark.service

TENT = {"unit_type": "family_tent", "covered_area_m2": 16.0}
IOM = make_token("shelter:read", "shelter:write", org="IOM", sub="iom-camp-manager")
NRC = make_token("shelter:read", "shelter:write", org="NRC", sub="nrc-officer")


def _setup(shelter, make_site, name):
    """An IOM site with three tents (a household in one), an empty IOM site, and the relation's agreement."""
    with shelter.client(token=IOM) as iom:
        site = shelter.create_site(iom, units=[{**TENT, "count": 3}], code="IOM-1")["site_id"]
        empty = shelter.create_site(iom, code="IOM-2")["site_id"]
        household_id = shelter.register(site, size=2)["household_id"]
        shelter.wait_status(household_id, "allocated")
        make_agreement(iom.shelter, name)
        units = iom.shelter.list_units(site)
    held = next(u["unit_id"] for u in units if u["household_id"] == household_id)
    free = [u["unit_id"] for u in units if u["household_id"] is None]
    return site, empty, household_id, held, free


@pytest.mark.parametrize("name", RELATIONS)
def test_every_method_by_relation(shelter, make_site, name):
    case = relation("shelter", name)
    site, empty, household_id, held, free = _setup(shelter, make_site, name)
    before = (shelter.count(Site), shelter.count(ShelterUnit), shelter.count(SiteServices))
    changes = {
        "create_site": lambda s: s.create_site(make_site(code="IOM-3", managing_agency="IOM")),
        "update_site": lambda s: s.update_site(site, {"name": "Renamed"}),
        "close_site": lambda s: s.close_site(empty, "merged"),
        "reopen_site": lambda s: s.reopen_site(empty),
        "record_site_services": lambda s: s.record_site_services(site, {"latrines": 4, "phase": "emergency",
                                                                        "as_of": "2026-11-30"}),
        "add_shelter_units": lambda s: s.add_shelter_units(site, [TENT]),
        "set_unit_status": lambda s: s.set_unit_status(free[0], "unavailable"),
        "allocate_shelter": lambda s: s.allocate_shelter(household_id, free[1]),
    }
    reads = {  # reference data every reader reads
        "get_site": lambda s: s.get_site(site),
        "list_sites": lambda s: s.list_sites(),
        "list_units": lambda s: s.list_units(site),
        "get_allocation": lambda s: s.get_allocation(household_id),
        "get_allocation_history": lambda s: s.get_allocation_history(household_id),
        "list_waitlist": lambda s: s.list_waitlist(site),
    }
    problems = matrix_problems(shelter, case, [Call(method, call, REFERENCE) for method, call in changes.items()]
                               + [Call(method, call, OPEN) for method, call in reads.items()])
    assert not problems, "\n".join(problems)
    with shelter.client(token=IOM) as iom:
        renamed = iom.shelter.get_site(site)["name"] == "Renamed"
        allocation = iom.shelter.get_allocation(household_id)["unit_id"]
    after = (shelter.count(Site), shelter.count(ShelterUnit), shelter.count(SiteServices))
    if case.writes:
        assert renamed and allocation == free[1] and after == (before[0] + 1, before[1] + 1, before[2] + 1)
    else:
        assert not renamed and allocation == held and after == before, "a refused change changed nothing"
    with shelter.database.session_factory() as session:
        audited = {(a.method, a.record_id) for a in session.execute(select(AccessAudit)).scalars()}
    if case.audited:
        assert {method for method, _ in audited} == set(changes)
    else:
        assert audited == set()


def test_nrc_cannot_rename_an_iom_site_or_make_itself_its_managing_agency(shelter, make_site):
    with shelter.client(token=IOM) as iom:
        site = iom.shelter.create_site(make_site(name="Guara Guara", managing_agency="IOM"))["site_id"]
    with shelter.client(token=NRC) as nrc:
        with pytest.raises(Forbidden):
            nrc.shelter.update_site(site, {"name": "NRC camp", "managing_agency": "NRC"})
        with pytest.raises(Forbidden):
            nrc.shelter.update_site(site, {"managing_agency": "NRC"})
        with pytest.raises(Forbidden):
            nrc.shelter.create_site(make_site(name="Another IOM camp", managing_agency="IOM"))
        assert nrc.shelter.create_site(make_site(name="NRC's own", managing_agency="NRC"))["managing_agency"] == "NRC"
        seen = nrc.shelter.get_site(site)
    assert (seen["name"], seen["managing_agency"]) == ("Guara Guara", "IOM"), "sites stay readable by partners"


def test_only_the_agency_or_the_lead_hands_a_site_over(shelter, make_site):
    with shelter.client(token=IOM) as iom:
        site = iom.shelter.create_site(make_site(managing_agency="IOM"))["site_id"]
        iom.shelter.grant_sharing("NRC", access="write")
    with shelter.client(token=NRC) as nrc:
        assert nrc.shelter.update_site(site, {"name": "Co-managed"})["name"] == "Co-managed"  # shared: changes it
        with pytest.raises(Forbidden):
            nrc.shelter.update_site(site, {"managing_agency": "NRC"})  # but does not take it over
    with shelter.client(token=IOM) as iom:
        assert iom.shelter.update_site(site, {"managing_agency": "UNHCR"})["managing_agency"] == "UNHCR"
        with pytest.raises(Forbidden):
            iom.shelter.update_site(site, {"name": "IOM's again"})  # handed over: UNHCR's now


def test_a_write_only_token_gets_acknowledgements_not_sites(shelter, make_site):
    writer = make_token("shelter:write", org="IOM")
    with shelter.client(token=writer) as client:
        site = client.shelter.create_site(make_site(managing_agency="IOM"))
        site_id = site["site_id"]
        replies = [site, client.shelter.update_site(site_id, {"name": "Renamed"}),
                   client.shelter.record_site_services(site_id, {"latrines": 2, "phase": "emergency",
                                                                 "as_of": "2026-11-30"}),
                   client.shelter.add_shelter_units(site_id, [TENT])["site"],
                   client.shelter.close_site(site_id, "merged"), client.shelter.reopen_site(site_id)]
        with pytest.raises(Forbidden):
            client.shelter.get_site(site_id)
    for reply in replies:
        assert set(reply) == {"site_id", "status", "managing_agency"}, reply
    with shelter.client(token=IOM) as client:  # read and write: the site as get_site shows it
        assert client.shelter.update_site(site_id, {"name": "Again"})["name"] == "Again"
