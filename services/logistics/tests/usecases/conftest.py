"""The middle tier's world: a site the replica knows, its store and a central warehouse, households registration
told logistics about, and helpers that go through the use cases."""
from datetime import date

import pytest

from haven_contracts.testing import Events, household_event, site_event

from haven_logistics import handlers, movements, warehouses
from haven_kernel.replica import Replica
from haven_logistics.models import Site

TODAY = date.today()


class World:
    def __init__(self, unit):
        self.unit = unit
        self.events = Events()
        site = site_event()
        with unit.transaction():
            Replica(Site, unit).apply_data(site)
        self.site_id = site["site_id"]
        with unit.transaction():
            self.central = warehouses.create_warehouse(unit, {"code": "BEIRA-CW", "name": "Beira central",
                                                              "adm1": "Sofala", "adm2": "Beira"})["warehouse_id"]
            self.store = warehouses.create_warehouse(unit, {"code": "GG-STORE", "name": "Guara Guara store",
                                                            "adm1": "Sofala", "adm2": "Buzi",
                                                            "site_id": self.site_id})["warehouse_id"]

    def receive(self, warehouse_id, item_code, quantity, lot="L1", expires_on=None):
        with self.unit.transaction():
            return movements.receive_stock(self.unit, {
                "warehouse_id": warehouse_id, "kind": "donation", "from_org": "ECHO", "received_on": TODAY.isoformat(),
                "lines": [{"item_code": item_code, "quantity": quantity, "lot": lot,
                           "expires_on": expires_on.isoformat() if expires_on else None}]})

    def household(self, size=4, site_id=None, **fields):
        data = household_event(site_id or self.site_id, size=size, **fields)
        self.apply("household_registered", data)
        return data["household_id"]

    def apply(self, event_type, data):
        event = self.events.event("registration", event_type, data)
        self.unit.apply_events([event], handlers.household_changed, prepare=handlers.prepare)

    def on_hand(self, warehouse_id, item_code):
        with self.unit.transaction():
            items = warehouses.stock_on_hand(self.unit, warehouse_id, item_code)["items"]
        return items[0]["on_hand"] if items else 0


@pytest.fixture
def world(unit):
    return World(unit)
