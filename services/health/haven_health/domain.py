"""The health service's rules in plain Python: no broker, no session, no clock of their own (pass the time in), so
each is unit-tested directly. Epi-weeks are in ``haven_contracts.epiweek``, alert thresholds in ``rules``."""
from dataclasses import dataclass
from datetime import timedelta

from haven_kernel.clock import aware
from haven_kernel.errors import Conflict

MAX_PAGE = 200  # the most records one call returns
MAX_COUNT = 1_000_000  # the most one count of a weekly report may say
MAX_SYNDROMES = 40
MAX_BULK = 1000  # the most weekly reports one submit_weekly_reports call takes
DAY = timedelta(hours=24)


def place_of(facility_site_id, facility_id):
    """Where a facility's figures and alerts count: its site, else the facility itself."""
    return f"site:{facility_site_id}" if facility_site_id else f"facility:{facility_id}"


def catchment(site_id, serves_site_ids):
    """The sites whose population a facility's place stands for."""
    return [site_id] if site_id else list(serves_site_ids or [])


def unknown_syndromes(cases, syndromes):
    return sorted(set(cases) - set(syndromes))


def totals(figures):
    """A report's totals: cases per syndrome, deaths, under-five deaths, consultations."""
    return {"cases": {name: by_age["under_five"] + by_age["five_and_over"] for name, by_age in figures["cases"].items()},
            "deaths": figures["deaths"]["under_five"] + figures["deaths"]["five_and_over"],
            "deaths_under_five": figures["deaths"]["under_five"],
            "consultations": sum(by_age["under_five"] + by_age["five_and_over"]
                                 for by_age in figures["consultations"].values())}


def add_up(reports_figures):
    """The sum of several reports' totals (one place's week)."""
    out = {"cases": {}, "deaths": 0, "deaths_under_five": 0, "consultations": 0}
    for figures in reports_figures:
        one = totals(figures)
        for name, count in one["cases"].items():
            out["cases"][name] = out["cases"].get(name, 0) + count
        for key in ("deaths", "deaths_under_five", "consultations"):
            out[key] += one[key]
    return out


def incidence(cases, population):
    """Cases per 1,000 population in the week, per syndrome (None without a population)."""
    if not population:
        return None
    return {name: round(count * 1000 / population, 3) for name, count in sorted(cases.items())}


def ratio(part, whole):
    return None if not whole else round(part / whole, 4)


def population_at(versions, moment):
    """{site_id: (population, under_five)} at ``moment`` from household versions (household_id, version, site_id,
    size, under_five, active, occurred_at): each household's highest version that had happened by then."""
    latest = {}
    for row in versions:
        if aware(row.occurred_at) > moment:
            continue
        known = latest.get(row.household_id)
        if known is None or row.version > known.version:
            latest[row.household_id] = row
    out = {}
    for row in latest.values():
        if row.active:
            people, under_five = out.get(row.site_id, (0, 0))
            out[row.site_id] = (people + row.size, under_five + row.under_five)
    return out


# The alert lifecycle (docs/domain.md "Alert lifecycle"): action -> {from status: allowed outcomes}
TRANSITIONS = {
    "verify": {"raised": ("confirmed", "discarded")},
    "investigate": {"confirmed": ("investigated",)},
    "close": {"investigated": ("closed", "monitored"), "monitored": ("closed",)},
}


def next_status(status, action, outcome):
    """The alert's status after ``action``; Conflict when the lifecycle does not allow it."""
    allowed = TRANSITIONS[action].get(status)
    if allowed is None:
        raise Conflict(f"an alert that is {status} cannot be {action} now")
    if outcome is None and len(allowed) == 1:
        return allowed[0]
    if outcome not in allowed:
        raise Conflict(f"{action} of a {status} alert ends {' or '.join(allowed)}, not {outcome}")
    return outcome


@dataclass(frozen=True)
class Kpis:
    raised: int
    verified_within_24h: float | None
    investigated_within_24h: float | None


def kpis(alerts):
    """Sphere's indicators for alerts (raised_at, verified_at, investigated_at): the share verified within 24 h of
    being raised (of all raised), the share investigated within 24 h of verification (of those confirmed)."""
    verified = sum(1 for a in alerts if a.verified_at is not None and a.verified_at - a.raised_at <= DAY)
    confirmed = [a for a in alerts if a.verified_at is not None and a.status not in ("raised", "discarded")]
    investigated = sum(1 for a in confirmed if a.investigated_at is not None
                       and a.investigated_at - a.verified_at <= DAY)
    return Kpis(len(alerts), ratio(verified, len(alerts)), ratio(investigated, len(confirmed)))
