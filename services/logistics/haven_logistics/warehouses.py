"""Warehouses (a central warehouse, or a site's store when it names a site), their reorder levels and lead times,
and reading stock back: on hand per lot, and the stock card (the ledger of one warehouse x item, oldest first)."""
import uuid

from haven_kernel import versions
from haven_kernel.clock import utcnow
from haven_kernel.errors import Conflict, NotFound, ValidationError
from haven_kernel.replica import Replica
from haven_kernel.validation import load, parse_uuid

from . import access, views
from .catalogue import known_item
from .models import Site, Warehouse
from .pipeline import figures, review
from .repository import Repository
from .schemas import PageSchema, StockLevelSchema, WarehouseSchema


def create_warehouse(unit, payload, site_lookup=None):
    data = load(WarehouseSchema(), payload, field="warehouse")
    repository = Repository(unit.session)
    if data["site_id"] is not None and Replica(Site, unit, fallback=site_lookup).get(data["site_id"]) is None:
        raise ValidationError({"warehouse.site_id": [f"Unknown site {data['site_id']}."]})
    if repository.warehouse_by_code(data["code"]) is not None:
        raise Conflict(f"a warehouse with code {data['code']} exists already")
    warehouse = Warehouse(id=str(uuid.uuid4()), org=unit.caller.org, created_at=utcnow(), **data)
    unit.session.add(warehouse)
    unit.session.flush()
    unit.emit("warehouse_opened", views.warehouse_event(warehouse))
    return views.warehouse(warehouse)


def warehouse_to_change(unit, warehouse_id, field="warehouse_id"):
    """A warehouse the caller may make a movement in (``access``): NotFound if there is none, Forbidden if it may
    not."""
    return access.warehouse_to_change(unit, any_warehouse(unit, warehouse_id, field))


def any_warehouse(unit, warehouse_id, field="warehouse_id"):
    """Any warehouse (stock figures are open to every reader); NotFound if there is none."""
    warehouse_id = parse_uuid(warehouse_id, field)
    warehouse = Repository(unit.session).warehouse(warehouse_id)
    if warehouse is None:
        raise NotFound(f"warehouse {warehouse_id} does not exist")
    return warehouse


def list_warehouses(unit, site_id=None):
    site_id = None if site_id is None else parse_uuid(site_id, "site_id")
    return [views.warehouse(w) for w in Repository(unit.session).warehouses(site_id=site_id)]


def get_warehouse(unit, warehouse_id):
    warehouse = any_warehouse(unit, warehouse_id)
    return {**views.warehouse(warehouse), "stock": stock_on_hand(unit, warehouse.id)["items"]}


def set_stock_level(unit, payload, expected_version=None):
    """The reorder level and resupply lead time of a warehouse x item (no quantity: those change by movements).
    ``expected_version``: the position's ``version`` as read (1 while it has the defaults)."""
    expected = versions.expected_version(expected_version, "stock level")
    data = load(StockLevelSchema(), payload, field="level")
    warehouse = warehouse_to_change(unit, data["warehouse_id"], "level.warehouse_id")
    repository = Repository(unit.session)
    known_item(repository, data["item_code"], "level.item_code")
    position = repository.lock_positions({(warehouse.id, data["item_code"])}, create=True)[
        (warehouse.id, data["item_code"])]
    versions.require_version("stock level of", f"{data['item_code']} at warehouse {warehouse.id}", position.version,
                             expected)
    position.reorder_level = data["reorder_level"]
    position.lead_time_weeks = data["lead_time_weeks"]
    position.version += 1
    review(unit, position)
    return views.position(position, figures(unit, position), repository.lines(warehouse.id, data["item_code"]))


def stock_on_hand(unit, warehouse_id, item_code=None):
    """Per item of a warehouse: on hand, its lots, the pipeline figures."""
    warehouse = any_warehouse(unit, warehouse_id)
    repository = Repository(unit.session)
    lines = {}
    for line in repository.lines_of_warehouse(warehouse.id, item_code):
        lines.setdefault(line.item_code, []).append(line)
    return {"warehouse_id": warehouse.id,
            "items": [views.position(p, figures(unit, p), lines.get(p.item_code, []))
                      for p in repository.positions(warehouse.id, item_code)]}


def stock_card(unit, warehouse_id, item_code, limit=100, offset=0):
    warehouse = any_warehouse(unit, warehouse_id)
    page = load(PageSchema(), {"limit": limit, "offset": offset})
    repository = Repository(unit.session)
    if not isinstance(item_code, str) or repository.item(item_code) is None:
        raise ValidationError({"item_code": [f"Unknown item {item_code}."]})
    rows = repository.card(warehouse.id, item_code, page["limit"], page["offset"])
    position = repository.position(warehouse.id, item_code)
    return {"warehouse_id": warehouse.id, "item_code": item_code,
            "on_hand": position.on_hand if position else 0,
            "rows": [views.ledger_row(r) for r in rows],
            "next_offset": page["offset"] + page["limit"] if len(rows) == page["limit"] else None}


def pipeline_view(unit, warehouse_id=None):
    """Every warehouse x item's pipeline (or one warehouse's)."""
    repository = Repository(unit.session)
    warehouse_id = None if warehouse_id is None else any_warehouse(unit, warehouse_id).id
    return [views.pipeline(p, figures(unit, p)) for p in repository.positions(warehouse_id)]
