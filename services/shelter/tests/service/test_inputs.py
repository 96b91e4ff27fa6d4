"""Every RPC method against bad input (a ValidationError naming the field, nothing stored, the service still answers)
and against callers without a token or without the scope."""
from datetime import date, timedelta

import pytest

from haven_kernel.errors import Forbidden, Unauthenticated, ValidationError
from haven_kernel.testing import make_token, rpc_client

pytestmark = pytest.mark.service

SITE = "S"  # replaced by a real site id
UNIT = "U"  # replaced by a real unit id
HOUSEHOLD = "H"  # replaced by a real household id
NOT_UUID = "not-a-uuid"
TOMORROW = (date.today() + timedelta(days=1)).isoformat()
TENT = {"unit_type": "family_tent", "covered_area_m2": 16.0}


def site(**changes):
    data = {"name": "Camp", "site_type": "planned_camp", "adm1": "Sofala", "adm2": "Beira", "lat": -19.8,
            "lon": 34.8, "managing_agency": "IOM"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not ...}


def services(**changes):
    data = {"latrines": 4, "phase": "emergency", "as_of": "2026-11-01"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not ...}


BAD_INPUTS = [
    # (method, args, kwargs, field named in the error)
    ("grant_sharing", [""], {}, "partner_org"),
    ("grant_sharing", ["IOM"], {}, "partner_org"),  # the caller's own organisation
    ("grant_sharing", ["NRC", "x" * 600], {}, "note"),
    ("revoke_sharing", [None], {}, "partner_org"),
    ("list_sharing", ["all"], {}, "_arguments"),
    ("create_site", ["a camp"], {}, "site"),
    ("create_site", [site(name="")], {}, "site.name"),
    ("create_site", [site(name="   ")], {}, "site.name"),
    ("create_site", [site(name="x" * 10_000)], {}, "site.name"),
    ("create_site", [site(site_type="camp")], {}, "site.site_type"),
    ("create_site", [site(adm1=...)], {}, "site.adm1"),
    ("create_site", [site(adm2=None)], {}, "site.adm2"),
    ("create_site", [site(lat=91)], {}, "site.lat"),
    ("create_site", [site(lon="east")], {}, "site.lon"),
    ("create_site", [site(lat=True)], {}, "site.lat"),
    ("create_site", [site(managing_agency="I O M")], {}, "site.managing_agency"),
    ("create_site", [site(managing_agency=...)], {}, "site.managing_agency"),
    ("create_site", [site(opened_on=TOMORROW)], {}, "site.opened_on"),
    ("create_site", [site(opened_on="28/11/2026")], {}, "site.opened_on"),
    ("create_site", [site(area_m2=-5)], {}, "site.area_m2"),
    ("create_site", [site(code="#1")], {}, "site.code"),
    ("create_site", [site(population=500)], {}, "site.population"),
    ("create_site", [site(), "extra"], {}, "_arguments"),
    ("create_site", [], {}, "_arguments"),
    ("update_site", [NOT_UUID, {"name": "x"}], {}, "site_id"),
    ("update_site", [SITE, {}], {}, "changes"),
    ("update_site", [SITE, "rename"], {}, "changes"),
    ("update_site", [SITE, {"status": "closed"}], {}, "changes.status"),
    ("update_site", [SITE, {"lat": None}], {}, "changes.lat"),
    ("update_site", [SITE, {"name": ""}], {}, "changes.name"),
    ("update_site", [SITE, {"site_type": "hotel"}], {}, "changes.site_type"),
    ("close_site", [NOT_UUID, "flooding"], {}, "site_id"),
    ("close_site", [SITE, ""], {}, "reason"),
    ("close_site", [SITE, None], {}, "reason"),
    ("close_site", [SITE, "x" * 501], {}, "reason"),
    ("close_site", [SITE], {}, "_arguments"),
    ("reopen_site", [12345], {}, "site_id"),
    ("get_site", [None], {}, "site_id"),
    ("get_site", ["a" * 100], {}, "site_id"),
    ("list_sites", [], {"status": "gone"}, "status"),
    ("list_sites", [], {"site_type": "camp"}, "site_type"),
    ("list_sites", [], {"adm1": ""}, "adm1"),
    ("list_sites", [], {"zone": "north"}, "_arguments"),
    ("record_site_services", [NOT_UUID, services()], {}, "site_id"),
    ("record_site_services", [SITE, ["latrines"]], {}, "services"),
    ("record_site_services", [SITE, services(latrines=-1)], {}, "services.latrines"),
    ("record_site_services", [SITE, services(latrines="4")], {}, "services.latrines"),
    ("record_site_services", [SITE, services(latrines=2.5)], {}, "services.latrines"),
    ("record_site_services", [SITE, services(latrines_female=5)], {}, "services.latrines_female"),
    ("record_site_services", [SITE, services(water_litres_per_day=-1)], {}, "services.water_litres_per_day"),
    ("record_site_services", [SITE, services(phase=...)], {}, "services.phase"),
    ("record_site_services", [SITE, services(phase="recovery")], {}, "services.phase"),
    ("record_site_services", [SITE, services(as_of=TOMORROW)], {}, "services.as_of"),
    ("record_site_services", [SITE, services(as_of=...)], {}, "services.as_of"),
    ("record_site_services", [SITE, services(boreholes=2)], {}, "services.boreholes"),
    ("add_shelter_units", [NOT_UUID, [TENT]], {}, "site_id"),
    ("add_shelter_units", [SITE, []], {}, "units"),
    ("add_shelter_units", [SITE, "tents"], {}, "units"),
    ("add_shelter_units", [SITE, [{**TENT, "unit_type": "igloo"}]], {}, "units.0.unit_type"),
    ("add_shelter_units", [SITE, [TENT, {**TENT, "covered_area_m2": 0}]], {}, "units.1.covered_area_m2"),
    ("add_shelter_units", [SITE, [{"unit_type": "family_tent"}]], {}, "units.0.covered_area_m2"),
    ("add_shelter_units", [SITE, [{**TENT, "count": 0}]], {}, "units.0.count"),
    ("add_shelter_units", [SITE, [{**TENT, "count": 1001}]], {}, "units.0.count"),
    ("add_shelter_units", [SITE, [{**TENT, "count": 600}, {**TENT, "count": 600}]], {}, "units"),
    ("add_shelter_units", [SITE, [{**TENT, "capacity_persons": 0}]], {}, "units.0.capacity_persons"),
    ("add_shelter_units", [SITE, [{**TENT, "capacity_persons": 2.5}]], {}, "units.0.capacity_persons"),
    ("add_shelter_units", [SITE, [{**TENT, "colour": "white"}]], {}, "units.0.colour"),
    ("set_unit_status", [NOT_UUID, "available"], {}, "unit_id"),
    ("set_unit_status", [UNIT, "broken"], {}, "status"),
    ("set_unit_status", [UNIT, None], {}, "status"),
    ("list_units", [NOT_UUID], {}, "site_id"),
    ("list_units", [SITE], {"status": "occupied"}, "status"),
    ("allocate_shelter", [NOT_UUID, UNIT], {}, "household_id"),
    ("allocate_shelter", [HOUSEHOLD, ["u"]], {}, "unit_id"),
    ("get_allocation", [{"household_id": HOUSEHOLD}], {}, "household_id"),
    ("get_allocation_history", [NOT_UUID], {}, "household_id"),
    ("list_waitlist", [""], {}, "site_id"),
]


def _fill(value, ids):
    if isinstance(value, str) and value in ids:
        return ids[value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


def test_every_method_refuses_bad_input_naming_the_field_and_storing_nothing(shelter):
    with shelter.client() as client:
        site_id = shelter.create_site(client, units=[TENT])["site_id"]
        household_id = shelter.register(site_id, size=2)["household_id"]
        shelter.wait_status(household_id, "allocated")
        ids = {SITE: site_id, UNIT: client.shelter.list_units(site_id)[0]["unit_id"], HOUSEHOLD: household_id}
        before = shelter.table_counts()
        site_before = client.shelter.get_site(site_id)
        failures = []
        for method, args, kwargs, field in BAD_INPUTS:
            try:
                getattr(client.shelter, method)(*_fill(args, ids), **kwargs)
                failures.append(f"{method}{args}: accepted")
            except ValidationError as error:
                if field not in error.errors:
                    failures.append(f"{method}{args}: named {sorted(error.errors)}, expected {field!r}")
            except Exception as error:  # noqa: BLE001 - report every case, then fail once
                failures.append(f"{method}{args}: {type(error).__name__}: {error}")
        assert failures == []
        assert shelter.table_counts() == before, "a refused call stored nothing"
        assert client.shelter.get_site(site_id) == site_before, "and the service still answers"
    assert {method for method, *_ in BAD_INPUTS} == RPC_METHODS


RPC_METHODS = {"create_site", "update_site", "close_site", "reopen_site", "get_site", "list_sites",
               "record_site_services", "add_shelter_units", "set_unit_status", "list_units", "allocate_shelter",
               "get_allocation", "get_allocation_history", "list_waitlist",
               "grant_sharing", "revoke_sharing", "list_sharing"}  # the kernel's data-sharing agreements


def test_every_rpc_method_is_in_the_bad_input_table():
    from haven_shelter.service import ShelterService
    from nameko.rpc import Rpc
    exposed = {name for name in dir(ShelterService) for member in [getattr(ShelterService, name)]
               if any(isinstance(e, Rpc) for e in getattr(member, "nameko_entrypoints", ()))}
    assert exposed == RPC_METHODS


def test_callers_need_a_token_and_the_scope(shelter, make_site):
    site_id = shelter.create_site()["site_id"]
    with rpc_client(shelter.amqp_uri, None) as anonymous:
        with pytest.raises(Unauthenticated):
            anonymous.shelter.get_site(site_id)
        with pytest.raises(Unauthenticated):
            anonymous.shelter.create_site(make_site())
    with rpc_client(shelter.amqp_uri, "not-a-token") as forged:
        with pytest.raises(Unauthenticated):
            forged.shelter.list_sites()
    with rpc_client(shelter.amqp_uri, make_token("registration:read", "registration:write")) as other_scope:
        with pytest.raises(Forbidden):
            other_scope.shelter.get_site(site_id)
    with shelter.client("reader") as reader:
        assert reader.shelter.get_site(site_id)["site_id"] == site_id
        with pytest.raises(Forbidden):
            reader.shelter.create_site(make_site())
        with pytest.raises(Forbidden):
            reader.shelter.add_shelter_units(site_id, [TENT])
        with pytest.raises(Forbidden):
            reader.shelter.close_site(site_id, "no")
    # What registration's ServiceRpc sends: its own identity with shelter:read only.
    service_token = make_token("shelter:read", org="HAVEN", sub="service:registration")
    with rpc_client(shelter.amqp_uri, service_token) as registration:
        found = registration.shelter.get_site(site_id)
        assert {"site_id", "name", "site_type", "adm1", "adm2", "lat", "lon", "status"} <= set(found)
        with pytest.raises(Forbidden):
            registration.shelter.allocate_shelter(site_id, site_id)
    from haven_shelter.models import Site
    assert shelter.count(Site) == 1
