"""The logistics service: entrypoints only, each a visible method handing over to a use case (catalogue,
warehouses, movements, waybills, distributions) or to the kernel's site replica and the household handlers."""
from haven_contracts import catalogue
from haven_contracts.shelter import SITE_REPLICA
from haven_kernel.messaging import event_handler
from haven_kernel.replica import Replica
from haven_kernel.rpc import ServiceRpc, rpc
from haven_kernel.fieldsync import FieldSync
from haven_kernel.service import HavenService, Settings

from . import api, catalogue as items, handlers, movements, views, waybills, warehouses
from .distributions import Distributions, create_round, get_round
from .models import Site
from .repository import Repository


class LogisticsService(HavenService):
    name = "logistics"
    catalogue = catalogue  # what it may emit: the events haven_contracts.logistics lists

    shelter = ServiceRpc(SITE_REPLICA.source, scopes=SITE_REPLICA.scopes, timeout=5.0)  # the sites' fallback
    field_sync = Settings(FieldSync.from_config)  # FIELD_SYNC_WINDOW_DAYS and _MAX_BATCH; a bad value stops the start

    # -- items and kits --------------------------------------------------------------------------------------------
    @rpc(scope="logistics:read", contract=api.LIST_ITEMS)
    def list_items(self):
        return items.list_items(self.db)

    @rpc(scope="logistics:read", contract=api.GET_ITEM)
    def get_item(self, code):
        return items.get_item(self.db, code)

    @rpc(scope="logistics:write", idempotent=True, contract=api.PUT_ITEM)
    def put_item(self, item, expected_version=None):
        return items.put_item(self.db, item, expected_version)

    # -- warehouses and stock --------------------------------------------------------------------------------------
    @rpc(scope="logistics:write", idempotent=True, contract=api.CREATE_WAREHOUSE)
    def create_warehouse(self, warehouse):
        return warehouses.create_warehouse(self.db, warehouse, site_lookup=self.shelter)

    @rpc(scope="logistics:read", contract=api.LIST_WAREHOUSES)
    def list_warehouses(self, site_id=None):
        return warehouses.list_warehouses(self.db, site_id)

    @rpc(scope="logistics:read", contract=api.GET_WAREHOUSE)
    def get_warehouse(self, warehouse_id):
        return warehouses.get_warehouse(self.db, warehouse_id)

    @rpc(scope="logistics:write", idempotent=True, contract=api.SET_STOCK_LEVEL)
    def set_stock_level(self, level, expected_version=None):
        return warehouses.set_stock_level(self.db, level, expected_version)

    @rpc(scope="logistics:read", contract=api.STOCK_ON_HAND)
    def stock_on_hand(self, warehouse_id, item_code=None):
        return warehouses.stock_on_hand(self.db, warehouse_id, item_code)

    @rpc(scope="logistics:read", contract=api.STOCK_CARD)
    def stock_card(self, warehouse_id, item_code, limit=100, offset=0):
        return warehouses.stock_card(self.db, warehouse_id, item_code, limit, offset)

    @rpc(scope="logistics:read", contract=api.PIPELINE)
    def pipeline(self, warehouse_id=None):
        return warehouses.pipeline_view(self.db, warehouse_id)

    # -- movements -------------------------------------------------------------------------------------------------
    @rpc(scope="logistics:write", idempotent=True, contract=api.RECEIVE_STOCK)
    def receive_stock(self, receipt):
        return movements.receive_stock(self.db, receipt)

    @rpc(scope="logistics:write", idempotent=True, contract=api.ADJUST_STOCK)
    def adjust_stock(self, adjustment):
        return movements.adjust_stock(self.db, adjustment)

    @rpc(scope="logistics:write", idempotent=True, contract=api.RECORD_COUNT)
    def record_count(self, count):
        return movements.record_count(self.db, count)

    @rpc(scope="logistics:write", idempotent=True, contract=api.CREATE_WAYBILL)
    def create_waybill(self, waybill):
        return waybills.create_waybill(self.db, waybill)

    @rpc(scope="logistics:read", contract=api.GET_WAYBILL)
    def get_waybill(self, waybill_id):
        return waybills.get_waybill(self.db, waybill_id)

    @rpc(scope="logistics:write", idempotent=True, contract=api.DISPATCH_WAYBILL)
    def dispatch_waybill(self, waybill_id, expected_version=None):
        return waybills.dispatch_waybill(self.db, waybill_id, expected_version=expected_version)

    @rpc(scope="logistics:write", idempotent=True, contract=api.RECEIVE_WAYBILL)
    def receive_waybill(self, waybill_id, receipt, expected_version=None):
        return waybills.receive_waybill(self.db, waybill_id, receipt, expected_version)

    @rpc(scope="logistics:write", idempotent=True, contract=api.CANCEL_WAYBILL)
    def cancel_waybill(self, waybill_id, expected_version=None):
        return waybills.cancel_waybill(self.db, waybill_id, expected_version=expected_version)

    @rpc(scope="logistics:write", idempotent=True, contract=api.RETURN_WAYBILL)
    def return_waybill(self, waybill_id, expected_version=None):
        return waybills.return_waybill(self.db, waybill_id, expected_version=expected_version)

    @rpc(scope="logistics:write", idempotent=True, contract=api.CREATE_REQUEST)
    def create_request(self, request):
        return waybills.create_request(self.db, request, site_lookup=self.shelter)

    @rpc(scope="logistics:read", contract=api.GET_REQUEST)
    def get_request(self, request_id):
        return waybills.get_request(self.db, request_id)

    # -- distributions ---------------------------------------------------------------------------------------------
    @rpc(scope="logistics:write", idempotent=True, contract=api.CREATE_ROUND)
    def create_round(self, round):
        return create_round(self.db, round, site_lookup=self.shelter)

    @rpc(scope="logistics:read", contract=api.GET_ROUND)
    def get_round(self, round_id):
        return get_round(self.db, round_id)

    @rpc(scope="logistics:write", idempotent=True, contract=api.RECORD_DISTRIBUTION)
    def record_distribution(self, distribution):
        return Distributions(self.db, self.field_sync).record(distribution)

    @rpc(scope="logistics:write", idempotent=True, contract=api.RECORD_DISTRIBUTIONS)
    def record_distributions(self, distributions):
        return Distributions(self.db, self.field_sync).record_many(distributions)

    @rpc(scope="logistics:write", idempotent=True, contract=api.SYNC_DISTRIBUTIONS)
    def sync_distributions(self, items):
        return Distributions(self.db, self.field_sync).sync(items)

    # -- the site replica and the households, from shelter's and registration's events -----------------------------
    @event_handler("shelter", "site_opened")
    def on_site_opened(self, event):
        Replica(Site, self.db).apply(event)

    @event_handler("shelter", "site_updated")
    def on_site_updated(self, event):
        Replica(Site, self.db).apply(event)

    @event_handler("shelter", "site_closed")
    def on_site_closed(self, event):
        Replica(Site, self.db).apply(event)

    def prepare_event_batch(self, events):
        handlers.prepare(self.db, [e for e in events if e.source == "registration"])

    @event_handler("registration", "household_registered")
    def on_household_registered(self, event):
        handlers.household_changed(self.db, event)

    @event_handler("registration", "household_updated")
    def on_household_updated(self, event):
        handlers.household_changed(self.db, event)

    @event_handler("registration", "household_departed")
    def on_household_departed(self, event):
        handlers.household_changed(self.db, event)

    @event_handler("registration", "household_relocated")
    def on_household_relocated(self, event):
        handlers.household_changed(self.db, event)

    # -- metrics ---------------------------------------------------------------------------------------------------
    def business_metrics(self, session):
        return views.metric_families(Repository(session).stock_rows())
