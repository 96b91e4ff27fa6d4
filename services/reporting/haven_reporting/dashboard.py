"""The coordinators' dashboard: headline cards, SVG charts (population pyramid, districts, standards, needs), the
site table and the 3W, in the frame of ``pages.py``.

Everything is rendered on the server, so the page reads without JavaScript; the script only sorts and filters the
site table. Every value that came from a partner is escaped.
"""
from haven_contracts.reference import AGE_BANDS
from haven_contracts.standards import INDICATORS

from . import health_dashboard
from .logistics_report import panel as logistics_panel
from .pages import e, n, page
from .protection import panel as protection_panel

INDICATOR_LABELS = {
    "covered_area_per_person_m2": ("Covered area", "m² per person", "at least"),
    "people_per_latrine": ("Latrines", "people per latrine", "at most"),
    "female_latrine_share": ("Female latrines", "share of latrines", "at least"),
    "people_per_tap": ("Taps", "people per tap", "at most"),
    "people_per_hand_pump": ("Hand pumps", "people per hand pump", "at most"),
    "water_litres_per_person_per_day": ("Water", "litres per person per day", "at least"),
}
NEED_SHORT = {
    "CR": "Child at risk", "SC": "Separated child", "DS": "Disability", "SM": "Medical condition",
    "FU": "Family unity", "LP": "Legal protection", "TR": "Torture", "SV": "SGBV", "WR": "Woman at risk",
    "ER": "Older at risk", "SP": "Single parent", "PG": "Pregnant/lactating",
}
SITE_TYPE_LABELS = {
    "planned_camp": "Planned camp", "self_settled_camp": "Self-settled camp", "collective_centre": "Collective centre",
    "reception_centre": "Reception centre", "transit_centre": "Transit centre",
    "evacuation_centre": "Evacuation centre",
}
NEED_LABELS = {
    "CR": "Child at risk", "SC": "Unaccompanied or separated child", "DS": "Disability",
    "SM": "Serious medical condition", "FU": "Family unity", "LP": "Legal and physical protection",
    "TR": "Torture", "SV": "Sexual and gender-based violence", "WR": "Woman at risk", "ER": "Older person at risk",
    "SP": "Single parent or caregiver", "PG": "Pregnant or lactating",
}


# ------------------------------------------------------------------------------------------------------------------
def _card(label, value, sub="", element_id=None):
    ident = f' id="{e(element_id)}"' if element_id else ""
    return (f'<div class="card"><div class="label">{e(label)}</div><div class="value"{ident}>{value}</div>'
            f'<div class="sub">{sub}</div></div>')


def _pyramid(by_sex_age):
    bands = list(reversed(AGE_BANDS))
    female = [by_sex_age.get("female", {}).get(b, 0) for b in bands]
    male = [by_sex_age.get("male", {}).get(b, 0) for b in bands]
    biggest = max(female + male + [1])
    width, half, row, label = 460, 170, 34, 60
    centre = width / 2
    parts = [f'<svg viewBox="0 0 {width} {row * len(bands) + 30}" width="100%" role="img" '
             f'aria-label="Population pyramid by sex and age band" id="pyramid">']
    for i, band in enumerate(bands):
        y = i * row + 4
        fw, mw = female[i] / biggest * half, male[i] / biggest * half
        parts.append(f'<rect x="{centre - label / 2 - mw:.1f}" y="{y}" width="{mw:.1f}" height="{row - 8}" '
                     f'fill="var(--m)"><title>Male {e(band)}: {male[i]:,}</title></rect>')
        parts.append(f'<rect x="{centre + label / 2:.1f}" y="{y}" width="{fw:.1f}" height="{row - 8}" '
                     f'fill="var(--f)"><title>Female {e(band)}: {female[i]:,}</title></rect>')
        parts.append(f'<text x="{centre}" y="{y + row / 2}" text-anchor="middle">{e(band)}</text>')
        parts.append(f'<text x="{centre - label / 2 - mw - 4:.1f}" y="{y + row / 2}" text-anchor="end">'
                     f'{male[i]:,}</text>')
        parts.append(f'<text x="{centre + label / 2 + fw + 4:.1f}" y="{y + row / 2}">{female[i]:,}</text>')
    bottom = row * len(bands) + 22
    parts.append(f'<text x="{centre - label / 2 - 4}" y="{bottom}" text-anchor="end" fill="var(--m)">Male</text>')
    parts.append(f'<text x="{centre + label / 2 + 4}" y="{bottom}" fill="var(--f)">Female</text></svg>')
    other = sum(sum(by_sex_age.get(s, {}).values()) for s in by_sex_age if s not in ("female", "male"))
    note = f'<p class="note">Also {other:,} people of other or unrecorded sex.</p>' if other else ""
    return "".join(parts) + note


def _hbars(items, colour="var(--teal)", element_id=None, fmt=n):
    """Horizontal bar chart: [(label, value)]."""
    if not items:
        return '<p class="note">Nothing to show yet.</p>'
    biggest = max([v for _, v in items] + [1])
    row, label, width = 26, 170, 460
    ident = f' id="{e(element_id)}"' if element_id else ""
    parts = [f'<svg viewBox="0 0 {width} {row * len(items) + 4}" width="100%" role="img"{ident}>']
    for i, (name, value) in enumerate(items):
        y = i * row + 2
        w = value / biggest * (width - label - 70)
        parts.append(f'<text x="{label - 6}" y="{y + row / 2 + 4}" text-anchor="end">{e(name)}</text>')
        parts.append(f'<rect x="{label}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{colour}" rx="2">'
                     f'<title>{e(name)}: {fmt(value)}</title></rect>')
        parts.append(f'<text x="{label + w + 5:.1f}" y="{y + row / 2 + 4}">{fmt(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _standards_chart(sites):
    """Per indicator: how many open sites meet it, miss it, or lack the data."""
    open_sites = [s for s in sites if s["status"] == "open"]
    row, label, width = 28, 150, 460
    parts = [f'<svg viewBox="0 0 {width} {row * len(INDICATORS) + 4}" width="100%" role="img" '
             f'id="standards-chart" aria-label="Minimum standards met across open sites">']
    total = max(len(open_sites), 1)
    for i, key in enumerate(INDICATORS):
        met = sum(1 for s in open_sites if (s["standards"][key] or {}).get("met") is True)
        unmet = sum(1 for s in open_sites if (s["standards"][key] or {}).get("met") is False)
        missing = len(open_sites) - met - unmet
        y = i * row + 2
        x = label
        parts.append(f'<text x="{label - 6}" y="{y + row / 2 + 4}" text-anchor="end">'
                     f'{e(INDICATOR_LABELS[key][0])}</text>')
        for count, colour, what in ((met, "var(--ok)", "met"), (unmet, "var(--bad)", "not met"),
                                    (missing, "#dfe4ea", "no data")):
            w = count / total * (width - label - 10)
            if count:
                parts.append(f'<rect x="{x:.1f}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" fill="{colour}">'
                             f'<title>{e(INDICATOR_LABELS[key][0])}: {count} site(s) {what}</title></rect>')
                if w > 18:
                    parts.append(f'<text x="{x + w / 2:.1f}" y="{y + row / 2 + 4}" text-anchor="middle" '
                                 f'style="fill:#fff">{count}</text>')
            x += w
    parts.append("</svg>")
    legend = ('<div class="legend"><span><i style="background:var(--ok)"></i>met</span>'
              '<span><i style="background:var(--bad)"></i>not met</span>'
              '<span><i style="background:#dfe4ea"></i>no data</span></div>')
    return "".join(parts) + legend


def _occupancy(site):
    capacity, occupants = site["capacity_persons"], site["occupants"]
    if not capacity:
        return f'<span class="bar-label">{n(occupants)} sheltered · no capacity recorded</span>'
    share = occupants / capacity
    css = "over" if share > 1 else "full" if share >= 0.9 or site["waitlisted_households"] else ""
    return (f'<div class="bar" title="{occupants:,} of {capacity:,} places"><span class="{css}" '
            f'style="width:{min(share, 1) * 100:.1f}%"></span></div>'
            f'<span class="bar-label">{occupants:,} / {capacity:,} ({share:.0%})</span>')


def _standards_dots(site):
    dots = []
    for key in INDICATORS:
        indicator = site["standards"][key]
        label, unit, direction = INDICATOR_LABELS[key]
        if indicator is None:
            dots.append(f'<span class="dot na" data-indicator="{e(key)}" title="{e(label)}: no data"></span>')
            continue
        css, state = ("met", "met") if indicator["met"] else ("unmet", "not met")
        value = "–" if indicator["value"] is None else n(indicator["value"])
        dots.append(f'<span class="dot {css}" data-indicator="{e(key)}" title="{e(label)}: {value} {e(unit)} '
                    f'(target {e(direction)} {n(indicator["target"])}): {state}"></span>')
    return f'<span class="std">{"".join(dots)}</span> <span class="small">{site["standards_met"]}/' \
           f'{site["standards_assessed"]}</span>'


def _needs_chips(needs):
    if not needs:
        return '<span class="small">–</span>'
    return "".join(f'<span class="chip" title="{e(NEED_LABELS.get(g, g))}">{e(g)} {n(c)}</span>'
                   for g, c in needs.items())


def _site_rows(sites):
    rows = []
    for s in sites:
        capacity = s["capacity_persons"] or 0
        share = (s["occupants"] / capacity) if capacity else -1
        name = s["name"] or f"(site {s['site_id'][:8]}…, details not received yet)"
        rows.append(
            f'<tr data-site-id="{e(s["site_id"])}" data-name="{e((s["name"] or "").lower())}" '
            f'data-adm1="{e(s["adm1"])}" data-area="{e((s["adm1"] or "") + "/" + (s["adm2"] or ""))}" '
            f'data-status="{e(s["status"])}" data-households="{s["households"]}" '
            f'data-individuals="{s["individuals"]}" data-occupancy="{share:.4f}" '
            f'data-waiting="{s["waitlisted_households"]}" data-standards="{s["standards_met"]}">'
            f'<td><div class="site-name">{e(name)}</div>'
            f'<div class="small">{e(SITE_TYPE_LABELS.get(s["site_type"], s["site_type"] or ""))}'
            f'{" · " + e(s["managing_agency"]) if s["managing_agency"] else ""}</div></td>'
            f'<td>{e(s["adm1"] or "–")}<div class="small">{e(s["adm2"] or "")}</div></td>'
            f'<td><span class="badge {e(s["status"])}">{e(s["status"])}</span></td>'
            f'<td class="num" data-field="households">{n(s["households"])}</td>'
            f'<td class="num" data-field="individuals">{n(s["individuals"])}</td>'
            f'<td data-field="occupancy">{_occupancy(s)}</td>'
            f'<td class="num" data-field="waitlisted_households">{n(s["waitlisted_households"])}</td>'
            f'<td class="num" data-field="covered_area_per_person_m2">{n(s["covered_area_per_person_m2"])}</td>'
            f'<td data-field="standards">{_standards_dots(s)}</td>'
            f'<td data-field="specific_needs">{_needs_chips(s["specific_needs"])}</td></tr>')
    return "".join(rows)


def _three_w_rows(rows):
    return "".join(
        f'<tr><td>{e(r["org"])}</td><td>{e(r["sector"])}</td><td>{e(r["adm1"] or "–")}</td>'
        f'<td>{e(r["adm2"] or "–")}</td><td>{e(r["activity"])}</td><td class="num">{n(r["sites"])}</td>'
        f'<td class="num">{n(r["households"])}</td><td class="num">{n(r["individuals"])}</td></tr>' for r in rows)


def _sign_out(csrf_token):
    if csrf_token is None:
        return ""
    return (f'<form method="post" action="/logout" style="margin:0" id="logout-form">'
            f'<input type="hidden" name="csrf_token" value="{e(csrf_token)}"><button type="submit">Sign out</button>'
            f'</form>')


def render(report, caller, nonce, csrf_token=None):
    """The dashboard page; ``csrf_token``: the session's, for its sign-out form (no form without a session)."""
    sitrep, three_w = report["sitrep"], report["three_w"]
    totals, sites = sitrep["totals"], sitrep["sites"]
    event = sitrep["as_of_event"]
    as_of = (f'as of {e(event["occurred_at"][:19].replace("T", " "))} UTC · projection lag '
             f'{sitrep["lag_seconds"]:,.0f} s') if event else "no event received yet"
    capacity = totals["capacity_persons"]
    occupancy = f"{totals['occupants'] / capacity:.0%} of {capacity:,} places" if capacity else "no capacity recorded"
    needs_total = sum(v for v in totals["specific_needs"].values() if isinstance(v, int))
    cards = "".join([
        _card("Sites open", n(totals["sites_open"]), f"of {totals['sites']:,} sites", "total-sites-open"),
        _card("Households", n(totals["households"]), "registered and present", "total-households"),
        _card("Individuals", n(totals["individuals"]), "registered and present", "total-individuals"),
        _card("Sheltered", n(totals["occupants"]), e(occupancy), "total-occupants"),
        _card("Waiting for shelter", n(totals["waitlisted_households"]), "households in site queues",
              "total-waitlisted"),
        _card("Specific needs", n(needs_total), "people-needs recorded (UNHCR codes)", "total-specific-needs"),
    ])
    districts = {}
    for s in sites:
        if s["adm2"]:
            key = f'{s["adm2"]} ({s["adm1"]})'
            districts[key] = districts.get(key, 0) + s["individuals"]
    district_bars = _hbars(sorted(districts.items(), key=lambda i: -i[1]), element_id="district-chart")
    needs_bars = _hbars([(f"{g} · {NEED_SHORT.get(g, g)}", v) for g, v in totals["specific_needs"].items()
                         if isinstance(v, int)], colour="#7a5ea8", element_id="needs-chart")
    provinces = sorted({s["adm1"] for s in sites if s["adm1"]})
    options = "".join(f'<option value="{e(p)}">{e(p)}</option>' for p in provinces)
    threshold = sitrep["small_cell_threshold"]
    suppression_note = (f'<p class="note">Specific-needs counts from 1 to {threshold - 1} at one site are shown as '
                        f'"&lt;{threshold}" to protect the people behind them.</p>' if threshold > 1 else "")
    body = f"""
<header><h1>Haven · Situation report</h1><span class="meta" id="as-of">{as_of}</span>
<nav><a href="/sitrep.csv">Sites (HXL CSV)</a><a href="/3w.csv">3W (HXL CSV)</a><a href="/health.csv">Health (HXL CSV)</a><a href="/sitrep.json">JSON</a>
<span class="meta">{e(caller.org)}</span>
{_sign_out(csrf_token)}</nav></header>
<main>
<section class="cards" id="totals">{cards}</section>
<section class="grid">
<div class="panel"><h2>Population by sex and age</h2>{_pyramid(totals["by_sex_age"])}</div>
<div class="panel"><h2>Individuals by district</h2>{district_bars}</div>
<div class="panel"><h2>Minimum standards across open sites</h2>{_standards_chart(sites)}</div>
<div class="panel"><h2>Specific needs across the response</h2>{needs_bars}</div>
</section>
<section class="panel"><h2>Sites</h2>
<div class="toolbar"><label for="province-filter">Province</label>
<select id="province-filter"><option value="">All provinces</option>{options}</select>
<span class="small">Click a column heading to sort. Standards, left to right: covered area, latrines, female
latrines, taps, hand pumps, water (green met, red not met, grey no data).</span></div>
<div class="scroll"><table id="site-table"><thead><tr>
<th data-key="name">Site</th><th data-key="area">Province / district</th><th data-key="status">Status</th>
<th class="num" data-key="households">Households</th><th class="num" data-key="individuals">Individuals</th>
<th data-key="occupancy" data-numeric>Occupancy</th><th class="num" data-key="waiting">Waiting (hh)</th>
<th class="num">m² / person</th><th data-key="standards" data-numeric>Standards met</th>
<th>Specific needs (people)</th></tr></thead>
<tbody>{_site_rows(sites)}</tbody></table></div>
{suppression_note}</section>
{health_dashboard.panel(report["health"]) if "health" in report else ""}
<section class="panel"><h2>Who does what where (3W)</h2><div class="scroll"><table id="three-w-table"><thead><tr>
<th>Organisation</th><th>Sector</th><th>Province</th><th>District</th><th>Activity</th><th class="num">Sites</th>
<th class="num">Households</th><th class="num">Individuals</th></tr></thead>
<tbody>{_three_w_rows(three_w)}</tbody></table></div></section>
{protection_panel(report.get("protection"))}
{logistics_panel(report.get("logistics"))}
</main>"""
    return page("Haven · Situation report", body, nonce)
