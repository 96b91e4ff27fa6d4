"""The stock ledger: the only code that changes a quantity. Every change locks the warehouse x item's position
(``Repository.lock_positions``), changes a lot's quantity and the position's total, and inserts one ledger row
carrying both balances after it; nothing else writes ``stock_lines.quantity`` or ``positions.on_hand``, and no RPC
sets a quantity. So the card's last balance is the stock on hand, per lot and in total.

Every position touched in a transaction is kept in a :class:`Touched` state; as the transaction commits, its
pipeline is evaluated once and a change of status is emitted (``pipeline.review``)."""
import uuid
from dataclasses import dataclass, field

from haven_kernel.clock import utcnow
from haven_kernel.db import TransactionState
from haven_kernel.errors import Conflict

from . import domain
from .models import Ledger, StockLine
from .repository import Repository


@dataclass
class Touched(TransactionState):
    """Positions changed by this transaction ({key: Position}) and the last ledger row of each."""

    positions: dict = field(default_factory=dict)
    last_ledger: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)  # {key: (ledger id, domain.Pipeline)}: once per state of a position
    lines: dict = field(default_factory=dict)  # {key: [StockLine]}: read once per locked position and kept

    def before_commit(self, unit):
        from .pipeline import review  # the pipeline reads what the ledger wrote
        for key in sorted(self.positions):
            review(unit, self.positions[key])


class Stock:
    def __init__(self, unit):
        self.unit = unit
        self.repository = Repository(unit.session)
        self.touched = unit.state(Touched)

    def lock(self, keys, create=False):
        return self.repository.lock_positions(keys, create=create)

    def lines(self, position):
        """The lots of a locked position, read once per transaction (the lock keeps them as read; this
        transaction's own changes are made on these very objects)."""
        key = (position.warehouse_id, position.item_code)
        if key not in self.touched.lines:
            self.touched.lines[key] = self.repository.lines(*key)
        return self.touched.lines[key]

    def line_for(self, warehouse_id, item_code, lot, expires_on, owner_org, condition="good"):
        """The lot's line in a warehouse, made (at zero) if it is not there yet."""
        known = self.touched.lines.get((warehouse_id, item_code))
        if known is not None:
            line = next((one for one in known if (one.lot, one.expires_on, one.owner_org, one.condition) ==
                         (lot, expires_on, owner_org, condition)), None)
        else:
            line = self.repository.find_line(warehouse_id, item_code, lot, expires_on, owner_org, condition)
        if line is None:
            line = StockLine(id=str(uuid.uuid4()), warehouse_id=warehouse_id, item_code=item_code, lot=lot,
                             expires_on=expires_on, owner_org=owner_org, condition=condition, quantity=0,
                             created_at=utcnow())
            self.unit.session.add(line)
            if known is not None:
                known.append(line)
        return line

    def put(self, position, line, quantity, movement, movement_id):
        return self._post(position, line, quantity, 0, movement, movement_id)

    def take(self, position, line, quantity, movement, movement_id):
        return self._post(position, line, 0, quantity, movement, movement_id)

    def take_first_expiring(self, position, quantity, today, movement, movement_id, what):
        """Take ``quantity`` of good unexpired stock, first expiry first out; Conflict saying what is available when
        there is not enough. Returns the picks [{"line_id", "lot", "expires_on", "owner_org", "quantity"}]."""
        try:
            picks = domain.pick(self.lines(position), quantity, today)
        except domain.StockShortage as short:
            raise Conflict(f"not enough {position.item_code} in stock for {what}: {short.wanted} wanted, "
                           f"{short.available} available (good, unexpired)") from None
        taken = []
        for line, count in picks:
            self.take(position, line, count, movement, movement_id)
            taken.append({"line_id": line.id, "lot": line.lot, "owner_org": line.owner_org, "quantity": count,
                          "expires_on": line.expires_on.isoformat() if line.expires_on else None})
        return taken

    def _post(self, position, line, quantity_in, quantity_out, movement, movement_id):
        total, lot = domain.post(position.on_hand, line.quantity, quantity_in, quantity_out)
        position.on_hand = total
        line.quantity = lot
        row = Ledger(warehouse_id=position.warehouse_id, item_code=position.item_code, line_id=line.id,
                     movement=movement, movement_id=movement_id, quantity_in=quantity_in, quantity_out=quantity_out,
                     lot_balance_after=lot, balance_after=total, org=self.unit.caller.org, at=utcnow())
        self.unit.session.add(row)
        key = (position.warehouse_id, position.item_code)
        self.touched.positions[key] = position
        self.touched.last_ledger[key] = row
        return row

    def balances(self, keys):
        """What events carry: each position's on hand after this transaction's rows, the last row's id, and its
        pipeline figures then (computed once per state of the position, however many events carry them)."""
        from .pipeline import figures
        self.unit.session.flush()
        out = []
        for key in sorted(set(keys)):
            row = self.touched.last_ledger.get(key)
            if row is None:
                continue
            known = self.touched.figures.get(key)
            if known is None or known[0] != row.id:
                known = self.touched.figures[key] = (row.id, figures(self.unit, self.touched.positions[key]))
            pipeline = known[1]
            out.append({"warehouse_id": key[0], "item_code": key[1], "on_hand": row.balance_after,
                        "ledger_id": row.id, "in_transit": pipeline.in_transit,
                        "weekly_consumption": pipeline.weekly_consumption,
                        "weeks_of_cover": pipeline.weeks_of_cover, "status": pipeline.status})
        return out
