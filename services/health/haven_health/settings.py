"""What the health service derives from its config once, at start (a bad value stops it starting):
the alert rules (``ALERT_RULES_FILE``, else the shipped file), the syndromes (``SYNDROMES``, a list; else the
contracts' defaults), the report deadline (``REPORT_DEADLINE_WEEKDAY``, 1-7 after the week; Tuesday) and
mortality baselines (``MORTALITY_BASELINES``: {place or admin area: {crude: rate, under_five: rate}})."""
from dataclasses import dataclass, field

from haven_contracts.health import SYNDROMES

from . import rules as rules_module


@dataclass(frozen=True)
class HealthSettings:
    rules: rules_module.Rules
    syndromes: tuple = SYNDROMES
    deadline_weekday: int = 2
    baselines: dict = field(default_factory=dict)

    def baselines_for(self, place, adm1=None, adm2=None):
        """The configured baselines of a place, else of its admin area (adm2, then adm1): {measure: rate}."""
        for key in (place, adm2, adm1):
            if key and key in self.baselines:
                return self.baselines[key]
        return {}


def from_config(config):
    syndromes = config.get("SYNDROMES") or SYNDROMES
    if isinstance(syndromes, str):
        syndromes = [name.strip() for name in syndromes.split(",") if name.strip()]
    syndromes = tuple(syndromes)
    deadline = int(config.get("REPORT_DEADLINE_WEEKDAY") or 2)
    if not 1 <= deadline <= 7:
        raise ValueError("REPORT_DEADLINE_WEEKDAY must be 1 (Monday) to 7 (Sunday)")
    baselines = config.get("MORTALITY_BASELINES") or {}
    if not isinstance(baselines, dict):
        raise ValueError("MORTALITY_BASELINES must map places or admin areas to {crude, under_five} rates")
    rules = rules_module.load(config.get("ALERT_RULES_FILE") or None, syndromes)
    return HealthSettings(rules=rules, syndromes=syndromes, deadline_weekday=deadline, baselines=baselines)
