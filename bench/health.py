"""The health figure of ``make bench``: weekly reports submitted in bulk (``health.submit_weekly_reports``, one call
of up to 1,000), end to end until reporting's sitrep counts every one of them (its health section's reports received
per week), in reports per second. Each round registers facilities of its own at the bench's sites, expected to report
every week since long before the oldest week sent, so every report counts in the sitrep's completeness."""
import time
import uuid
from datetime import date, timedelta

from haven_contracts import epiweek
from haven_kernel.testing import make_token

WEEKS = 100  # the last 100 ended epi-weeks; reports = facilities x weeks


def token():
    return make_token("health:write", "health:read", org="IOM", sub="bench-health")


def reports_received(reader):
    """How many reports the sitrep's health section counts (all weeks)."""
    return sum(week["received"] for week in reader.reporting.get_sitrep()["health"]["weeks"])


def bulk_reports(client, reader, site_ids, count, already, timeout=600):
    """Register ``count // WEEKS`` (at least 1) facilities and send their reports in one call; returns (reports/s
    committed, reports/s end to end, reports sent)."""
    facilities = max(1, count // WEEKS)
    weeks = min(count, WEEKS)
    last = epiweek.week_of(date.today()).previous()
    sent_weeks = [str(last.previous(n)) for n in range(weeks)]
    since = (epiweek.parse(sent_weeks[-1]).start - timedelta(days=7)).isoformat()
    tag = uuid.uuid4().hex[:6].upper()
    ids = [client.health.register_facility({
        "code": f"BENCH-{tag}-{n}", "name": f"Bench clinic {n}", "facility_type": "health_post",
        "site_id": site_ids[n % len(site_ids)], "status_since": since})["facility_id"] for n in range(facilities)]
    reports = [{"facility_id": facility_id, "week": week,
                "consultations": {"female": {"under_five": 3, "five_and_over": 9},
                                  "male": {"under_five": 2, "five_and_over": 8}},
                "cases": {"acute_watery_diarrhoea": {"under_five": 1, "five_and_over": 2},
                          "acute_respiratory_infection": {"under_five": 2, "five_and_over": 3}},
                "deaths": {"under_five": 0, "five_and_over": 0}}
               for facility_id in ids for week in sent_weeks]
    started = time.monotonic()
    results = client.health.submit_weekly_reports(reports)
    committed = time.monotonic() - started
    refused = [r for r in results if "error" in r]
    if refused:
        raise RuntimeError(f"{len(refused)} weekly reports refused, e.g. {refused[0]}")
    want = already + len(reports)
    while reports_received(reader) < want:
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"the sitrep did not count {want} weekly reports within {timeout} s")
        time.sleep(0.2)
    end_to_end = time.monotonic() - started
    return len(reports) / committed, len(reports) / end_to_end, len(reports)
