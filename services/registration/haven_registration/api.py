"""Registration's RPC contracts: what a partner must know of each method (haven_kernel.contract). Arguments come
from the schemas the methods validate with; example calls and replies from real calls (examples.json)."""
from marshmallow import fields, validate

from haven_kernel import versions
from haven_kernel.contract import RpcContract, load_examples
from haven_kernel.fieldsync import DEFAULT_MAX_BATCH, sync_items
from haven_kernel.validation import UUIDString

from . import domain
from .schemas import DepartureSchema, HouseholdChangesSchema, HouseholdSchema, SearchSchema

EXAMPLES = load_examples(__name__.rpartition(".")[0])
HOUSEHOLD_REPLY = ("The household: `household_id`, `registration_number`, `site_id`, `status` (active, departed), "
                   "`size`, `origin`, `displacement_date`, `phone`, `consent`, `org`, `version`, `registered_at`, "
                   "`updated_at`, `provenance` (`collected_at`, `place`, `enumerator_id`, `device_id` of a household "
                   "collected offline in the field, or null), `departure` (reason and date, or null), `members` (with "
                   "`member_id` and `age_years`) and `possible_duplicates`.")
REGISTERED_REPLY = ("`household_id`, `registration_number` (e.g. `HV-T8NC-H6K7`), `site_id`, `size`, `status` and "
                    "`possible_duplicates` (members that look like members of other households: a link to review, "
                    "never a refusal).")
NO_HOUSEHOLD = "no household has this `household_id`"
SITE_ERRORS = {"NotFound": "the site is not known (open it with shelter's `create_site` first)",
               "Conflict": "the site is closed"}
EXPECTED_VERSION = versions.expected_version_field("household")
STALE = "`expected_version` is given and the household's `version` differs (it changed since it was read)"
COMPOSITION = ("a field is wrong (`household.members.0.sex`...), the household has no head or more than one, more "
               "than 30 members, a phone without consent, or `household.provenance.collected_at` is in the future or "
               "older than the field-sync window (FIELD_SYNC_WINDOW_DAYS, 30 days)")

REGISTER_HOUSEHOLD = RpcContract(
    "Register a household at an open site. Shelter then allocates it the smallest free unit that fits, or queues "
    "it (see shelter's `get_allocation`). Give each member's `date_of_birth` or `age_years`. A household collected "
    "offline in the field may carry its `provenance` (when, where, enumerator and device ids); `sync_households` "
    "takes a device's whole batch.",
    args={"household": HouseholdSchema}, reply=REGISTERED_REPLY, writes=True,
    example=EXAMPLES.get("register_household"),
    errors={"ValidationError": COMPOSITION, **SITE_ERRORS,
            "ServiceUnavailable": "the site is not in registration's copy and shelter did not answer in time"})

REGISTER_HOUSEHOLDS = RpcContract(
    "Register up to 1000 households (30,000 members) in one call. Each is registered or refused on its own: the "
    "reply has one item per household, in order, either as `register_household` replies or "
    "`{\"error\": {\"type\", \"message\", \"errors\"}}`, where `type` and `errors` (field map, `household.`-prefixed) "
    "are what `register_household` would raise for that household.",
    args={"households": fields.List(fields.Nested(HouseholdSchema), required=True,
                                    validate=validate.Length(max=domain.MAX_BATCH))},
    reply="A list, one item per household.", writes=True, example=EXAMPLES.get("register_households"),
    errors={"ValidationError": "`households` is not a list, or holds more than 1000 households or 30,000 members "
                               "(the whole call is refused; an item's own errors are in its item)"})

SYNC_HOUSEHOLDS = RpcContract(
    "Register a batch of households collected offline in the field (an ODK/KoBo form, a registration app), each "
    "with the key its device gave it (e.g. the form's instance id: the same every time the device sends it). Each "
    "is registered as `register_household` would, or answered from its key, so a device that got no answer sends "
    "the whole batch again and nothing is registered twice. Keys are kept per organisation (beyond the "
    "idempotency key's 24 hours). Give each household's `provenance.collected_at`: reporting counts it from then.",
    args={"items": sync_items(HouseholdSchema, DEFAULT_MAX_BATCH)},
    reply="A list, one item per item sent, in order, each with `key` and `outcome`: `created` (as "
          "`register_household` replies: `household_id`, `registration_number`, `version`...), `already_synced` "
          "(this key was synced with this household before: `household_id` and its current `version`; nothing "
          "changed), `conflict` (this key was synced with another household: `household_id` and its current "
          "`version`; change it with `update_household` and `expected_version`), `invalid` (`error`: `type`, "
          "`message` and `errors`, what `register_household` would raise; nothing kept, send it again corrected) or "
          "`unavailable` (shelter did not answer; send it again later).",
    writes=True, example=EXAMPLES.get("sync_households"),
    errors={"ValidationError": f"`items` is not a list, or holds no item or more than {DEFAULT_MAX_BATCH} (the "
                               "whole call is refused; an item's own errors are in its item)"})

GET_HOUSEHOLD = RpcContract("One household, with its members.", args={"household_id": UUIDString(required=True)},
                            reply=HOUSEHOLD_REPLY, example=EXAMPLES.get("get_household"),
                            errors={"NotFound": NO_HOUSEHOLD})

SEARCH_HOUSEHOLDS = RpcContract(
    "Find households by site, a member's name (accents and case ignored) or registration number; call with "
    "keywords. Paged with `limit` and `offset`.",
    args=SearchSchema, reply="`total` (all that match), `limit`, `offset` and `items` (this page, as `get_household` returns them).",
    example=EXAMPLES.get("search_households"),
    errors={"ValidationError": "a criterion is wrong, or `name` has no letter or digit"})

UPDATE_HOUSEHOLD = RpcContract(
    "Change a household: origin, displacement date, phone, consent, and members (`members.add`, `members.update` "
    "by `member_id`, `members.remove`). Only the fields given change. Give `expected_version` (the `version` you "
    "read) to change it only if nobody has since.",
    args={"household_id": UUIDString(required=True), "changes": HouseholdChangesSchema,
          "expected_version": EXPECTED_VERSION}, reply=HOUSEHOLD_REPLY,
    writes=True, example=EXAMPLES.get("update_household"),
    errors={"ValidationError": "nothing to change, a field is wrong (`changes.members.add.0.sex`...), or the "
                               "members that would remain break the household's composition",
            "NotFound": NO_HOUSEHOLD, "Conflict": f"the household has departed, or {STALE}"})

RECORD_DEPARTURE = RpcContract(
    "Record that a household left (returned home, resettled...) on a day (ISO date, not in the future, not before "
    "its registration). Its shelter unit is released.",
    args={"household_id": UUIDString(required=True), **DepartureSchema().fields, "expected_version": EXPECTED_VERSION},
    reply=HOUSEHOLD_REPLY, writes=True, example=EXAMPLES.get("record_departure"),
    errors={"ValidationError": "`reason` is not one of the departure reasons, or `date` is wrong",
            "NotFound": NO_HOUSEHOLD, "Conflict": f"the household has departed already, or {STALE}"})

RELOCATE_HOUSEHOLD = RpcContract(
    "Move a household to another open site; shelter releases its unit and allocates it one there (or queues it).",
    args={"household_id": UUIDString(required=True), "to_site_id": UUIDString(required=True),
          "expected_version": EXPECTED_VERSION},
    reply=HOUSEHOLD_REPLY, writes=True, example=EXAMPLES.get("relocate_household"),
    errors={"NotFound": f"{NO_HOUSEHOLD}, or the site is not known",
            "Conflict": f"the household has departed or is at that site already, the site is closed, or {STALE}",
            "ServiceUnavailable": "the site is not in registration's copy and shelter did not answer in time"})
