"""Comparing a sitrep with the scenario's expectation, waiting for reporting to reach it, and the short table the
demo prints."""
import time

from .health_act import health_differences
from .plan import ScenarioError

SITE_FIELDS = ("name", "site_type", "adm1", "adm2", "lat", "lon", "status", "managing_agency", "code", "households",
               "individuals", "by_sex_age", "specific_needs", "units_total", "capacity_persons", "covered_area_m2",
               "occupants", "allocated_households", "waitlisted_households", "waitlisted_persons", "occupancy_rate",
               "standards")
TOTAL_FIELDS = ("sites", "sites_open", "households", "individuals", "occupants", "waitlisted_households",
                "capacity_persons", "by_sex_age", "specific_needs")


def differences(sitrep, expected, only_sites=None, totals=True):
    """Human-readable differences between a sitrep and :meth:`CycloneScenario.expected` (empty when they agree).
    ``only_sites``: compare these sites only (the demo, on a Haven that may hold other sites too)."""
    found = []
    by_id = {site["site_id"]: site for site in sitrep["sites"]}
    for site_id, want in expected["sites"].items():
        if only_sites is not None and site_id not in only_sites:
            continue
        have = by_id.get(site_id)
        if have is None:
            found.append(f"site {want['name']} ({site_id}) is missing from the sitrep")
            continue
        for key in SITE_FIELDS:
            if have.get(key) != want[key]:
                found.append(f"{want['name']}: {key} is {have.get(key)!r}, expected {want[key]!r}")
    if "health" in expected:
        found += health_differences(sitrep.get("health") or {"sites": []}, expected["health"], whole=totals)
    if totals:
        for key in TOTAL_FIELDS:
            if sitrep["totals"].get(key) != expected["totals"][key]:
                found.append(f"totals: {key} is {sitrep['totals'].get(key)!r}, expected {expected['totals'][key]!r}")
        extra = set(by_id) - set(expected["sites"])
        if extra:
            found.append(f"the sitrep has sites the scenario did not open: {sorted(extra)}")
    return found


def wait_for_sitrep(connect, reader_token, expected, timeout=90.0, only_sites=None, totals=True):
    """Poll reporting until its sitrep equals the expectation; returns (sitrep, seconds waited). On timeout raises
    ScenarioError listing what still differs."""
    started = time.monotonic()
    remaining = ["no answer yet"]
    while True:
        try:
            with connect(reader_token) as rpc:
                sitrep = rpc.reporting.get_sitrep()
            remaining = differences(sitrep, expected, only_sites=only_sites, totals=totals)
            if not remaining:
                return sitrep, time.monotonic() - started
        except Exception as exc:  # reporting still starting
            remaining = [repr(exc)]
        if time.monotonic() - started > timeout:
            shown = "\n  ".join(remaining[:25])
            raise ScenarioError(f"the sitrep did not reach the expected figures within {timeout:.0f}s:\n  {shown}")
        time.sleep(0.5)


def sitrep_table(sitrep, site_ids=None):
    """A short plain-text table of the sitrep (the demo prints it)."""
    rows = [("Site", "Province / district", "Status", "HH", "People", "Sheltered", "Capacity", "Waiting", "Std")]
    for site in sitrep["sites"]:
        if site_ids is not None and site["site_id"] not in site_ids:
            continue
        rows.append(((site["name"] or site["site_id"])[:34], f"{site['adm1']} / {site['adm2']}", site["status"],
                     f"{site['households']:,}", f"{site['individuals']:,}", f"{site['occupants']:,}",
                     f"{site['capacity_persons'] or 0:,}", f"{site['waitlisted_households']:,}",
                     f"{site['standards_met']}/{site['standards_assessed']}"))
    totals = sitrep["totals"]
    rows.append(("All sites", "", f"{totals['sites_open']} open", f"{totals['households']:,}",
                 f"{totals['individuals']:,}", f"{totals['occupants']:,}", f"{totals['capacity_persons']:,}",
                 f"{totals['waitlisted_households']:,}", ""))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    numeric = {3, 4, 5, 6, 7}
    lines = []
    for number, row in enumerate(rows):
        cells = [str(c).rjust(w) if i in numeric else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  " + "  ".join(cells).rstrip())
        if number == 0 or number == len(rows) - 2:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return "\n".join(lines)
