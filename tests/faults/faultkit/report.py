"""The fault suite's table: one row per scenario, printed at the end of the run and written to
``test-artifacts/faults/`` (results.md, results.json)."""
import json
import os

RESULTS = []

COLUMNS = (("scenario", "scenario"), ("operations", "ops"), ("ok", "ok"), ("unknown", "unknown"), ("lost", "lost"),
           ("doubled", "doubled"), ("passed_over", "passed over"), ("dead_letters", "dead letters"),
           ("convergence", "convergence s"))


def record(result):
    RESULTS.append(result)


def _cell(key, row):
    value = row[key]
    if key == "convergence":
        if value is not None:
            return f"{value:.1f}"
        return "never" if row["settled_apart"] else f"none in {row['bound']:.0f}"
    return str(value)


def table(results=None):
    rows = [r.row() for r in (RESULTS if results is None else results)]
    if not rows:
        return ""
    cells = [[title for _, title in COLUMNS]] + [[_cell(key, row) for key, _ in COLUMNS] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = []
    for n, line in enumerate(cells):
        lines.append("| " + " | ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                                         enumerate(zip(line, widths))) + " |")
        if n == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def details(results=None):
    out = []
    for result in (RESULTS if results is None else results):
        v = result.verdict
        out.append(f"{result.scenario}: {result.fault}")
        if v.lost:
            where = {}
            for _, place in v.lost:
                where[place] = where.get(place, 0) + 1
            out.append(f"    lost: {where}")
        if v.doubled:
            out.append(f"    doubled: {len(v.doubled)} operations stored more than once "
                       f"({sum(c for _, c in v.doubled)} households for them)")
        if v.failed_but_stored:
            out.append(f"    failed but stored: {len(v.failed_but_stored)}")
        if v.passed_over:
            hows = {}
            for _, _, how in v.passed_over:
                hows[how] = hows.get(how, 0) + 1
            out.append(f"    passed over: {hows}")
        if v.count_errors:
            out.append(f"    reporting's counts off: {v.count_errors[:4]}{' ...' if len(v.count_errors) > 4 else ''}")
        if v.stale:
            out.append(f"    stale (an older version than registration's): {len(v.stale)}")
        if result.dead_letters:
            out.append(f"    dead letters: {dict(result.dead_letters)}")
        for note in result.notes:
            out.append(f"    {note}")
        for at, what in result.timeline:
            out.append(f"    t={at:6.1f}s {what}")
    return "\n".join(out)


def write(folder):
    if not RESULTS:
        return
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "results.md"), "w") as f:
        f.write(table() + "\n\n" + details() + "\n")
    with open(os.path.join(folder, "results.json"), "w") as f:
        json.dump([dict(r.row(), notes=r.notes, dead_letter_reasons={f"{s}:{e}": n for (s, e), n in
                                                                      r.dead_letters.items()})
                   for r in RESULTS], f, indent=2)
