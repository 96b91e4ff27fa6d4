"""Arrivals on the real broker and PostgreSQL (issue 16 point 5): a household collected offline three days ago and
synced now is counted on the day it was collected, and a household event of v2 (a registration not yet upgraded,
without collected_at) on the day it was registered."""
from datetime import datetime, timedelta, timezone

import pytest

from haven_contracts import catalogue

pytestmark = pytest.mark.service


def test_a_household_collected_three_days_ago_and_synced_now_counts_on_its_collection_day(reporting, events):
    now = datetime.now(timezone.utc)
    collected_on = (now - timedelta(days=3)).date().isoformat()
    site = events.site()
    synced = events.household(site["site_id"], registered_at=now.isoformat(),
                              collected_at=(now - timedelta(days=3)).isoformat())
    older = {key: value for key, value in events.household(site["site_id"], size=2,
                                                           registered_at=now.isoformat()).items()
             if key != "collected_at"}
    reporting.publish("shelter", "site_opened", site)
    reporting.publish("registration", "household_registered", synced)
    reporting.publish("registration", "household_registered", None,
                      envelope={**catalogue.envelope("registration", "household_registered", older),
                                "schema_version": 2})
    reporting.wait_archived(3)
    arrivals = reporting.sitrep()["totals"]["arrivals"]
    assert arrivals["by_day"] == [{"date": collected_on, "households": 1, "individuals": 4},
                                  {"date": now.date().isoformat(), "households": 1, "individuals": 2}]
    assert arrivals["today"] == {"households": 1, "individuals": 2}, "the synced household did not arrive today"
    assert arrivals["last_7_days"] == {"households": 2, "individuals": 6}
    site_arrivals = reporting.sitrep()["sites"][0]["arrivals"]
    assert site_arrivals["by_day"][0] == {"date": collected_on, "households": 1, "individuals": 4}
