"""site_needs: per-site specific-needs counts by group, counted from the households registered so far, and one
site_needs_counted event per site with needs (in the outbox), so that reporting, which no longer reads needs from
household events, has every site's counts as soon as registration's relay runs

Revision ID: needs_0001
Revises: 0002
Create Date: 2026-12-01
"""
import json
import uuid
from collections import Counter, defaultdict

import sqlalchemy as sa
from alembic import op

from haven_contracts import catalogue
from haven_contracts.reference import needs_by_group
from haven_kernel.clock import utcnow
from haven_kernel.db import OutboxEvent

revision = "needs_0001"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    site_needs = op.create_table(
        "site_needs",
        sa.Column("site_id", sa.String(36), primary_key=True),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    bind = op.get_bind()
    counts = defaultdict(Counter)
    rows = bind.execute(sa.text("SELECT h.site_id, m.specific_needs FROM members m "
                                "JOIN households h ON h.id = m.household_id WHERE h.status = 'active'"))
    for site_id, codes in rows:
        if isinstance(codes, str):
            codes = json.loads(codes)
        counts[site_id].update(codes or ())
    now = utcnow()
    sites, events = [], []
    for site_id in sorted(counts):
        needs = needs_by_group(counts[site_id])
        if not needs:
            continue
        sites.append({"site_id": site_id, "needs": needs, "version": 1})
        envelope = catalogue.envelope("registration", "site_needs_counted",
                                      {"site_id": site_id, "version": 1, "needs": needs},
                                      correlation_id=f"migration-needs_0001-{uuid.uuid4().hex[:8]}")
        events.append({"event_id": envelope["event_id"], "event_type": "site_needs_counted", "envelope": envelope,
                       "origin_org": None, "created_at": now, "attempts": 0})
    if sites:
        op.bulk_insert(site_needs, sites)
        bind.execute(sa.insert(OutboxEvent.__table__), events)


def downgrade():
    op.drop_table("site_needs")
