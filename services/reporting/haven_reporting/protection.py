"""Protection's aggregate view in reporting: open cases by type and risk per site (GBV per admin level 1 only),
follow-ups pending, referrals by service type. Every count from 1 to threshold − 1 is suppressed (``sitrep.suppress``).

Protection's events are archived like every other (``handlers.record``) and then applied here to reporting's own
protection tables (protection_models.py): the newest version of each case, referral and follow-up wins, so events
that arrive twice or out of order change nothing. ``rebuild`` replays the archived protection events into them.
"""
import csv
import io
from collections import Counter

from sqlalchemy import delete, select

from haven_contracts import catalogue as default_catalogue

from . import handlers
from .models import ArchivedEvent
from .pages import e, n
from .protection_models import ProtectionCase, ProtectionFollowUp, ProtectionReferral
from .sitrep import suppress

SOURCE = "protection"
EVENT_TYPES = ("case_opened", "case_status_changed", "case_updated", "case_referred", "case_transferred",
               "follow_up_opened", "follow_up_closed")
HXL_TABLES = ("protection_cases", "protection_gbv", "protection_follow_ups", "protection_referrals")


def record(unit, event):
    """Archive a protection event and apply it (once: an event archived before was applied then)."""
    if handlers.record(unit, event):
        apply(unit.session, event)


def _put(session, model, key, row):
    """Insert or replace the row for ``key`` unless the one kept is as new or newer (its version)."""
    kept = session.get(model, key)
    if kept is None:
        session.add(model(**row))
    elif kept.version < row["version"]:
        for name, value in row.items():
            setattr(kept, name, value)
    session.flush()


def apply(session, event):
    data, kind = event.data, event.event_type
    if kind.startswith("case_") and kind in ("case_opened", "case_status_changed", "case_updated"):
        _put(session, ProtectionCase, str(data["case_id"]), {
            "case_id": str(data["case_id"]), "case_type": data["case_type"], "risk": data["risk"],
            "status": data["status"], "site_id": None if data["case_type"] == "gbv" else _str(data["site_id"]),
            "adm1": data["adm1"], "version": data["version"]})
    elif kind == "case_referred":
        _put(session, ProtectionReferral, str(data["referral_id"]), {
            "referral_id": str(data["referral_id"]), "case_type": data["case_type"],
            "service_type": data["service_type"], "status": data["status"],
            "consent_override": data["consent_override"], "version": data["version"]})
    elif kind in ("follow_up_opened", "follow_up_closed"):
        _put(session, ProtectionFollowUp, str(data["follow_up_id"]), {
            "follow_up_id": str(data["follow_up_id"]), "need": data["need"], "status": data["status"],
            "site_id": _str(data["site_id"]), "adm1": data["adm1"], "version": data["version"]})


def _str(value):
    return None if value is None else str(value)


def rebuild(session, catalogue=default_catalogue):
    """Empty protection's tables and replay the archived protection events into them, in archive order."""
    for model in (ProtectionCase, ProtectionReferral, ProtectionFollowUp):
        session.execute(delete(model))
    replayed = 0
    query = (select(ArchivedEvent.envelope, ArchivedEvent.origin_org).where(ArchivedEvent.source == SOURCE)
             .order_by(ArchivedEvent.id))
    for envelope, origin_org in session.execute(query):
        apply(session, catalogue.parse(envelope, origin_org=origin_org))
        replayed += 1
    return {"protection_events_replayed": replayed}


def section(session, threshold):
    """The sitrep's protection section: only aggregate counts, each suppressed from 1 to threshold − 1."""
    def s(count):
        return suppress(count, threshold)

    cases = session.execute(select(ProtectionCase.case_type, ProtectionCase.risk, ProtectionCase.site_id,
                                   ProtectionCase.adm1).where(ProtectionCase.status != "closed")).all()
    by_site = Counter((r.site_id, r.adm1, r.case_type, r.risk) for r in cases if r.case_type != "gbv")
    gbv = Counter((r.adm1, r.risk) for r in cases if r.case_type == "gbv")
    follow_ups = session.execute(select(ProtectionFollowUp.need, ProtectionFollowUp.site_id, ProtectionFollowUp.adm1)
                                 .where(ProtectionFollowUp.status == "open")).all()
    pending = Counter((r.site_id, r.adm1, r.need) for r in follow_ups)
    referrals = session.execute(select(ProtectionReferral.service_type, ProtectionReferral.status)).all()
    made = Counter(r.service_type for r in referrals)
    accepted = Counter(r.service_type for r in referrals if r.status == "accepted")
    key = (lambda item: tuple(v or "" for v in item[0]))
    return {
        "small_cell_threshold": threshold,
        "open_cases": [{"site_id": site, "adm1": adm1, "case_type": t, "risk": risk, "cases": s(count)}
                       for (site, adm1, t, risk), count in sorted(by_site.items(), key=key)],
        "gbv_open_cases": [{"adm1": adm1, "risk": risk, "cases": s(count)}
                           for (adm1, risk), count in sorted(gbv.items(), key=key)],
        "follow_ups_pending": [{"site_id": site, "adm1": adm1, "need": need, "follow_ups": s(count)}
                               for (site, adm1, need), count in sorted(pending.items(), key=key)],
        "referrals": [{"service_type": t, "referred": s(made[t]), "accepted": s(accepted[t])} for t in sorted(made)],
    }


# -- HXL (https://hxlstandard.org): header row, hashtag row, rows --------------------------------------------------
HXL_COLUMNS = {
    "protection_cases": ("open_cases", [("Site ID", "#loc+camp+id", "site_id"), ("Province", "#adm1+name", "adm1"),
                                        ("Case type", "#sector+subsector", "case_type"),
                                        ("Risk", "#severity", "risk"), ("Open cases", "#indicator+cases+num", "cases")]),
    "protection_gbv": ("gbv_open_cases", [("Province", "#adm1+name", "adm1"), ("Risk", "#severity", "risk"),
                                          ("Open GBV cases", "#indicator+cases+gbv+num", "cases")]),
    "protection_follow_ups": ("follow_ups_pending", [("Site ID", "#loc+camp+id", "site_id"),
                                                     ("Province", "#adm1+name", "adm1"),
                                                     ("Need", "#indicator+needs+code", "need"),
                                                     ("Follow-ups pending", "#indicator+follow_ups+num",
                                                      "follow_ups")]),
    "protection_referrals": ("referrals", [("Service type", "#service+type", "service_type"),
                                           ("Referrals", "#indicator+referrals+num", "referred"),
                                           ("Accepted", "#indicator+referrals_accepted+num", "accepted")]),
}


def export_hxl(session, threshold, table, reported_on):
    from .hxl import cell
    part, columns = HXL_COLUMNS[table]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for label, _, _ in columns] + ["Date reported"])
    writer.writerow([tag for _, tag, _ in columns] + ["#date+reported"])
    for row in section(session, threshold)[part]:
        writer.writerow([cell(row[name]) for _, _, name in columns] + [reported_on])
    return buffer.getvalue()


# -- the dashboard's panel ---------------------------------------------------------------------------------------
def panel(report):
    """The dashboard's protection panel (HTML): open cases by type and risk, GBV per province, follow-ups pending,
    referrals by service type; suppressed cells as they are."""
    def rows(items, cells):
        return "".join("<tr>" + "".join(f"<td>{e(str(v) if not isinstance(v, int) else n(v))}</td>"
                                        for v in cells(item)) + "</tr>" for item in items) or \
            '<tr><td colspan="5" class="small">none</td></tr>'
    if report is None:
        return ""
    threshold = report["small_cell_threshold"]
    note = (f'<p class="note">Counts from 1 to {threshold - 1} are shown as "&lt;{threshold}"; GBV cases are '
            f"counted per province only.</p>" if threshold > 1 else "")
    return f"""
<section class="panel" id="protection"><h2>Protection</h2><div class="grid">
<div><h3>Open cases by site</h3><table id="protection-cases"><thead><tr><th>Province</th><th>Site</th><th>Type</th>
<th>Risk</th><th class="num">Cases</th></tr></thead><tbody>{rows(report["open_cases"], lambda r: (
        r["adm1"] or "", r["site_id"] or "", r["case_type"], r["risk"], r["cases"]))}</tbody></table></div>
<div><h3>Open GBV cases by province</h3><table id="protection-gbv"><thead><tr><th>Province</th><th>Risk</th>
<th class="num">Cases</th></tr></thead><tbody>{rows(report["gbv_open_cases"], lambda r: (
        r["adm1"] or "", r["risk"], r["cases"]))}</tbody></table></div>
<div><h3>Follow-ups pending</h3><table id="protection-follow-ups"><thead><tr><th>Province</th><th>Site</th>
<th>Need</th><th class="num">Pending</th></tr></thead><tbody>{rows(report["follow_ups_pending"], lambda r: (
        r["adm1"] or "", r["site_id"] or "", r["need"], r["follow_ups"]))}</tbody></table></div>
<div><h3>Referrals by service</h3><table id="protection-referrals"><thead><tr><th>Service</th>
<th class="num">Referred</th><th class="num">Accepted</th></tr></thead><tbody>{rows(report["referrals"], lambda r: (
        r["service_type"], r["referred"], r["accepted"]))}</tbody></table></div>
</div>{note}</section>"""
