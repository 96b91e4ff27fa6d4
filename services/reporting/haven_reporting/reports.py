"""Reporting's use cases over a unit of work: record an event, answer a report, export it, rebuild everything."""
from haven_contracts.standards import targets_from_config
from haven_kernel.clock import iso, utcnow
from haven_kernel.errors import NotFound, ValidationError
from haven_kernel.validation import one_of, optional_text, parse_uuid

from . import hxl, store
from .sitrep import DEFAULT_THRESHOLD, Reporter


def settings_from_config(config):
    """(small-cell threshold, standards targets) from the service config, refusing nonsense at start-up."""
    raw = config.get("SMALL_CELL_THRESHOLD", DEFAULT_THRESHOLD)
    try:
        threshold = int(raw)
    except (TypeError, ValueError):
        raise ValueError(f"SMALL_CELL_THRESHOLD must be a whole number, got {raw!r}") from None
    if threshold < 0:
        raise ValueError("SMALL_CELL_THRESHOLD must not be negative")
    return threshold, targets_from_config(config)


class Reports:
    def __init__(self, unit, threshold=DEFAULT_THRESHOLD, targets=None):
        self.unit = unit
        self.session = unit.session
        self.threshold = threshold
        self.targets = targets

    # -- events --------------------------------------------------------------------------------------------------
    def _store(self):
        """The projection store of this transaction: one for a whole batch of events, written before the commit."""
        return self.unit.state(store.SqlStore, self.session)

    def prepare(self, events):
        """Archive a batch of events and read what they concern, in one statement each."""
        self._store().prepare(events)

    def record(self, event):
        """Archive the event and apply it to the projections (the handler commits both with its inbox row)."""
        return self._store().record(event)

    def rebuild(self):
        return store.rebuild(self.session)

    # -- reading -------------------------------------------------------------------------------------------------
    def _reporter(self, site_id=None):
        return Reporter(store.load_sites(self.session, site_id), store.load_cells(self.session, site_id),
                        threshold=self.threshold, targets=self.targets)

    def sitrep(self, adm1=None, adm2=None, now=None):
        adm1 = optional_text("adm1", adm1, 100)
        adm2 = optional_text("adm2", adm2, 100)
        return self._reporter().sitrep(adm1=adm1, adm2=adm2, last_event=store.last_event(self.session), now=now)

    def site_profile(self, site_id):
        site_id = parse_uuid(site_id, "site_id")
        reporter = self._reporter(site_id)
        if site_id not in reporter.site_ids():
            raise NotFound(f"site {site_id} is not known to reporting")
        last = store.last_event(self.session)
        return {**reporter.site_entry(site_id), "presence": reporter.three_w(),
                "as_of_event": None if last is None else {k: (iso(v) if k in ("occurred_at", "received_at") else v)
                                                          for k, v in last.items()}}

    def three_w(self):
        return {"generated_at": utcnow().isoformat(), "rows": self._reporter().three_w()}

    def export_hxl(self, table):
        if not isinstance(table, str):
            raise ValidationError({"table": [f"Must be one of: {', '.join(hxl.TABLES)}."]})
        one_of("table", table, hxl.TABLES)
        reporter = self._reporter()
        now = utcnow()
        if table == "3w":
            rows = reporter.three_w()
        else:
            report = reporter.sitrep(last_event=None, now=now)
            rows = report["sites"] if table == "sites" else report["admin_areas"]
        return hxl.write(table, rows, now.date().isoformat())
