"""The logistics service's rules in plain Python: no broker, no session, no clock of their own (pass the time in),
so each is unit-tested directly: a household's share, first expiry first out, the ledger's arithmetic, what a
waybill's receipt means, a request's roll-up, and the pipeline (weekly consumption, cover, status)."""
import math
from dataclasses import dataclass
from datetime import timedelta

MAX_PAGE = 200          # the most records one call returns
MAX_BATCH = 1000        # distributions per record_distributions call (as registration's bulk call)
MAX_LINES = 200         # lines per receipt, waybill, request or count
MAX_QUANTITY = 10_000_000
CONSUMPTION_WEEKS = 4   # weekly consumption is the mean of the last four weeks' distributions

OK, AT_RISK, BROKEN = "ok", "at_risk", "broken"

# Shipped as data (editable over RPC: put_item): the defaults a response starts with.
DEFAULT_ITEMS = (
    {"code": "TARP-4X6", "name": "Tarpaulin 4 x 6 m, reinforced", "unit": "piece", "category": "shelter",
     "weight_kg": 4.5, "volume_m3": 0.01, "rule": "per_household", "rule_quantity": 2, "rule_persons": None,
     "components": []},
    {"code": "ROPE-30M", "name": "Polypropylene rope, 30 m", "unit": "roll", "category": "shelter",
     "weight_kg": 1.5, "volume_m3": 0.004, "rule": "per_household", "rule_quantity": 1, "rule_persons": None,
     "components": []},
    {"code": "KIT-SHELTER", "name": "Family shelter kit (2 tarpaulins 4 x 6 m, 30 m rope)", "unit": "kit",
     "category": "shelter", "weight_kg": 10.5, "volume_m3": 0.025, "rule": "per_household", "rule_quantity": 1,
     "rule_persons": None, "components": [{"item_code": "TARP-4X6", "quantity": 2},
                                          {"item_code": "ROPE-30M", "quantity": 1}]},
    {"code": "KIT-HYGIENE", "name": "Family hygiene kit (one per 5 persons)", "unit": "kit", "category": "WASH",
     "weight_kg": 6.0, "volume_m3": 0.03, "rule": "per_persons", "rule_quantity": 1, "rule_persons": 5,
     "components": []},
    {"code": "BLANKET", "name": "Blanket, thermal", "unit": "piece", "category": "NFI", "weight_kg": 1.2,
     "volume_m3": 0.008, "rule": "per_persons", "rule_quantity": 1, "rule_persons": 1, "components": []},
    {"code": "SLEEPING-MAT", "name": "Sleeping mat", "unit": "piece", "category": "NFI", "weight_kg": 0.8,
     "volume_m3": 0.01, "rule": "per_persons", "rule_quantity": 1, "rule_persons": 1, "components": []},
    {"code": "JERRYCAN-20L", "name": "Jerry can, 20 L, collapsible", "unit": "piece", "category": "WASH",
     "weight_kg": 0.3, "volume_m3": 0.002, "rule": "per_household", "rule_quantity": 1, "rule_persons": None,
     "components": []},
)
COUNTED_UNITS = ("piece", "kit", "roll", "set", "box")  # items counted in whole units (quantities are integers anyway)


class StockShortage(Exception):
    """Not enough good, unexpired stock; ``available`` says how much there is."""

    def __init__(self, available, wanted):
        super().__init__(f"{wanted} wanted, {available} available")
        self.available = available
        self.wanted = wanted


class NegativeBalance(Exception):
    """A ledger row that would take a lot or a total below zero: a bug upstream, never written."""


def share(rule, rule_quantity, rule_persons, size):
    """How many a household of ``size`` gets: ``rule_quantity`` per household, or per ``rule_persons`` persons
    rounded up (a hygiene kit per five persons: six persons get two)."""
    if rule == "per_household":
        return rule_quantity
    return rule_quantity * math.ceil(size / rule_persons)


def dispatchable(line, today):
    """Good stock that has not expired by ``today``."""
    return line.condition == "good" and line.quantity > 0 and (line.expires_on is None or line.expires_on > today)


def pick(lines, quantity, today):
    """First expiry first out: ``[(line, quantity)]`` taking ``quantity`` from the good unexpired lines, those
    expiring first first, then those without expiry first in first out; StockShortage if there is not enough."""
    usable = sorted((line for line in lines if dispatchable(line, today)),
                    key=lambda line: (line.expires_on is None, line.expires_on or today, line.created_at, line.id))
    available = sum(line.quantity for line in usable)
    if available < quantity:
        raise StockShortage(available, quantity)
    taken, left = [], quantity
    for line in usable:
        if left == 0:
            break
        take = min(left, line.quantity)
        taken.append((line, take))
        left -= take
    return taken


def post(total, lot, quantity_in, quantity_out):
    """The balances after a ledger row: (total, lot). NegativeBalance rather than a balance below zero."""
    if quantity_in < 0 or quantity_out < 0 or (quantity_in and quantity_out):
        raise NegativeBalance(f"a ledger row moves one way: in {quantity_in}, out {quantity_out}")
    total, lot = total + quantity_in - quantity_out, lot + quantity_in - quantity_out
    if total < 0 or lot < 0:
        raise NegativeBalance(f"balance would be {total} (lot {lot})")
    return total, lot


def split_received(picks, received):
    """Which of a line's dispatched lots ``received`` units are: the picks in order filled first, the shortfall
    falling on the last ones. Returns ``[(pick, received, lost)]``."""
    out, left = [], received
    for one in picks:
        got = min(left, one["quantity"])
        out.append((one, got, one["quantity"] - got))
        left -= got
    return out


def rollup(requested, delivered):
    """A request's state from its lines ``[{"item_code", "quantity"}]`` and what waybills naming it delivered
    (received, or on their way) ``{item_code: quantity}``: none, partial or complete."""
    if not any(delivered.get(line["item_code"], 0) for line in requested):
        return "none"
    if all(delivered.get(line["item_code"], 0) >= line["quantity"] for line in requested):
        return "complete"
    return "partial"


def weekly_consumption(distributed, today, first_distribution=None, planned=0.0):
    """Units a week: the mean of the last CONSUMPTION_WEEKS weeks' distributions (``distributed``: units handed out
    in that window; fewer weeks when distributions started less long ago), or ``planned`` with no history yet."""
    if not distributed:
        return float(planned)
    weeks = CONSUMPTION_WEEKS
    if first_distribution is not None:
        days = (today - first_distribution).days + 1
        weeks = min(CONSUMPTION_WEEKS, max(1, math.ceil(days / 7)))
    return distributed / weeks


def planned_consumption(per_household_total, starts_on, ends_on):
    """A planned round's units a week: what every household at the site should get, over the round's weeks."""
    weeks = max(1, math.ceil(((ends_on - starts_on).days + 1) / 7))
    return per_household_total / weeks


@dataclass(frozen=True)
class Pipeline:
    on_hand: int
    in_transit: int
    weekly_consumption: float
    weeks_of_cover: float | None  # None: nothing is being consumed
    status: str


def pipeline(on_hand, in_transit, weekly, lead_time_weeks):
    """Cover and status of a warehouse x item: broken when nothing is left (on hand and on its way) while something
    is consumed, at risk when the weeks of cover are under the resupply lead time, ok otherwise."""
    available = on_hand + in_transit
    if weekly <= 0:
        return Pipeline(on_hand, in_transit, 0.0, None, OK)
    cover = available / weekly
    status = BROKEN if available <= 0 else AT_RISK if cover < lead_time_weeks else OK
    return Pipeline(on_hand, in_transit, round(weekly, 3), round(cover, 2), status)


def since(today, weeks=CONSUMPTION_WEEKS):
    """The first day of the consumption window ending ``today``."""
    return today - timedelta(days=7 * weeks - 1)


def next_offset(offset, limit, returned):
    """Where the next page starts, or None when this one was the last (it held fewer than ``limit``)."""
    return offset + limit if returned >= limit else None
