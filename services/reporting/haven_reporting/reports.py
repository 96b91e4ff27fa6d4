"""Reporting's read use cases over a unit of work: the sitrep, a site's profile, the 3W, an HXL export and the
dashboard's figures; and the settings they are built with (read from the config once, at start)."""
from dataclasses import dataclass

from haven_contracts.disclosure import threshold_from_config
from haven_contracts.standards import targets_from_config
from haven_kernel.clock import utcnow
from haven_kernel.errors import NotFound, ValidationError
from haven_kernel.validation import one_of, optional_text, parse_uuid

from . import health_sitrep, hxl, logistics_report, protection, repository, views
from .sitrep import DEFAULT_THRESHOLD, SitrepBuilder, arrival_days


@dataclass(frozen=True)
class ReportSettings:
    threshold: int = DEFAULT_THRESHOLD  # small-cell suppression
    targets: dict | None = None         # minimum-standards targets (None: the Sphere defaults)


def settings_from_config(config):
    """The :class:`ReportSettings` of the service config, refusing nonsense at start-up."""
    return ReportSettings(threshold_from_config(config), targets_from_config(config))


def site_builder(unit, settings, site_id=None):
    """The sitrep's site part (sites, their counters, the arrivals of the last days) for every report made of it;
    ``site_id`` reads one site only."""
    session, now = unit.session, utcnow()
    cells = repository.load_cells(session, site_id, arrivals_since=arrival_days(now.date())[0])
    return SitrepBuilder(repository.load_sites(session, site_id), cells, threshold=settings.threshold,
                         targets=settings.targets, now=now)


def sitrep(unit, settings, adm1=None, adm2=None):
    adm1 = optional_text("adm1", adm1, 100)
    adm2 = optional_text("adm2", adm2, 100)
    report = site_builder(unit, settings).sitrep(adm1=adm1, adm2=adm2,
                                                 last_event=repository.last_event(unit.session))
    report["health"] = health_sitrep.section(unit.session, settings.threshold, utcnow(), adm1=adm1, adm2=adm2)
    report["protection"] = protection.section(unit.session, settings.threshold)
    report["logistics"] = logistics_report.section(unit.session, settings.threshold, adm1=adm1, adm2=adm2)
    return report


def _three_w(unit, builder):
    """The 3W: the builder's rows and logistics', in one order."""
    rows = builder.three_w() + logistics_report.three_w(unit.session)
    return sorted(rows, key=lambda r: tuple(r[k] or "" for k in ("org", "sector", "adm1", "adm2", "activity")))


def site_profile(unit, settings, site_id):
    site_id = parse_uuid(site_id, "site_id")
    builder = site_builder(unit, settings, site_id)
    if site_id not in builder.site_ids():
        raise NotFound(f"site {site_id} is not known to reporting")
    return views.site_profile(builder.site_entry(site_id), builder.three_w(), repository.last_event(unit.session))


def three_w(unit, settings):
    return views.three_w(_three_w(unit, site_builder(unit, settings)), utcnow())


def export_hxl(unit, settings, table):
    """CSV text of ``table`` (``sites``, ``admin_areas`` or ``3w``): a header row, then HXL hashtags."""
    tables = hxl.TABLES + protection.HXL_TABLES
    if not isinstance(table, str):
        raise ValidationError({"table": [f"Must be one of: {', '.join(tables)}."]})
    one_of("table", table, tables)
    now = utcnow()
    if table in protection.HXL_TABLES:
        return protection.export_hxl(unit.session, settings.threshold, table, now.date().isoformat())
    builder = site_builder(unit, settings)
    if table == "3w":
        rows = _three_w(unit, builder)
    elif table == "stock":
        rows = logistics_report.stock_rows(unit.session)
    elif table == "health":
        rows = health_sitrep.hxl_rows(unit.session, settings.threshold, now)
    else:
        report = builder.sitrep(last_event=None, now=now)
        rows = report["sites"] if table == "sites" else report["admin_areas"]
    return hxl.write(table, rows, now.date().isoformat())


def dashboard(unit, settings):
    """What the dashboard shows: the whole sitrep and the 3W rows."""
    builder = site_builder(unit, settings)
    return {"sitrep": builder.sitrep(last_event=repository.last_event(unit.session)),
            "three_w": _three_w(unit, builder),
            "health": health_sitrep.section(unit.session, settings.threshold, utcnow()),
            "protection": protection.section(unit.session, settings.threshold),
            "logistics": logistics_report.section(unit.session, settings.threshold)}
