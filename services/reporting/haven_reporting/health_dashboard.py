"""The dashboard's health panel: the epi curve (weekly cases per syndrome across the response, an SVG line per
syndrome), and per site for the latest epi-week the mortality rates with their threshold flags, open alerts and the
week's completeness and timeliness. Rendered on the server; every value is escaped."""
from .pages import e, n

COLOURS = ("#0b7a75", "#c0392b", "#7a5ea8", "#d68910", "#2e86c1", "#27ae60", "#884ea0", "#5d6d7e")


def _epi_curve(curve):
    weeks, syndromes = curve["weeks"], curve["syndromes"]
    if not weeks or not syndromes:
        return '<p class="note">No weekly report yet.</p>'
    width, height, left, bottom = 460, 200, 36, 28
    biggest = max([max(counts) for counts in syndromes.values()] + [1])
    step = (width - left - 10) / max(len(weeks) - 1, 1)
    parts = [f'<svg viewBox="0 0 {width} {height + 20 * ((len(syndromes) + 2) // 3)}" width="100%" role="img" '
             f'id="epi-curve"><title>Weekly cases per syndrome</title>']
    for i, week in enumerate(weeks):
        parts.append(f'<text x="{left + i * step:.1f}" y="{height - 8}" text-anchor="middle">{e(week[-3:])}</text>')
    parts.append(f'<text x="{left - 4}" y="14" text-anchor="end">{n(biggest)}</text>')
    for index, (name, counts) in enumerate(syndromes.items()):
        colour = COLOURS[index % len(COLOURS)]
        points = " ".join(f"{left + i * step:.1f},{height - bottom - c / biggest * (height - bottom - 10):.1f}"
                          for i, c in enumerate(counts))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2">'
                     f'<title>{e(name)}: {e(", ".join(str(c) for c in counts))}</title></polyline>')
        x, y = 10 + (index % 3) * 150, height + 14 + (index // 3) * 20
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14}" y="{y}">{e(name.replace("_", " "))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _rate(value, exceeded):
    if value is None:
        return "–"
    flag = ' <strong class="flag">over threshold</strong>' if exceeded else ""
    return f"{value:.2f}{flag}"


def _percent(value):
    return "–" if value is None else f"{value:.0%}"


def panel(health):
    """The health panel's HTML from the sitrep's health section."""
    rows = "".join(
        f'<tr><td>{e(s["name"] or s["site_id"])}</td><td class="num">{e(str(s["consultations"]))}</td>'
        f'<td class="num">{e(str(s["deaths"]))}</td><td>{_rate(s["crude_mortality"], s["crude_exceeded"])}</td>'
        f'<td>{_rate(s["under_five_mortality"], s["under_five_exceeded"])}</td>'
        f'<td class="num">{n(s["open_alerts"])}</td></tr>' for s in health["sites"])
    weeks = "".join(f'<tr><td>{e(w["week"])}</td><td class="num">{n(w["received"])} / {n(w["expected"])}</td>'
                    f'<td>{_percent(w["completeness"])}</td><td>{_percent(w["timeliness"])}</td></tr>'
                    for w in health["weeks"])
    return f"""
<section class="grid" id="health">
<div class="panel"><h2>Epi curve: weekly cases per syndrome</h2>{_epi_curve(health["epi_curve"])}</div>
<div class="panel"><h2>Health, epi-week {e(health["week"] or "–")}</h2><div class="scroll"><table id="health-table">
<thead><tr><th>Site</th><th class="num">Consultations</th><th class="num">Deaths</th>
<th>Crude mortality /10,000/day</th><th>Under-five mortality /10,000/day</th><th class="num">Open alerts</th></tr>
</thead><tbody>{rows}</tbody></table></div>
<table id="health-weeks"><thead><tr><th>Epi-week</th><th class="num">Reports</th><th>Completeness</th>
<th>Timeliness</th></tr></thead><tbody>{weeks}</tbody></table>
<p class="note">{n(len(health["open_alerts"]))} open alerts.</p></div>
</section>"""
