"""Shelter's RPC contracts: what a partner must know of each method (haven_kernel.contract). Arguments come from
the schemas the methods validate with; example calls and replies from real calls (examples.json)."""
from haven_kernel.contract import RpcContract, load_examples
from haven_kernel.validation import UUIDString

from .schemas import (AddUnitsSchema, CloseSchema, ServicesSchema, SiteChangesSchema, SiteFilterSchema, SiteSchema,
                      UnitFilterSchema, UnitStatusSchema)

EXAMPLES = load_examples(__name__.rpartition(".")[0])
SITE_REPLY = ("The site: its details, `status`, unit and household figures (`capacity_persons`, `units_free`, "
              "`households`, `occupants`, `waitlisted_households`, `occupancy_rate`), its latest `services` figures "
              "and its minimum-standards indicators (`standards`).")
NO_SITE = "no site has this `site_id`"


def _site_id(**kwargs):
    return UUIDString(required=True, **kwargs)


CREATE_SITE = RpcContract(
    "Open a site (a camp, collective centre...). Add shelter units to it (`add_shelter_units`) before households "
    "registered there can be given one.",
    args={"site": SiteSchema}, reply=SITE_REPLY, example=EXAMPLES.get("create_site"), writes=True,
    errors={"ValidationError": "a field of `site` is missing or wrong (`site.lat`, ...)",
            "Conflict": "the site `code` is used by another site"})

UPDATE_SITE = RpcContract(
    "Change a site's details; only the fields given change (close and reopen change its status).",
    args={"site_id": _site_id(), "changes": SiteChangesSchema}, reply=SITE_REPLY, writes=True,
    example=EXAMPLES.get("update_site"),
    errors={"ValidationError": "`changes` is empty or a field is wrong (`changes.<field>`)", "NotFound": NO_SITE,
            "Conflict": "the new `code` is used by another site"})

CLOSE_SITE = RpcContract(
    "Close a site: it takes no more households or allocations.",
    args={"site_id": _site_id(), **CloseSchema().fields}, reply=SITE_REPLY, writes=True,
    example=EXAMPLES.get("close_site"),
    errors={"NotFound": NO_SITE, "Conflict": "the site is already closed, or still shelters households"})

REOPEN_SITE = RpcContract(
    "Reopen a closed site.", args={"site_id": _site_id()}, reply=SITE_REPLY, writes=True,
    example=EXAMPLES.get("reopen_site"), errors={"NotFound": NO_SITE, "Conflict": "the site is open"})

GET_SITE = RpcContract("One site.", args={"site_id": _site_id()}, reply=SITE_REPLY,
                       example=EXAMPLES.get("get_site"), errors={"NotFound": NO_SITE})

LIST_SITES = RpcContract("The sites, filtered by any of status, adm1 and site type (keywords).",
                         args=SiteFilterSchema, reply="A list of sites as `get_site` returns them.",
                         example=EXAMPLES.get("list_sites"))

RECORD_SITE_SERVICES = RpcContract(
    "Record a site's services figures (CCCM site monitoring: latrines, water, showers) as of a day.",
    args={"site_id": _site_id(), "services": ServicesSchema}, reply=SITE_REPLY, writes=True,
    example=EXAMPLES.get("record_site_services"),
    errors={"ValidationError": "a field of `services` is wrong (`services.latrines_female` above `latrines`...)",
            "NotFound": NO_SITE})

ADD_SHELTER_UNITS = RpcContract(
    "Add shelter units (tents, rooms...) to an open site. A unit's capacity is derived from its covered area and the "
    "Sphere standard (3.5 m² a person) unless given; waiting households are housed at once.",
    args={"site_id": _site_id(), **AddUnitsSchema().fields},
    reply="`units`: the new units (`unit_id`, `number`, `unit_type`, `covered_area_m2`, `capacity_persons`, "
          "`capacity_derived`, `status`); `site`: the site as `get_site` returns it.", writes=True,
    example=EXAMPLES.get("add_shelter_units"),
    errors={"ValidationError": "a unit spec is wrong (`units.0.unit_type`...) or more than 1000 units in all",
            "NotFound": NO_SITE, "Conflict": "the site is closed"})

SET_UNIT_STATUS = RpcContract(
    "Make a unit available or unavailable (damaged, under repair).",
    args={"unit_id": UUIDString(required=True), **UnitStatusSchema().fields}, reply="The unit.", writes=True,
    example=EXAMPLES.get("set_unit_status"),
    errors={"NotFound": "no unit has this `unit_id`", "Conflict": "the unit is occupied (to make it unavailable)"})

LIST_UNITS = RpcContract(
    "A site's units, each with the `household_id` holding it (or null).",
    args={"site_id": _site_id(), **UnitFilterSchema().fields}, reply="A list of units.",
    example=EXAMPLES.get("list_units"), errors={"NotFound": NO_SITE})

ALLOCATE_SHELTER = RpcContract(
    "The camp manager's override: put a registered household in a given unit of its site (households are otherwise "
    "allocated automatically when registered, or queued).",
    args={"household_id": UUIDString(required=True), "unit_id": UUIDString(required=True)},
    reply="The household's allocation as `get_allocation` returns it.", writes=True,
    example=EXAMPLES.get("allocate_shelter"),
    errors={"NotFound": "no unit has this id, or shelter has not yet heard of the household",
            "Conflict": "the household departed or is at another site, the site is closed, the unit is unavailable or "
                        "taken"})

GET_ALLOCATION = RpcContract(
    "Where a household is sheltered: `status` (allocated, waitlisted, unallocated), its unit, its position in the "
    "site's queue while it waits.",
    args={"household_id": UUIDString(required=True)}, reply="The household's allocation.",
    example=EXAMPLES.get("get_allocation"), errors={"NotFound": "shelter has not (yet) heard of the household"})

GET_ALLOCATION_HISTORY = RpcContract(
    "A household's allocations and releases, oldest first.", args={"household_id": UUIDString(required=True)},
    reply="A list of moves (`at`, `action`, `unit_id`, `reason`, `manual`, `actor`).",
    example=EXAMPLES.get("get_allocation_history"), errors={"NotFound": "shelter has not heard of the household"})

LIST_WAITLIST = RpcContract(
    "The households waiting for a unit at a site, in queue order.", args={"site_id": _site_id()},
    reply="A list of (`household_id`, `persons`, `position`, `since`).", example=EXAMPLES.get("list_waitlist"),
    errors={"NotFound": NO_SITE})
