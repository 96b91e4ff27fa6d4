"""Alert thresholds as data: the rules file shipped with the service (``alert_rules.json``, versioned), or the file
the ``ALERT_RULES_FILE`` config key names. Each rule has an ``id``, a ``kind``, a ``level`` (alert, epidemic,
emergency), a ``source`` (required: where the threshold comes from) and the fields of its kind:

* ``single_case`` ``syndromes``: one signal of any of them;
* ``cluster`` ``syndromes``, ``min_signals``, ``window_days``, ``min_age_years``, ``severe_dehydration_or_death``:
  that many signals at one place whose onsets lie within the window (this one included);
* ``death`` ``syndromes``, ``min_age_years``: one signal whose outcome is death;
* ``weekly_count`` ``syndrome``, ``min_cases``: at least that many cases at one place in a week;
* ``trend`` ``syndrome``, ``factor``, ``previous_weeks``: the week's cases at least ``factor`` x the mean of the
  previous weeks, which must all have been reported and whose mean must be above zero (doubling nothing, or weeks
  nobody reported, is not a signal);
* ``weekly_rate`` ``syndrome``, ``per_100000``: the week's cases per 100,000 population at least that;
* ``mortality`` ``measure`` (crude, under_five), ``per_10000_per_day``, ``baseline_factor``: the week's rate over
  the fixed value, or over ``baseline_factor`` x the place's configured baseline when there is one (Sphere: the
  baseline takes precedence).
Any rule may add ``population_below`` / ``population_at_least`` (the place's population the week): it applies only
then. Evaluation is pure: the callers gather the facts.
"""
import json
from dataclasses import dataclass
from importlib import resources

KINDS = {
    "single_case": ("syndromes",),
    "cluster": ("syndromes", "min_signals", "window_days", "min_age_years"),
    "death": ("syndromes", "min_age_years"),
    "weekly_count": ("syndrome", "min_cases"),
    "trend": ("syndrome", "factor", "previous_weeks"),
    "weekly_rate": ("syndrome", "per_100000"),
    "mortality": ("measure", "per_10000_per_day"),
}
SIGNAL_KINDS = ("single_case", "cluster", "death")
MEASURES = ("crude", "under_five")


class RulesError(ValueError):
    """The rules file is not usable: the service refuses to start with it."""


@dataclass(frozen=True)
class Rules:
    version: str
    rules: tuple  # of dicts

    def of_kind(self, *kinds):
        return [rule for rule in self.rules if rule["kind"] in kinds]

    def get(self, rule_id):
        return next((rule for rule in self.rules if rule["id"] == rule_id), None)


def shipped_text():
    return resources.files(__name__).joinpath("alert_rules.json").read_text(encoding="utf-8")


def load(path=None, syndromes=None):
    """The rules of ``path`` (the shipped file when None), checked: RulesError naming the rule and the field."""
    if path:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    else:
        text = shipped_text()
    try:
        data = json.loads(text)
    except ValueError as error:
        raise RulesError(f"rules file is not JSON: {error}") from None
    return parse(data, syndromes)


def parse(data, syndromes=None):
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list) or not data.get("version"):
        raise RulesError("a rules file is an object with a version and a list of rules")
    seen = set()
    for rule in data["rules"]:
        name = rule.get("id") if isinstance(rule, dict) else None
        if not isinstance(name, str) or not name or name in seen:
            raise RulesError(f"rule {name!r}: every rule needs a unique id")
        seen.add(name)
        if rule.get("kind") not in KINDS:
            raise RulesError(f"rule {name}: kind must be one of {', '.join(KINDS)}")
        if not isinstance(rule.get("source"), str) or not rule["source"].strip():
            raise RulesError(f"rule {name}: source is required (where the threshold comes from)")
        for key in KINDS[rule["kind"]]:
            if key not in rule:
                raise RulesError(f"rule {name}: {key} is required for kind {rule['kind']}")
        named = rule.get("syndromes") or ([rule["syndrome"]] if "syndrome" in rule else [])
        unknown = [s for s in named if syndromes is not None and s not in syndromes]
        if unknown:
            raise RulesError(f"rule {name}: unknown syndromes {unknown}")
        if rule["kind"] == "mortality" and rule["measure"] not in MEASURES:
            raise RulesError(f"rule {name}: measure must be crude or under_five")
    return Rules(str(data["version"]), tuple(dict(rule, level=rule.get("level", "alert")) for rule in data["rules"]))


def applies(rule, population):
    """A rule bounded by population applies only when the population is known and within the bounds."""
    if "population_below" in rule or "population_at_least" in rule:
        if population is None:
            return False
        if "population_below" in rule and population >= rule["population_below"]:
            return False
        if "population_at_least" in rule and population < rule["population_at_least"]:
            return False
    return True


def _age_at_least(signal, years):
    """Age in years when given, else the lower bound of the age band (0-4 counts as 0)."""
    age = signal.get("age_years")
    if age is None and signal.get("age_band"):
        age = int(signal["age_band"].split("-")[0].rstrip("+"))
    return age is not None and age >= years


def _cluster_member(rule, signal):
    if signal["syndrome"] not in rule["syndromes"] or not _age_at_least(signal, rule["min_age_years"]):
        return False
    if rule.get("severe_dehydration_or_death"):
        return bool(signal.get("severe_dehydration")) or signal.get("outcome") == "died"
    return True


def signal_alerts(rules, signal, nearby):
    """The rules a case signal meets: ``signal`` and each of ``nearby`` (the other signals at the same place, as
    dicts with syndrome, onset_date, age_years/age_band, outcome, severe_dehydration). Returns [(rule, detail)]."""
    met = []
    for rule in rules.of_kind(*SIGNAL_KINDS):
        if rule["kind"] == "single_case" and signal["syndrome"] in rule["syndromes"]:
            met.append((rule, f"1 suspected case of {signal['syndrome']}"))
        elif rule["kind"] == "death" and signal["syndrome"] in rule["syndromes"] and signal.get("outcome") == "died" \
                and _age_at_least(signal, rule["min_age_years"]):
            met.append((rule, f"1 death from {signal['syndrome']} aged {rule['min_age_years']} or over"))
        elif rule["kind"] == "cluster" and _cluster_member(rule, signal):
            window = rule["window_days"]
            members = [other for other in nearby if _cluster_member(rule, other)
                       and abs((other["onset_date"] - signal["onset_date"]).days) < window]
            if len(members) + 1 >= rule["min_signals"]:
                met.append((rule, f"{len(members) + 1} signals within {window} days"))
    return met


def per_10000_per_day(deaths, population, days=7):
    """Deaths per 10,000 per day against the period's population; None without a population."""
    if not population:
        return None
    return deaths * 10000 / (population * days)


def mortality_threshold(rule, baseline):
    """The rate above which the rule fires: ``baseline_factor`` x the baseline when one is configured, else the
    fixed value."""
    if baseline is not None and rule.get("baseline_factor"):
        return rule["baseline_factor"] * baseline
    return rule["per_10000_per_day"]


def week_alerts(rules, week, baselines=None):
    """The rules a place's week meets. ``week``: cases {syndrome: n}, previous {syndrome: [n per previous week
    with a report, most recent first]}, weeks_before (how many of the previous weeks had a report), population,
    under_five, deaths, deaths_under_five. ``baselines``: {measure: rate}.
    Returns [(rule, detail)]."""
    baselines = baselines or {}
    cases, population = week["cases"], week["population"]
    met = []
    for rule in rules.of_kind("weekly_count", "trend", "weekly_rate", "mortality"):
        if not applies(rule, population):
            continue
        kind = rule["kind"]
        if kind == "weekly_count":
            count = cases.get(rule["syndrome"], 0)
            if count >= rule["min_cases"]:
                met.append((rule, f"{count} cases of {rule['syndrome']} in the week (threshold {rule['min_cases']})"))
        elif kind == "trend":
            count = cases.get(rule["syndrome"], 0)
            if week.get("weeks_before", 0) < rule["previous_weeks"]:
                continue  # no mean of weeks nobody reported: a new response's first weeks are not a trend
            before = (week["previous"].get(rule["syndrome"]) or [0] * week["weeks_before"])[:rule["previous_weeks"]]
            mean = sum(before) / len(before)
            if mean > 0 and count >= rule["factor"] * mean:
                met.append((rule, f"{count} cases of {rule['syndrome']}, {rule['factor']} x the mean {mean:g} "
                                  f"of the previous {rule['previous_weeks']} weeks"))
        elif kind == "weekly_rate":
            count = cases.get(rule["syndrome"], 0)
            if population and count * 100000 >= rule["per_100000"] * population:
                met.append((rule, f"{count} cases of {rule['syndrome']} in a population of {population} "
                                  f"(threshold {rule['per_100000']} per 100,000)"))
        else:
            deaths, people = (week["deaths"], population) if rule["measure"] == "crude" else \
                (week["deaths_under_five"], week["under_five"])
            rate = per_10000_per_day(deaths, people)
            threshold = mortality_threshold(rule, baselines.get(rule["measure"]))
            if rate is not None and rate > threshold:
                met.append((rule, f"{rule['measure']} mortality {rate:.2f} per 10,000 per day "
                                  f"(threshold {threshold:g})"))
    return met
