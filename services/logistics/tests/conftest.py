"""Fixtures for the logistics service's tests (the kernel's pytest plugin gives the rest: amqp_uri, database_url,
start_service, sqlite_unit, ...)."""
from datetime import date

import pytest

from haven_contracts import catalogue
from haven_contracts.testing import household_event, site_event
from haven_kernel.testing import ServiceHarness, publish_event, wait_until

from haven_logistics.service import LogisticsService

TODAY = date.today().isoformat()


class LogisticsHarness(ServiceHarness):
    service = LogisticsService
    tokens = {"writer": (("logistics:write", "logistics:read"), "IOM", None),
              "reader": (("logistics:read",), "IOM", None),
              "other": (("logistics:write", "logistics:read"), "UNHCR", None)}

    def table_counts(self):
        from haven_kernel.db import OutboxEvent
        from haven_logistics.models import Distribution, Ledger, StockLine, Waybill
        return {m.__tablename__: self.count(m) for m in (Ledger, StockLine, Waybill, Distribution, OutboxEvent)}

    def site(self, **fields):
        """A site shelter announced (its event published as shelter's relay would), once logistics has it."""
        from haven_logistics.models import Site
        data = site_event(**fields)
        publish_event(self.amqp_uri, catalogue, "shelter", "site_opened", data)
        wait_until(lambda: self.count(Site, Site.site_id == data["site_id"]) == 1, message="site replicated")
        return data["site_id"]

    def households(self, site_id, count, size=4):
        """``count`` households registration announced at ``site_id``, once logistics knows them all."""
        from haven_logistics.models import Household
        ids = []
        for _ in range(count):
            data = household_event(site_id, size=size)
            self.household_event("household_registered", data)
            ids.append(data["household_id"])
        wait_until(lambda: self.count(Household, Household.id.in_(ids)) == count, message="households known")
        return ids

    def household_event(self, event_type, data, event_id=None):
        return publish_event(self.amqp_uri, catalogue, "registration", event_type, data, event_id=event_id)

    def world(self, client, stock=0, item="KIT-SHELTER"):
        """A site, its store and a central warehouse; ``stock`` of ``item`` received at the store."""
        site_id = self.site()
        central = client.logistics.create_warehouse({"code": "CW-1", "name": "Central", "adm1": "Sofala",
                                                     "adm2": "Beira"})["warehouse_id"]
        store = client.logistics.create_warehouse({"code": "ST-1", "name": "Store", "adm1": "Sofala",
                                                   "adm2": "Buzi", "site_id": site_id})["warehouse_id"]
        if stock:
            client.logistics.receive_stock(receipt(store, item, stock))
        return site_id, central, store


def receipt(warehouse_id, item_code, quantity, lot="L1"):
    return {"warehouse_id": warehouse_id, "kind": "donation", "from_org": "ECHO", "received_on": TODAY,
            "lines": [{"item_code": item_code, "quantity": quantity, "lot": lot}]}


@pytest.fixture
def logistics(amqp_uri, database_url, start_service):
    """The service tier: the service in-process on a RabbitMQ vhost and a PostgreSQL database of its own."""
    return LogisticsHarness.start(amqp_uri, database_url, start_service)


@pytest.fixture
def unit(sqlite_unit):
    """The usecases tier: the service's unit of work on SQLite, acting for an IOM partner that reads and writes."""
    return sqlite_unit(LogisticsService, "logistics:read", "logistics:write", org="IOM")
