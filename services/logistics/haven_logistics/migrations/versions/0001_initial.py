"""sites and households (replicas), items, warehouses, positions, stock lines, the insert-only ledger, receipts,
waybills, adjustments, requests, rounds, distributions, outbox and inbox

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

from haven_kernel.migrations import create_kernel_tables, drop_insert_only, drop_kernel_tables, make_insert_only

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None
TABLES = ("distributions", "rounds", "requests", "adjustments", "waybills", "receipts", "ledger", "stock_lines",
          "positions", "warehouses", "items", "households", "sites")


def upgrade():
    op.create_table('adjustments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('warehouse_id', sa.String(length=36), nullable=False),
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.Column('line_id', sa.String(length=36), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('delta', sa.BigInteger(), nullable=False),
    sa.Column('waybill_id', sa.String(length=36), nullable=True),
    sa.Column('count_id', sa.String(length=36), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('org', sa.String(length=50), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adjustments'))
    )
    op.create_index(op.f('ix_adjustments_warehouse_id'), 'adjustments', ['warehouse_id'], unique=False)
    op.create_table('distributions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('round_id', sa.String(length=36), nullable=False),
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('warehouse_id', sa.String(length=36), nullable=False),
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('persons', sa.Integer(), nullable=False),
    sa.Column('distributed_on', sa.Date(), nullable=False),
    sa.Column('org', sa.String(length=50), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_distributions')),
    sa.UniqueConstraint('round_id', 'household_id', name='uq_distributions_round_household')
    )
    op.create_index(op.f('ix_distributions_at'), 'distributions', ['at'], unique=False)
    op.create_table('households',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('site_id', sa.String(length=36), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households'))
    )
    op.create_index(op.f('ix_households_site_id'), 'households', ['site_id'], unique=False)
    items = op.create_table('items',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('weight_kg', sa.Float(), nullable=False),
    sa.Column('volume_m3', sa.Float(), nullable=False),
    sa.Column('rule', sa.String(length=20), nullable=False),
    sa.Column('rule_quantity', sa.Integer(), nullable=False),
    sa.Column('rule_persons', sa.Integer(), nullable=True),
    sa.Column('components', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_items'))
    )
    op.create_table('ledger',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('warehouse_id', sa.String(length=36), nullable=False),
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.Column('line_id', sa.String(length=36), nullable=False),
    sa.Column('movement', sa.String(length=20), nullable=False),
    sa.Column('movement_id', sa.String(length=36), nullable=False),
    sa.Column('quantity_in', sa.BigInteger(), nullable=False),
    sa.Column('quantity_out', sa.BigInteger(), nullable=False),
    sa.Column('lot_balance_after', sa.BigInteger(), nullable=False),
    sa.Column('balance_after', sa.BigInteger(), nullable=False),
    sa.Column('org', sa.String(length=50), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger'))
    )
    op.create_index('ix_ledger_card', 'ledger', ['warehouse_id', 'item_code', 'id'], unique=False)
    op.create_table('receipts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('warehouse_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('from_org', sa.String(length=50), nullable=True),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('org', sa.String(length=50), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipts'))
    )
    op.create_index(op.f('ix_receipts_warehouse_id'), 'receipts', ['warehouse_id'], unique=False)
    op.create_table('requests',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('site_id', sa.String(length=36), nullable=False),
    sa.Column('warehouse_id', sa.String(length=36), nullable=False),
    sa.Column('priority', sa.String(length=20), nullable=False),
    sa.Column('needed_by', sa.Date(), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('org', sa.String(length=50), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requests'))
    )
    op.create_index(op.f('ix_requests_site_id'), 'requests', ['site_id'], unique=False)
    op.create_table('rounds',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('site_id', sa.String(length=36), nullable=False),
    sa.Column('warehouse_id', sa.String(length=36), nullable=False),
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.Column('rule', sa.String(length=20), nullable=False),
    sa.Column('rule_quantity', sa.Integer(), nullable=False),
    sa.Column('rule_persons', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('org', sa.String(length=50), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rounds'))
    )
    op.create_index(op.f('ix_rounds_site_id'), 'rounds', ['site_id'], unique=False)
    op.create_table('sites',
    sa.Column('site_id', sa.String(length=36), nullable=False),
    sa.Column('as_of', sa.DateTime(timezone=True), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('site_type', sa.String(length=30), nullable=False),
    sa.Column('adm1', sa.String(length=100), nullable=False),
    sa.Column('adm2', sa.String(length=100), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('site_id', name=op.f('pk_sites'))
    )
    op.create_table('stock_lines',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('warehouse_id', sa.String(length=36), nullable=False),
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.Column('lot', sa.String(length=50), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('owner_org', sa.String(length=50), nullable=False),
    sa.Column('condition', sa.String(length=20), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_lines')),
    sa.UniqueConstraint('warehouse_id', 'item_code', 'lot', 'expires_on', 'owner_org', 'condition', name='uq_stock_lines_lot')
    )
    op.create_index(op.f('ix_stock_lines_warehouse_id'), 'stock_lines', ['warehouse_id'], unique=False)
    op.create_table('warehouses',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('adm1', sa.String(length=100), nullable=False),
    sa.Column('adm2', sa.String(length=100), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('site_id', sa.String(length=36), nullable=True),
    sa.Column('capacity_m3', sa.Float(), nullable=True),
    sa.Column('org', sa.String(length=50), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warehouses')),
    sa.UniqueConstraint('code', name=op.f('uq_warehouses_code'))
    )
    op.create_index(op.f('ix_warehouses_site_id'), 'warehouses', ['site_id'], unique=False)
    op.create_table('waybills',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('from_warehouse_id', sa.String(length=36), nullable=False),
    sa.Column('to_warehouse_id', sa.String(length=36), nullable=False),
    sa.Column('request_id', sa.String(length=36), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('transporter', sa.String(length=100), nullable=True),
    sa.Column('vehicle', sa.String(length=50), nullable=True),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('picks', sa.JSON(), nullable=True),
    sa.Column('received', sa.JSON(), nullable=True),
    sa.Column('org', sa.String(length=50), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waybills'))
    )
    op.create_index(op.f('ix_waybills_from_warehouse_id'), 'waybills', ['from_warehouse_id'], unique=False)
    op.create_index(op.f('ix_waybills_request_id'), 'waybills', ['request_id'], unique=False)
    op.create_index(op.f('ix_waybills_to_warehouse_id'), 'waybills', ['to_warehouse_id'], unique=False)
    op.create_table('positions',
    sa.Column('warehouse_id', sa.String(length=36), nullable=False),
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.Column('on_hand', sa.BigInteger(), nullable=False),
    sa.Column('reorder_level', sa.Integer(), nullable=False),
    sa.Column('lead_time_weeks', sa.Float(), nullable=False),
    sa.Column('pipeline_status', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['item_code'], ['items.code'], name=op.f('fk_positions_item_code_items')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_positions_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('warehouse_id', 'item_code', name=op.f('pk_positions'))
    )
    # ### end Alembic commands ###
    make_insert_only(op, "ledger")
    create_kernel_tables(op)
    # The default items and kits, shipped as data (editable over RPC: put_item); a later change is a new revision.
    from datetime import datetime, timezone

    from haven_logistics.domain import DEFAULT_ITEMS
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    op.bulk_insert(items, [{**item, "updated_at": now} for item in DEFAULT_ITEMS])


def downgrade():
    drop_kernel_tables(op)
    drop_insert_only(op, "ledger")
    for table in TABLES:
        op.drop_table(table)
