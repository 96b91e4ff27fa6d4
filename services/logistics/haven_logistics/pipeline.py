"""The pipeline of each warehouse x item: weekly consumption (the last weeks' distributions from it, or with no
history yet the rounds planned from it x the site's registered households), stock on hand plus dispatched waybills
on their way to it, weeks of cover, and ok / at risk / broken (``domain.pipeline``). Reviewed as every transaction
that changed its stock commits (``stock.Touched``) and when a round is planned; a change of status is emitted once
(``pipeline_status_changed``): the last status is kept on the position, which the transaction holds locked."""
from datetime import date

from sqlalchemy import select

from . import domain, views
from .models import Round
from .repository import Repository


def figures(unit, position, today=None):
    """``domain.Pipeline`` of a position, as of ``today``."""
    today = today or date.today()
    repository = Repository(unit.session)
    distributed, first = repository.distributed_since(position.warehouse_id, position.item_code, domain.since(today))
    planned = 0.0
    if not distributed and first is None:
        planned = planned_weekly(unit, position, today)
    weekly = domain.weekly_consumption(distributed, today, first, planned)
    in_transit = repository.in_transit(position.warehouse_id, position.item_code)
    return domain.pipeline(position.on_hand, in_transit, weekly, position.lead_time_weeks)


def planned_weekly(unit, position, today):
    """Units a week the rounds planned from this warehouse x item (not over yet) would take: each household active
    at the round's site gets its share over the round's weeks."""
    repository = Repository(unit.session)
    rounds = unit.session.execute(select(Round).where(
        Round.warehouse_id == position.warehouse_id, Round.item_code == position.item_code,
        Round.ends_on >= today)).scalars()
    total = 0.0
    for one in rounds:
        need = sum(domain.share(one.rule, one.rule_quantity, one.rule_persons, size)
                   for size in repository.active_sizes_at(one.site_id))
        total += domain.planned_consumption(need, one.starts_on, one.ends_on)
    return total


def review(unit, position):
    """Evaluate a position; emit ``pipeline_status_changed`` when its status differs from the last one (none yet
    counts as ok)."""
    now = figures(unit, position)
    previous = position.pipeline_status
    if now.status == (previous or domain.OK):
        if previous is None:
            position.pipeline_status = now.status
        return
    position.pipeline_status = now.status
    warehouse = Repository(unit.session).warehouse(position.warehouse_id)
    unit.emit("pipeline_status_changed", views.pipeline_event(position, warehouse, now, previous or domain.OK))


def review_positions(unit, keys):
    """Lock and review positions whose consumption changed without a stock movement (a round was planned)."""
    for position in Repository(unit.session).lock_positions(keys).values():
        review(unit, position)
