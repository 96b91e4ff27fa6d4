"""The cyclone scenario's health act: three facilities (Guara Guara, Mandruzi, Manica's camp) send four weeks of
epi-week reports (the last four weeks that have ended; one report amended, one missing; those received after the
Tuesday deadline are late), a suspected-cholera cluster at Guara Guara raises one alert that is then verified and
investigated, and deaths at Mandruzi put its crude mortality over the threshold. ``expected`` computes what the
sitrep's health section must show from these inputs alone (never from what the services answer)."""
import time
from datetime import timedelta

from haven_contracts import epiweek

from .expected import _suppressed
from .plan import ScenarioError

FACILITIES = (("BUZ-1", "HC-GUARA", "health_centre_with_beds"), ("DON-1", "HC-MANDRUZI", "health_post"),
              ("MAN-1", "CLINIC-MANICA", "mobile_clinic"))
AMENDED = ("BUZ-1", 1)       # (site, week index 0-3): sent, then amended
MISSING = ("MAN-1", 2)       # never sent
DEATHS_AT = ("DON-1", 3)     # two deaths aged five and over: over 1 per 10,000 per day in a site of a few hundred
THRESHOLD_CRUDE = 1


def _by_age(under_five, five_and_over):
    return {"under_five": under_five, "five_and_over": five_and_over}


class HealthAct:
    def __init__(self, scenario):
        self.scenario = scenario
        today = scenario.today
        last = epiweek.week_of(today).previous()
        self.weeks = [last.previous(n) for n in (3, 2, 1, 0)]
        self.facilities = {}   # site key -> facility id
        self.sent = {}         # (site key, week index) -> figures as finally sent
        self.alert_id = None

    def figures(self, key, index, amended=False):
        """A facility's week: steady case counts (no trend rule fires), deaths only where the scenario wants them."""
        base = {"BUZ-1": 6, "DON-1": 4, "MAN-1": 3}[key]
        cases = {"acute_watery_diarrhoea": _by_age(1, base - 1 + (2 if amended else 0)),
                 "acute_respiratory_infection": _by_age(2, base), "malaria_suspected": _by_age(0, index + 1)}
        deaths = _by_age(0, 2) if (key, index) == DEATHS_AT else _by_age(0, 0)
        return {"consultations": {"female": _by_age(5, 20 + index), "male": _by_age(4, 15)}, "cases": cases,
                "deaths": deaths}

    # -- playing -----------------------------------------------------------------------------------------------------
    def play(self):
        s = self.scenario
        since = (self.weeks[0].start - timedelta(days=7)).isoformat()
        with s._as("IOM") as rpc:
            for key, code, kind in FACILITIES:
                site = s.by_key[key]
                made = rpc.health.register_facility({
                    "code": f"{code}-{s.tag}", "name": f"{site.name} {kind.replace('_', ' ')}", "facility_type": kind,
                    "site_id": site.site_id, "adm1": site.adm1, "adm2": site.adm2, "status_since": since})
                self.facilities[key] = made["facility_id"]
        self._wait_for_population()
        with s._as("IOM") as rpc:
            for index, week in enumerate(self.weeks):
                for key, _, _ in FACILITIES:
                    if (key, index) == MISSING:
                        continue
                    self._send(rpc, key, index, self.figures(key, index))
                    if (key, index) == AMENDED:
                        self._send(rpc, key, index, self.figures(key, index, amended=True))
            self._cluster(rpc)

    def _send(self, rpc, key, index, figures):
        rpc.health.submit_weekly_report({"facility_id": self.facilities[key], "week": str(self.weeks[index]),
                                         **figures})
        self.sent[(key, index)] = figures

    def _cluster(self, rpc):
        """Two severely dehydrated people aged two or over with watery diarrhoea at Guara Guara, two days apart."""
        week = self.weeks[-1]
        raised = []
        for offset, age in ((1, 34), (3, 7)):
            answer = rpc.health.report_signal({
                "facility_id": self.facilities["BUZ-1"], "syndrome": "acute_watery_diarrhoea",
                "onset_date": (week.start + timedelta(days=offset)).isoformat(), "age_years": age,
                "sex": "female", "outcome": "alive", "severe_dehydration": True})
            raised += answer["alerts"]
        if [a["rule_id"] for a in raised] != ["cholera-cluster"]:
            raise ScenarioError(f"the cholera cluster raised {raised}, expected one cholera-cluster alert")
        self.alert_id = raised[0]["alert_id"]
        rpc.health.move_alert({"alert_id": self.alert_id, "action": "verify", "outcome": "confirmed"})
        rpc.health.move_alert({"alert_id": self.alert_id, "action": "investigate"})

    def _wait_for_population(self, timeout=90):
        """Health's denominators come from registration's events: wait until they say what the scenario did."""
        s = self.scenario
        want = {key: self.population(key) for key, _, _ in FACILITIES}
        deadline = time.monotonic() + timeout
        while True:
            with s._as("IOM") as rpc:
                seen = {key: rpc.health.get_denominators(s.by_key[key].site_id)["population"] for key in want}
            if seen == want:
                return
            if time.monotonic() > deadline:
                raise ScenarioError(f"health's population {seen} did not reach the scenario's {want}")
            time.sleep(0.5)

    # -- what the sitrep must show -----------------------------------------------------------------------------------
    def population(self, key):
        site = self.scenario.by_key[key]
        return sum(h.size for h in self.scenario.households if h.site is site and h.status == "active")

    def expected(self, threshold=5):
        """The health section's figures: the latest week's row per site, the weeks' completeness and timeliness,
        the epi curve and the open alerts."""
        s, latest = self.scenario, len(self.weeks) - 1
        sites = {}
        for key, _, _ in FACILITIES:
            figures = self.sent.get((key, latest))
            if figures is None:
                continue
            population = self.population(key)
            deaths = sum(figures["deaths"].values())
            cases = {name: sum(v.values()) for name, v in figures["cases"].items() if sum(v.values())}
            rate = round(deaths * 10000 / (population * 7), 4) if population else None
            sites[s.by_key[key].site_id] = {
                "week": str(self.weeks[latest]), "population": population, "reports": 1,
                "consultations": _suppressed(sum(sum(v.values()) for v in figures["consultations"].values()),
                                             threshold),
                "cases": {name: _suppressed(count, threshold) for name, count in sorted(cases.items())},
                "deaths": _suppressed(deaths, threshold), "crude_mortality": rate,
                "crude_exceeded": rate is not None and rate > THRESHOLD_CRUDE,
                "open_alerts": (1 if key == "BUZ-1" else 0) + (1 if (key, latest) == DEATHS_AT else 0)}
        weeks = []
        for index, week in enumerate(self.weeks):
            received = [key for key, _, _ in FACILITIES if (key, index) in self.sent]
            on_time = [key for key in received if s.today <= week.deadline(2)]
            weeks.append({"week": str(week), "expected": 3, "received": len(received), "on_time": len(on_time),
                          "completeness": round(len(received) / 3, 4), "timeliness": round(len(on_time) / 3, 4)})
        curve = {}
        for (key, index), figures in self.sent.items():
            for name, by_age in figures["cases"].items():
                curve.setdefault(name, [0] * len(self.weeks))[index] += sum(by_age.values())
        return {"week": str(self.weeks[latest]), "sites": sites, "weeks": weeks,
                "epi_curve": {"weeks": [str(w) for w in self.weeks],
                              "syndromes": {n: c for n, c in sorted(curve.items()) if any(c)}},
                "open_alerts": sorted(["cholera-cluster", "crude-mortality"])}


def health_differences(section, expected, whole=True):
    """What differs between the sitrep's health section and :meth:`HealthAct.expected` (empty when they agree).
    ``whole``: the weeks, curve and alerts too (a Haven holding only this scenario); else the sites only."""
    found = []
    rows = {row["site_id"]: row for row in section["sites"]}
    for site_id, want in expected["sites"].items():
        have = rows.get(site_id)
        if have is None:
            found.append(f"health: site {site_id} missing")
            continue
        for key, value in want.items():
            if have.get(key) != value:
                found.append(f"health {site_id}: {key} is {have.get(key)!r}, expected {value!r}")
    if whole:
        if section["week"] != expected["week"]:
            found.append(f"health: week is {section['week']}, expected {expected['week']}")
        if section["weeks"] != expected["weeks"]:
            found.append(f"health: weeks are {section['weeks']}, expected {expected['weeks']}")
        if section["epi_curve"] != expected["epi_curve"]:
            found.append(f"health: epi curve is {section['epi_curve']}, expected {expected['epi_curve']}")
        alerts = sorted(a["rule_id"] for a in section["open_alerts"])
        if alerts != expected["open_alerts"]:
            found.append(f"health: open alerts are {alerts}, expected {expected['open_alerts']}")
    return found


def health_table(section, site_ids):
    """The demo's short health table: the latest epi-week per site."""
    lines = [f"Health, epi-week {section['week']}:",
             f"  {'Site':<24}{'Consult.':>9}{'Deaths':>8}{'CMR':>8}  {'Over':<5}{'Alerts':>7}"]
    for row in section["sites"]:
        if row["site_id"] in site_ids:
            rate = "-" if row["crude_mortality"] is None else f"{row['crude_mortality']:.2f}"
            lines.append(f"  {(row['name'] or row['site_id'])[:23]:<24}{row['consultations']!s:>9}{row['deaths']!s:>8}"
                         f"{rate:>8}  {'yes' if row['crude_exceeded'] else 'no':<5}{row['open_alerts']:>7}")
    return "\n".join(lines)
