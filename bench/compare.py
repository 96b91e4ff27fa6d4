"""Two bench results side by side (medians, and each run's target verdicts):

    .venv/bin/python -m bench.compare bench/results/BEFORE.json bench/results/AFTER.json
"""
import json
import sys

from .stats import fmt


def load(path):
    with open(path) as handle:
        return json.load(handle)


def _verdict(figure):
    """'met', 'missed', or '?' for a result written before figures said whether their target was met."""
    if "met" not in figure:
        return "?"
    return "met" if figure["met"] else "missed"


def main(argv=None):
    argv = argv if argv is not None else sys.argv[1:]
    if len(argv) != 2:
        print(__doc__)
        return 2
    before, after = load(argv[0]), load(argv[1])
    rows = [("figure", "before", "after", "unit", "target")]
    keys = [k for k in after["figures"] if not k.startswith("cpu_ms_per_household_")]
    for key in keys:
        a = after["figures"][key]
        b = before["figures"].get(key, {})
        verdict = ""
        if "target" in a:
            verdict = f"{a['target']}: {_verdict(b)} -> {_verdict(a)}"
        rows.append((a.get("label", key), fmt(b.get("median")), fmt(a["median"]), a["unit"], verdict))
    for phase in ("sustained", "bulk"):
        cpu_b = before["figures"].get(f"cpu_ms_per_household_{phase}", {})
        cpu_a = after["figures"].get(f"cpu_ms_per_household_{phase}", {})
        for name in sorted(set(cpu_a) | set(cpu_b), key=lambda n: -cpu_a.get(n, {}).get("median", 0)):
            rows.append((f"CPU ms/household, {phase}: {name}", fmt(cpu_b.get(name, {}).get("median")),
                         fmt(cpu_a.get(name, {}).get("median")), "ms", ""))
    print(f"before: {argv[0]} ({before['scale']}, load {before['machine']['load_average_start']})")
    print(f"after:  {argv[1]} ({after['scale']}, load {after['machine']['load_average_start']})")
    print("| " + " | ".join(rows[0]) + " |")
    print("|" + "---|" * len(rows[0]))
    for row in rows[1:]:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
