"""Household events applied as one batch, the way the kernel applies events that wait in shelter's queue: the
service prepares the batch (sites and households locked once), each event is applied in turn, and the transaction
commits once. The result must be what the same events give one at a time."""
import uuid

import pytest
import sqlalchemy as sa

from haven_contracts import catalogue
from haven_kernel.auth import Caller
from haven_kernel.context import CALLER_CONTEXT_KEY
from haven_kernel.db import OutboxEvent, UnitOfWork
from haven_shelter.service import ShelterService

pytestmark = pytest.mark.service

FAMILY_TENT = {"unit_type": "family_tent", "covered_area_m2": 16.0}  # 4 persons


def apply_as_one_batch(shelter, changes):
    """``changes``: [(event_type, data)]. Returns [(event_type, data, correlation_id)] of what the batch emitted."""
    events = [catalogue.parse(catalogue.envelope("registration", event_type, data, correlation_id=f"corr-{i}"))
              for i, (event_type, data) in enumerate(changes)]
    caller = Caller(sub="service:shelter", org="HAVEN", scopes=("admin",)).as_context()
    unit = UnitOfWork(shelter.database.session_factory, "shelter", {CALLER_CONTEXT_KEY: caller}, catalogue)
    service = ShelterService.__new__(ShelterService)  # the service's own batch code, without a container
    service.db = unit
    with shelter.database.session_factory() as session:
        before = session.execute(sa.select(sa.func.max(OutboxEvent.id))).scalar() or 0
    try:
        service.prepare_event_batch(events)
        for event in events:
            unit.use_context({"correlation_id": event.correlation_id, CALLER_CONTEXT_KEY: caller})
            getattr(service, f"on_{event.event_type}")(event)  # the handler entrypoint's method
        unit.commit()
    finally:
        unit.rollback()
        unit.close()
    with shelter.database.session_factory() as session:
        rows = session.execute(sa.select(OutboxEvent.envelope).where(OutboxEvent.id > before)
                               .order_by(OutboxEvent.id)).scalars().all()
    return [(e["event_type"], e["data"], e["correlation_id"]) for e in rows]


def test_a_site_filled_and_freed_in_one_batch_is_reported_full_by_the_event_that_filled_it(
        shelter, make_household_data):
    site_id = shelter.create_site(units=[FAMILY_TENT, FAMILY_TENT])["site_id"]
    earlier = make_household_data(site_id, size=4)
    shelter.household_event("household_registered", earlier)
    shelter.wait_status(earlier["household_id"], "allocated")
    newcomer = make_household_data(site_id, size=4)
    emitted = apply_as_one_batch(shelter, [
        ("household_registered", newcomer),                                     # takes the last tent
        ("household_departed", {**earlier, "status": "departed", "version": 2,  # frees one
                                "reason": "returned_home", "departure_date": "2026-11-29"}),
    ])
    assert [(kind, data["household_id"] if "household_id" in data else data["site_id"], corr)
            for kind, data, corr in emitted] == [
        ("shelter_allocated", newcomer["household_id"], "corr-0"),
        ("site_full", site_id, "corr-0"),
        ("shelter_released", earlier["household_id"], "corr-1"),
    ], "full when the newcomer took the last tent, said before the departure freed one, under the filling event"
    assert shelter.allocation(newcomer["household_id"])[0] == "allocated"
    assert shelter.allocation(earlier["household_id"])[0] == "released"


def test_more_households_than_units_in_one_batch(shelter, make_household_data):
    site_id = shelter.create_site(units=[FAMILY_TENT] * 3)["site_id"]
    households = [make_household_data(site_id, size=4) for _ in range(5)]
    emitted = apply_as_one_batch(shelter, [("household_registered", h) for h in households])
    allocated = [data for kind, data, _ in emitted if kind == "shelter_allocated"]
    waiting = [data for kind, data, _ in emitted if kind == "allocation_waitlisted"]
    assert [a["household_id"] for a in allocated] == [h["household_id"] for h in households[:3]]
    assert len({a["unit_id"] for a in allocated}) == 3, "three households, three different tents"
    assert [(w["household_id"], w["position"]) for w in waiting] == [
        (households[3]["household_id"], 1), (households[4]["household_id"], 2)], "the others queue in order"
    assert [kind for kind, _, _ in emitted].count("site_full") == 1
    again = make_household_data(site_id, size=4, household_id=households[0]["household_id"], version=2,
                                status="departed", reason="returned_home", departure_date="2026-11-29")
    emitted = apply_as_one_batch(shelter, [("household_departed", again)])
    served = [data for kind, data, _ in emitted if kind == "shelter_allocated"]
    assert [s["household_id"] for s in served] == [households[3]["household_id"]], "the first in the queue"
    assert served[0]["unit_id"] == allocated[0]["unit_id"], "gets the tent just freed"
    assert str(uuid.UUID(served[0]["unit_id"]))
