"""Each alert rule on data that just meets it and data that just misses it; the rules load from data (a rule added
in a file fires with no code change) and a file without sources or with unknown kinds is refused."""
import json
from datetime import date, timedelta

import pytest

from haven_contracts.health import SYNDROMES
from haven_health import rules

SHIPPED = rules.load(None, SYNDROMES)


def fired(met):
    return sorted(rule["id"] for rule, _ in met)


def signal(syndrome, age=30, outcome="alive", dehydrated=False, onset=date(2026, 11, 10), band=None):
    return {"syndrome": syndrome, "age_years": None if band else age, "age_band": band, "outcome": outcome,
            "severe_dehydration": dehydrated, "onset_date": onset}


def week(cases=None, previous=None, population=10000, under_five=2000, deaths=0, deaths_under_five=0):
    weeks_before = max(len(counts) for counts in previous.values()) if previous else 0
    return {"cases": cases or {}, "previous": previous or {}, "weeks_before": weeks_before,
            "population": population, "under_five": under_five,
            "deaths": deaths, "deaths_under_five": deaths_under_five}


def test_every_shipped_rule_cites_its_source():
    assert SHIPPED.version and all(rule["source"].strip() for rule in SHIPPED.rules)


@pytest.mark.parametrize("syndrome, rule_id", [
    ("suspected_measles", "single-case-notifiable"), ("acute_flaccid_paralysis", "single-case-notifiable"),
    ("viral_haemorrhagic_fever", "single-case-notifiable"), ("diphtheria", "single-case-notifiable"),
    ("neonatal_tetanus", "single-case-notifiable"), ("suspected_cholera", "single-case-suspected-cholera"),
])
def test_a_single_case_of_a_notifiable_syndrome_is_an_alert(syndrome, rule_id):
    assert rule_id in fired(rules.signal_alerts(SHIPPED, signal(syndrome), []))


def test_a_single_case_of_another_syndrome_is_not():
    assert fired(rules.signal_alerts(SHIPPED, signal("acute_respiratory_infection"), [])) == []
    assert fired(rules.signal_alerts(SHIPPED, signal("acute_watery_diarrhoea", dehydrated=True), [])) == []


def test_cholera_cluster_two_dehydrated_aged_two_or_over_within_seven_days_meets_it():
    first = signal("acute_watery_diarrhoea", age=2, dehydrated=True)
    second = signal("acute_watery_diarrhoea", age=40, dehydrated=True, onset=first["onset_date"] + timedelta(days=6))
    assert fired(rules.signal_alerts(SHIPPED, second, [first])) == ["cholera-cluster"]


@pytest.mark.parametrize("change", [
    {"age": 1},                                  # just under two years old
    {"band": "0-4"},                             # an age band that may be under two
    {"dehydrated": False},                       # not severely dehydrated, alive
    {"onset": date(2026, 11, 3)},                # seven days apart: outside the window
])
def test_cholera_cluster_just_missed(change):
    first = signal("acute_watery_diarrhoea", age=change.get("age", 30), band=change.get("band"),
                   dehydrated=change.get("dehydrated", True), onset=change.get("onset", date(2026, 11, 4)))
    second = signal("acute_watery_diarrhoea", age=40, dehydrated=True)
    assert "cholera-cluster" not in fired(rules.signal_alerts(SHIPPED, second, [first]))


def test_a_death_from_watery_diarrhoea_aged_five_meets_the_death_rule_and_aged_four_misses_it():
    assert "cholera-death" in fired(rules.signal_alerts(SHIPPED, signal("acute_watery_diarrhoea", age=5,
                                                                        outcome="died"), []))
    assert "cholera-death" not in fired(rules.signal_alerts(SHIPPED, signal("acute_watery_diarrhoea", age=4,
                                                                            outcome="died"), []))
    assert "cholera-death" not in fired(rules.signal_alerts(SHIPPED, signal("acute_watery_diarrhoea", age=30), []))


def test_bloody_diarrhoea_five_a_week_meets_four_misses():
    assert "bloody-diarrhoea-5-a-week" in fired(rules.week_alerts(SHIPPED, week({"bloody_diarrhoea": 5})))
    assert "bloody-diarrhoea-5-a-week" not in fired(rules.week_alerts(SHIPPED, week({"bloody_diarrhoea": 4})))


@pytest.mark.parametrize("syndrome, rule_id", [("acute_watery_diarrhoea", "awd-doubling"),
                                               ("acute_respiratory_infection", "ari-doubling"),
                                               ("malaria_confirmed", "malaria-doubling")])
def test_twice_the_mean_of_the_previous_three_weeks_meets_the_trend_rule_one_less_misses(syndrome, rule_id):
    previous = {syndrome: [10, 12, 8]}  # mean 10
    assert rule_id in fired(rules.week_alerts(SHIPPED, week({syndrome: 20}, previous)))
    assert rule_id not in fired(rules.week_alerts(SHIPPED, week({syndrome: 19}, previous)))
    assert rule_id not in fired(rules.week_alerts(SHIPPED, week({syndrome: 3}, {})))  # nothing before: no trend
    assert rule_id not in fired(rules.week_alerts(SHIPPED, week({syndrome: 30}, {syndrome: [10, 12]}))), \
        "a week nobody reported is not a week of zero cases"


def test_meningitis_under_30000_two_cases_alert_five_epidemic():
    small = dict(population=29999)
    assert fired(rules.week_alerts(SHIPPED, week({"suspected_meningitis": 1}, **small))) == []
    assert fired(rules.week_alerts(SHIPPED, week({"suspected_meningitis": 2}, **small))) == ["meningitis-alert-small"]
    assert fired(rules.week_alerts(SHIPPED, week({"suspected_meningitis": 4}, **small))) == ["meningitis-alert-small"]
    assert fired(rules.week_alerts(SHIPPED, week({"suspected_meningitis": 5}, **small))) == \
        ["meningitis-alert-small", "meningitis-epidemic-small"]


def test_meningitis_doubling_over_three_weeks_in_a_small_population_is_an_epidemic():
    met = fired(rules.week_alerts(SHIPPED, week({"suspected_meningitis": 2}, {"suspected_meningitis": [1, 1, 1]})))
    assert "meningitis-epidemic-small-doubling" in met
    met = fired(rules.week_alerts(SHIPPED, week({"suspected_meningitis": 1}, {"suspected_meningitis": [1, 1, 1]})))
    assert "meningitis-epidemic-small-doubling" not in met


def test_meningitis_from_30000_goes_by_rate_per_100000():
    big = dict(population=100000)
    assert fired(rules.week_alerts(SHIPPED, week({"suspected_meningitis": 2}, **big))) == []
    assert fired(rules.week_alerts(SHIPPED, week({"suspected_meningitis": 3}, **big))) == ["meningitis-alert-rate"]
    assert fired(rules.week_alerts(SHIPPED, week({"suspected_meningitis": 9}, **big))) == ["meningitis-alert-rate"]
    assert fired(rules.week_alerts(SHIPPED, week({"suspected_meningitis": 10}, **big))) == \
        ["meningitis-alert-rate", "meningitis-epidemic-rate"]
    # the population bands meet at 30,000: one case is 3.3 per 100,000 there, and below the small-population count
    assert fired(rules.week_alerts(SHIPPED, week({"suspected_meningitis": 1}, population=30000))) == \
        ["meningitis-alert-rate"]
    assert fired(rules.week_alerts(SHIPPED, week({"suspected_meningitis": 1}, population=29999))) == []


def test_crude_mortality_over_1_per_10000_per_day_meets_exactly_1_misses():
    # 10,000 people for 7 days: 7 deaths is exactly 1 per 10,000 per day (not over), 8 is over
    assert "crude-mortality" not in fired(rules.week_alerts(SHIPPED, week(deaths=7)))
    assert "crude-mortality" in fired(rules.week_alerts(SHIPPED, week(deaths=8)))


def test_under_five_mortality_over_2_per_10000_per_day():
    # 2,000 under-fives for 7 days: 2.8 deaths is 2 per 10,000 per day; 2 deaths misses, 3 meets
    assert "under-five-mortality" not in fired(rules.week_alerts(SHIPPED, week(deaths=2, deaths_under_five=2)))
    assert "under-five-mortality" in fired(rules.week_alerts(SHIPPED, week(deaths=3, deaths_under_five=3)))


def test_a_configured_baseline_takes_precedence_twice_it_is_the_threshold():
    baselines = {"crude": 0.3}  # threshold 0.6: 4.2 deaths a week for 10,000
    assert "crude-mortality" in fired(rules.week_alerts(SHIPPED, week(deaths=5), baselines))
    assert "crude-mortality" not in fired(rules.week_alerts(SHIPPED, week(deaths=4), baselines))


def test_without_a_population_no_rate_and_no_mortality_alert():
    assert fired(rules.week_alerts(SHIPPED, week(deaths=50, population=0, under_five=0))) == []


def test_a_rule_added_in_a_file_fires_without_code_changes(tmp_path):
    data = json.loads(rules.shipped_text())
    data["version"] = "test-1"
    data["rules"].append({"id": "dengue-3-a-week", "kind": "weekly_count", "level": "alert", "syndrome": "dengue",
                          "min_cases": 3, "source": "a test's own threshold"})
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(data))
    loaded = rules.load(str(path), SYNDROMES)
    assert loaded.version == "test-1"
    assert "dengue-3-a-week" in fired(rules.week_alerts(loaded, week({"dengue": 3})))
    assert "dengue-3-a-week" not in fired(rules.week_alerts(loaded, week({"dengue": 2})))
    assert "dengue-3-a-week" not in fired(rules.week_alerts(SHIPPED, week({"dengue": 3})))


@pytest.mark.parametrize("rule, problem", [
    ({"id": "x", "kind": "weekly_count", "syndrome": "dengue", "min_cases": 3}, "source"),
    ({"id": "x", "kind": "magic", "source": "s"}, "kind"),
    ({"id": "x", "kind": "weekly_count", "syndrome": "dengue", "source": "s"}, "min_cases"),
    ({"id": "x", "kind": "weekly_count", "syndrome": "zika", "min_cases": 1, "source": "s"}, "unknown syndromes"),
    ({"id": "x", "kind": "mortality", "measure": "maternal", "per_10000_per_day": 1, "source": "s"}, "measure"),
])
def test_a_rules_file_with_a_bad_rule_is_refused_naming_it(tmp_path, rule, problem):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"version": "1", "rules": [rule]}))
    with pytest.raises(rules.RulesError, match=problem):
        rules.load(str(path), SYNDROMES)
