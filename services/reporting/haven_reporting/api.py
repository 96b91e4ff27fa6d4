"""Reporting's RPC contracts: what a partner must know of each method (haven_kernel.contract). Example calls and
replies come from real calls (examples.json). Reporting is a projection of the other services' events: a change
shows here a moment after the call that made it."""
from marshmallow import fields, validate

from haven_kernel.contract import RpcContract, load_examples
from haven_kernel.validation import Text, UUIDString

from .hxl import TABLES

EXAMPLES = load_examples(__name__.rpartition(".")[0])
SMALL_CELLS = "Counts below the small-cell threshold (default 5) are shown as `<5`."

GET_SITREP = RpcContract(
    "The situation report: per site and per admin area, households and individuals by sex and age band, specific "
    "needs, shelter figures and the minimum-standards indicators, with totals; filtered by `adm1`/`adm2`. "
    + SMALL_CELLS + " `lag_seconds` says how far behind the services' events it is.",
    args={"adm1": Text(max_length=100, allow_none=True, load_default=None),
          "adm2": Text(max_length=100, allow_none=True, load_default=None)},
    reply="`generated_at`, `lag_seconds`, `totals`, `sites`, `admin_areas`.", example=EXAMPLES.get("get_sitrep"),
    errors={"ValidationError": "`adm1` or `adm2` is not text of at most 100 characters"})

GET_SITE_PROFILE = RpcContract(
    "One site's profile: its sitrep row and who does what there (3W).",
    args={"site_id": UUIDString(required=True)}, reply="The site's sitrep row, its 3W rows and `lag_seconds`.",
    example=EXAMPLES.get("get_site_profile"), errors={"NotFound": "reporting has not (yet) heard of the site"})

GET_3W = RpcContract("Who does what where: per organisation and site, households registered and sheltered.",
                     reply="`generated_at` and `rows`.", example=EXAMPLES.get("get_3w"))

EXPORT_HXL = RpcContract(
    "A table as CSV text with HXL hashtags (the humanitarian exchange language), for spreadsheets and HDX.",
    args={"table": fields.String(required=True, validate=validate.OneOf(TABLES))},
    reply="CSV text: a header row, a row of HXL hashtags, then the rows.", example=EXAMPLES.get("export_hxl"),
    errors={"ValidationError": "`table` is not one of the tables"})

REBUILD = RpcContract(
    "Operators only (scope `admin`): drop the projections and replay reporting's archive of events into them.",
    reply="How many events were replayed.", writes=True, example=EXAMPLES.get("rebuild"))
