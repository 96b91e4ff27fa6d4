"""Items and kits: the catalogue every warehouse and round names. The defaults (``domain.DEFAULT_ITEMS``) are
shipped as data by the first migration; ``put_item`` adds or edits one (a kit's components must be known items)."""
from haven_kernel.clock import utcnow
from haven_kernel import versions
from haven_kernel.errors import Conflict, NotFound, ValidationError
from haven_kernel.validation import load

from . import views
from .repository import Repository
from .schemas import ItemSchema


def put_item(unit, payload, expected_version=None):
    """Add or change an item; ``expected_version`` (the item's ``version`` as read) refuses a change to an item
    changed since, or not there at all (Conflict)."""
    expected = versions.expected_version(expected_version, "item")
    data = load(ItemSchema(), payload, field="item")
    repository = Repository(unit.session)
    wanted = {c["item_code"] for c in data["components"]}
    if data["code"] in wanted:
        raise ValidationError({"item.components": ["A kit cannot contain itself."]})
    missing = sorted(wanted - set(repository.items(wanted)))
    if missing:
        raise ValidationError({"item.components": [f"Unknown items: {', '.join(missing)}."]})
    if expected is not None:
        current = repository.item(data["code"], lock=True)
        if current is None:
            raise Conflict(f"item {data['code']} does not exist, so it is not at version {expected}: it is new; "
                           "send it without expected_version")
        versions.require_version("item", current.code, current.version, expected)
    repository.upsert_item({**data, "updated_at": utcnow()})
    unit.session.expire_all()
    return views.item(repository.item(data["code"]))


def list_items(unit):
    return [views.item(row) for row in Repository(unit.session).all_items()]


def get_item(unit, code):
    row = Repository(unit.session).item(code) if isinstance(code, str) else None
    if row is None:
        raise NotFound(f"item {code} does not exist")
    return views.item(row)


def known_item(repository, code, field):
    """The item, or a ValidationError naming ``field``."""
    row = repository.item(code)
    if row is None:
        raise ValidationError({field: [f"Unknown item {code}."]})
    return row
