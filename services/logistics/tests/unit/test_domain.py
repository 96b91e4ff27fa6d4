"""The logistics rules alone: shares, first expiry first out, the ledger's arithmetic, receipts of waybills, request
roll-ups and the pipeline."""
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import given, strategies as st

from haven_logistics import domain

TODAY = date(2026, 12, 1)


@dataclass
class Line:
    id: str
    lot: str
    quantity: int
    expires_on: date | None = None
    condition: str = "good"
    created_at: int = 0  # the order lines came in


@pytest.mark.parametrize("rule, quantity, persons, size, share", [
    ("per_household", 2, None, 9, 2), ("per_persons", 1, 5, 1, 1), ("per_persons", 1, 5, 5, 1),
    ("per_persons", 1, 5, 6, 2), ("per_persons", 1, 1, 7, 7), ("per_persons", 2, 3, 4, 4),
])
def test_a_households_share(rule, quantity, persons, size, share):
    assert domain.share(rule, quantity, persons, size) == share


def test_first_expiry_first_out_skips_expired_and_damaged_lots():
    lines = [Line("z", "NEWER", 10, created_at=2), Line("a", "OLDER", 10, created_at=1),
             Line("b", "LATE", 10, TODAY + timedelta(days=90)),
             Line("c", "SOON", 3, TODAY + timedelta(days=5)), Line("d", "GONE", 50, TODAY),
             Line("e", "BROKEN", 50, condition="damaged")]
    assert [(line.lot, n) for line, n in domain.pick(lines, 25, TODAY)] == [
        ("SOON", 3), ("LATE", 10), ("OLDER", 10), ("NEWER", 2)], "expiring first, then first in first out"
    with pytest.raises(domain.StockShortage) as short:
        domain.pick(lines, 34, TODAY)
    assert (short.value.available, short.value.wanted) == (33, 34)


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(-5, 5)), max_size=8), st.integers(1, 200))
def test_a_pick_takes_exactly_what_was_asked_from_usable_lots_or_nothing(lots, wanted):
    lines = [Line(str(i), f"L{i}", q, TODAY + timedelta(days=d), created_at=i) for i, (q, d) in enumerate(lots)]
    usable = sum(line.quantity for line in lines if domain.dispatchable(line, TODAY))
    if usable < wanted:
        with pytest.raises(domain.StockShortage):
            domain.pick(lines, wanted, TODAY)
        return
    picks = domain.pick(lines, wanted, TODAY)
    assert sum(n for _, n in picks) == wanted
    assert all(0 < n <= line.quantity and domain.dispatchable(line, TODAY) for line, n in picks)
    expiries = [line.expires_on for line, _ in picks]
    assert expiries == sorted(expiries)


def test_the_ledger_never_goes_below_zero():
    assert domain.post(10, 4, 0, 4) == (6, 0)
    assert domain.post(0, 0, 7, 0) == (7, 7)
    for args in [(10, 4, 0, 5), (3, 10, 0, 4), (5, 5, -1, 0), (5, 5, 1, 1)]:
        with pytest.raises(domain.NegativeBalance):
            domain.post(*args)


def test_a_shortfall_falls_on_the_last_lots():
    picks = [{"lot": "A", "quantity": 6}, {"lot": "B", "quantity": 4}]
    assert [(p["lot"], got, lost) for p, got, lost in domain.split_received(picks, 7)] == [("A", 6, 0),
                                                                                            ("B", 1, 3)]


def test_a_request_rolls_up():
    lines = [{"item_code": "A", "quantity": 10}, {"item_code": "B", "quantity": 5}]
    assert domain.rollup(lines, {}) == "none"
    assert domain.rollup(lines, {"A": 10}) == "partial"
    assert domain.rollup(lines, {"A": 12, "B": 5}) == "complete"


def test_weekly_consumption_from_history_or_the_plan():
    assert domain.weekly_consumption(0, TODAY, None, planned=30.0) == 30.0
    assert domain.weekly_consumption(40, TODAY, TODAY - timedelta(days=60)) == 10.0
    assert domain.weekly_consumption(40, TODAY, TODAY - timedelta(days=3)) == 40.0
    assert domain.planned_consumption(300, TODAY, TODAY + timedelta(days=13)) == 150.0


@pytest.mark.parametrize("on_hand, in_transit, weekly, lead, status, cover", [
    (100, 0, 0, 2, "ok", None), (100, 0, 10, 2, "ok", 10.0), (15, 0, 10, 2, "at_risk", 1.5),
    (5, 15, 10, 2, "ok", 2.0), (0, 0, 10, 2, "broken", 0.0), (0, 0, 0, 2, "ok", None),
])
def test_pipeline_status(on_hand, in_transit, weekly, lead, status, cover):
    figures = domain.pipeline(on_hand, in_transit, weekly, lead)
    assert (figures.status, figures.weeks_of_cover) == (status, cover)


def test_the_default_kits_are_data_a_household_can_be_given():
    codes = {item["code"] for item in domain.DEFAULT_ITEMS}
    assert {"KIT-SHELTER", "KIT-HYGIENE", "BLANKET", "SLEEPING-MAT", "JERRYCAN-20L", "TARP-4X6"} <= codes
    shelter = next(item for item in domain.DEFAULT_ITEMS if item["code"] == "KIT-SHELTER")
    assert shelter["components"] == [{"item_code": "TARP-4X6", "quantity": 2}, {"item_code": "ROPE-30M",
                                                                                 "quantity": 1}]
