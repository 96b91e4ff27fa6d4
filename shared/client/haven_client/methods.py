"""One typed method per Haven RPC method. Generated from the services' RPC contracts by `make docs` (`haven docs`);
do not edit: a test fails when it is stale. The references: docs/rpc/<service>.md."""
from typing import Any, Optional

from .base import ServiceClient


class Health(ServiceClient):
    """`health`'s methods (docs/rpc/health.md)."""

    service = "health"

    def register_facility(
            self,
            facility: dict,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Register a health facility at a site, serving sites, or in an admin area (its admin areas default to its
        site's). Scope `health:write`. Errors: ValidationError, Conflict.
        """
        return self._call("register_facility", {"facility": facility},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def update_facility(
            self,
            facility_id: str,
            changes: dict,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Change a facility; only the fields given change; a status change is kept in its history from
        `status_since`. Scope `health:write`. Errors: ValidationError, NotFound, Conflict.
        """
        return self._call("update_facility", {"facility_id": facility_id, "changes": changes, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def get_facility(self, facility_id: str, *, timeout: Optional[float] = None) -> dict:
        """One facility. Scope `health:read`. Errors: NotFound.
        """
        return self._call("get_facility", {"facility_id": facility_id}, timeout=timeout)

    def list_facilities(
            self,
            site_id: Optional[str] = None,
            limit: Optional[int] = 50,
            offset: Optional[int] = 0,
            *,
            timeout: Optional[float] = None
    ) -> dict:
        """The facilities, of one site or all, a page at a time. Scope `health:read`. Errors: none of its own.
        """
        return self._call("list_facilities", {"site_id": site_id, "limit": limit, "offset": offset}, timeout=timeout)

    def submit_weekly_report(
            self,
            report: dict,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """A facility's weekly report for an ISO epi-week (consultations, cases per syndrome and deaths by sex and
        age); a report for a week already reported replaces it as a new version. Syndromes:
        acute_watery_diarrhoea, suspected_cholera, bloody_diarrhoea, acute_respiratory_infection,
        suspected_measles, acute_flaccid_paralysis, suspected_meningitis, acute_jaundice_syndrome,
        malaria_confirmed, malaria_suspected, dengue, viral_haemorrhagic_fever, diphtheria, pertussis,
        neonatal_tetanus, other. Scope `health:write`. Errors: ValidationError, NotFound, Conflict.
        """
        return self._call("submit_weekly_report", {"report": report, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def submit_weekly_reports(
            self,
            reports: list,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> list:
        """Up to 1,000 weekly reports in one call, each submitted or refused on its own. They are applied oldest
        week first, whatever their order in the call, so a backlog's alerts are those weekly reports would have
        raised. Scope `health:write`. Errors: ValidationError.
        """
        return self._call("submit_weekly_reports", {"reports": reports},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def get_weekly_report(self, facility_id: str, week: str, *, timeout: Optional[float] = None) -> dict:
        """A facility's report for a week (its latest version). Scope `health:read`. Errors: NotFound.
        """
        return self._call("get_weekly_report", {"facility_id": facility_id, "week": week}, timeout=timeout)

    def get_completeness(self, week: str, *, timeout: Optional[float] = None) -> dict:
        """Completeness and timeliness of a week's reports: the facilities expected to report, those that did, on
        time. Scope `health:read`. Errors: none of its own.
        """
        return self._call("get_completeness", {"week": week}, timeout=timeout)

    def get_place_week(self, facility_id: str, week: str, *, timeout: Optional[float] = None) -> dict:
        """A facility's place (its site, or the facility) for a week: consultations, cases, deaths and the
        mortality against the population of that week, with the threshold flag. Scope `health:read`. Errors:
        NotFound.
        """
        return self._call("get_place_week", {"facility_id": facility_id, "week": week}, timeout=timeout)

    def report_signal(
            self,
            signal: dict,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """One suspected case reported at once (never a name); the alert rules run on it and may raise alerts.
        Scope `health:write`. Errors: ValidationError, NotFound.
        """
        return self._call("report_signal", {"signal": signal},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def raise_alert(
            self,
            alert: dict,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Raise an alert by hand for a facility's week. Scope `health:write`. Errors: NotFound.
        """
        return self._call("raise_alert", {"alert": alert},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def move_alert(
            self,
            step: dict,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Move an alert along: verify (with an outcome), investigate, close. An alert's `version` is its `step` (1
        when raised, one more at each move). Scope `health:write`. Errors: NotFound, Conflict.
        """
        return self._call("move_alert", {"step": step, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def get_alert(self, alert_id: str, *, timeout: Optional[float] = None) -> dict:
        """One alert with its steps. Scope `health:read`. Errors: NotFound.
        """
        return self._call("get_alert", {"alert_id": alert_id}, timeout=timeout)

    def list_alerts(
            self,
            status: Optional[str] = None,
            week: Optional[str] = None,
            limit: Optional[int] = 50,
            offset: Optional[int] = 0,
            *,
            timeout: Optional[float] = None
    ) -> dict:
        """The alerts, by status and week, a page at a time. Scope `health:read`. Errors: none of its own.
        """
        return self._call("list_alerts", {"status": status, "week": week, "limit": limit, "offset": offset},
                          timeout=timeout)

    def get_alert_kpis(self, week: str, *, timeout: Optional[float] = None) -> dict:
        """How fast the week's alerts were verified and investigated. Scope `health:read`. Errors: none of its own.
        """
        return self._call("get_alert_kpis", {"week": week}, timeout=timeout)

    def get_rules(self, *, timeout: Optional[float] = None) -> dict:
        """The alert rules in force (a data file) and their version. Scope `health:read`. Errors: none of its own.
        """
        return self._call("get_rules", {}, timeout=timeout)

    def get_denominators(
            self,
            site_id: Optional[str] = None,
            adm1: Optional[str] = None,
            adm2: Optional[str] = None,
            week: Optional[str] = None,
            *,
            timeout: Optional[float] = None
    ) -> dict:
        """The population health counts against (from registration's households): of a site or an admin area, now
        or at the middle of a week. Scope `health:read`. Errors: none of its own.
        """
        return self._call("get_denominators", {"site_id": site_id, "adm1": adm1, "adm2": adm2, "week": week},
                          timeout=timeout)

    def refer(self, referral: dict, *, idempotency_key: Optional[str] = None, timeout: Optional[float] = None) -> dict:
        """Refer a patient from one facility to another (reason and urgency only, no name). Scope `health:write`.
        Errors: ValidationError, NotFound.
        """
        return self._call("refer", {"referral": referral},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def move_referral(
            self,
            referral: dict,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Accept, refuse or complete a referral. Scope `health:write`. Errors: NotFound, Conflict.
        """
        return self._call("move_referral", {"referral": referral, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def get_referral_counts(self, facility_id: Optional[str] = None, *, timeout: Optional[float] = None) -> dict:
        """Referrals counted by status, reason and urgency, of one facility or all. Scope `health:read`. Errors:
        none of its own.
        """
        return self._call("get_referral_counts", {"facility_id": facility_id}, timeout=timeout)

    def grant_sharing(
            self,
            partner_org: str,
            note: Optional[str] = None,
            access: Optional[str] = 'read',
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Share all the caller's organisation's records in this service with another organisation, until revoked:
        with `access` read (the default) it then reads them (a change is Forbidden); with write it reads and
        changes them as the owner does (sites: manages them with the agency, never takes them over). Granting
        again at the same level changes nothing; at the other level it changes the agreement's level. Every
        grant is logged. Scope `health:write`. Errors: ValidationError.
        """
        return self._call("grant_sharing", {"partner_org": partner_org, "note": note, "access": access},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def revoke_sharing(
            self,
            partner_org: str,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """End the caller's organisation's agreement with another: from now on it sees none of the organisation's
        records in this service. Scope `health:write`. Errors: ValidationError, NotFound.
        """
        return self._call("revoke_sharing", {"partner_org": partner_org},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def list_sharing(self, *, timeout: Optional[float] = None) -> dict:
        """The agreements the caller's organisation granted and received in this service, and their log (newest
        first, 100 at most). Scope `health:read`. Errors: none of its own.
        """
        return self._call("list_sharing", {}, timeout=timeout)

class Logistics(ServiceClient):
    """`logistics`'s methods (docs/rpc/logistics.md)."""

    service = "logistics"

    def list_items(self, *, timeout: Optional[float] = None) -> list:
        """The item catalogue (items and kits with their distribution rule). Scope `logistics:read`. Errors: none
        of its own.
        """
        return self._call("list_items", {}, timeout=timeout)

    def get_item(self, code: str, *, timeout: Optional[float] = None) -> dict:
        """One item or kit. Scope `logistics:read`. Errors: NotFound.
        """
        return self._call("get_item", {"code": code}, timeout=timeout)

    def put_item(
            self,
            item: dict,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Add an item or kit to the catalogue, or change it (by its code). Give `expected_version` (the item's
        `version` as you read it) so that a change made since by someone else is not overwritten. Scope
        `logistics:write`. Errors: ValidationError, Conflict.
        """
        return self._call("put_item", {"item": item, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def create_warehouse(
            self,
            warehouse: dict,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Open a warehouse (a central one, or a site's store). Scope `logistics:write`. Errors: ValidationError,
        Conflict.
        """
        return self._call("create_warehouse", {"warehouse": warehouse},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def list_warehouses(self, site_id: Optional[str] = None, *, timeout: Optional[float] = None) -> list:
        """The warehouses, of a site or all. Scope `logistics:read`. Errors: none of its own.
        """
        return self._call("list_warehouses", {"site_id": site_id}, timeout=timeout)

    def get_warehouse(self, warehouse_id: str, *, timeout: Optional[float] = None) -> dict:
        """One warehouse. Scope `logistics:read`. Errors: NotFound.
        """
        return self._call("get_warehouse", {"warehouse_id": warehouse_id}, timeout=timeout)

    def set_stock_level(
            self,
            level: dict,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Set an item's reorder level and lead time at a warehouse (what its pipeline status is judged by). Scope
        `logistics:write`. Errors: NotFound, Conflict.
        """
        return self._call("set_stock_level", {"level": level, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def stock_on_hand(
            self,
            warehouse_id: str,
            item_code: Optional[str] = None,
            *,
            timeout: Optional[float] = None
    ) -> dict:
        """A warehouse's stock on hand, of one item or all. Scope `logistics:read`. Errors: NotFound.
        """
        return self._call("stock_on_hand", {"warehouse_id": warehouse_id, "item_code": item_code}, timeout=timeout)

    def stock_card(
            self,
            warehouse_id: str,
            item_code: str,
            limit: Optional[int] = 100,
            offset: Optional[int] = 0,
            *,
            timeout: Optional[float] = None
    ) -> dict:
        """An item's stock card at a warehouse: its ledger rows, newest first, a page at a time. Scope
        `logistics:read`. Errors: NotFound.
        """
        return self._call("stock_card", {"warehouse_id": warehouse_id, "item_code": item_code, "limit": limit, "offset": offset},
                          timeout=timeout)

    def pipeline(self, warehouse_id: Optional[str] = None, *, timeout: Optional[float] = None) -> list:
        """The pipeline: per warehouse and item, stock, in transit, weekly consumption, weeks of cover and status
        (ok, at_risk, broken). Scope `logistics:read`. Errors: none of its own.
        """
        return self._call("pipeline", {"warehouse_id": warehouse_id}, timeout=timeout)

    def receive_stock(
            self,
            receipt: dict,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Receive stock at a warehouse (a donation, a purchase, a transfer in), by lot. Scope `logistics:write`.
        Errors: ValidationError, NotFound.
        """
        return self._call("receive_stock", {"receipt": receipt},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def adjust_stock(
            self,
            adjustment: dict,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Record stock lost, found, damaged, expired or distributed without a record. Scope `logistics:write`.
        Errors: ValidationError, NotFound, Conflict.
        """
        return self._call("adjust_stock", {"adjustment": adjustment},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def record_count(
            self,
            count: dict,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """A physical count of lots: each difference is booked as a count correction. Scope `logistics:write`.
        Errors: NotFound.
        """
        return self._call("record_count", {"count": count},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def create_waybill(
            self,
            waybill: dict,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Draft a waybill from one warehouse to another (optionally for a request). Scope `logistics:write`.
        Errors: ValidationError, NotFound.
        """
        return self._call("create_waybill", {"waybill": waybill},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def get_waybill(self, waybill_id: str, *, timeout: Optional[float] = None) -> dict:
        """One waybill. Scope `logistics:read`. Errors: NotFound.
        """
        return self._call("get_waybill", {"waybill_id": waybill_id}, timeout=timeout)

    def dispatch_waybill(
            self,
            waybill_id: str,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Dispatch a draft waybill: its stock leaves the sending warehouse (first expiring first out) and is in
        transit. Scope `logistics:write`. Errors: NotFound, Conflict.
        """
        return self._call("dispatch_waybill", {"waybill_id": waybill_id, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def receive_waybill(
            self,
            waybill_id: str,
            receipt: dict,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Receive a dispatched waybill: what arrived enters the receiving warehouse, the rest is booked lost in
        transit. Scope `logistics:write`. Errors: ValidationError, NotFound, Conflict.
        """
        return self._call("receive_waybill", {"waybill_id": waybill_id, "receipt": receipt, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def cancel_waybill(
            self,
            waybill_id: str,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Cancel a draft waybill. Scope `logistics:write`. Errors: NotFound, Conflict.
        """
        return self._call("cancel_waybill", {"waybill_id": waybill_id, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def return_waybill(
            self,
            waybill_id: str,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Return a dispatched waybill: its stock goes back to the sending warehouse. Scope `logistics:write`.
        Errors: NotFound, Conflict.
        """
        return self._call("return_waybill", {"waybill_id": waybill_id, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def create_request(
            self,
            request: dict,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Request items for a site's warehouse; waybills for it roll its fulfilment up (none, partial, complete).
        Scope `logistics:write`. Errors: ValidationError, NotFound.
        """
        return self._call("create_request", {"request": request},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def get_request(self, request_id: str, *, timeout: Optional[float] = None) -> dict:
        """One request with its fulfilment. Scope `logistics:read`. Errors: NotFound.
        """
        return self._call("get_request", {"request_id": request_id}, timeout=timeout)

    def create_round(
            self,
            round: dict,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Open a distribution round of an item at a site from a warehouse, between two dates (the item's rule
        unless given). Scope `logistics:write`. Errors: ValidationError, NotFound.
        """
        return self._call("create_round", {"round": round},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def get_round(self, round_id: str, *, timeout: Optional[float] = None) -> dict:
        """One round with its figures (households reached, quantities). Scope `logistics:read`. Errors: NotFound.
        """
        return self._call("get_round", {"round_id": round_id}, timeout=timeout)

    def record_distribution(
            self,
            distribution: dict,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Record that a household received the round's item (once per round); the quantity follows the rule and
        the household's size. Recorded offline in the field, it may carry its `provenance` (`collected_at` with
        its time zone, not in the future nor older than the sync window; `place`; `enumerator_id`, `device_id`):
        `distributed_on` is then the day of `collected_at` unless given. Scope `logistics:write`. Errors:
        ValidationError, NotFound, ServiceUnavailable, Conflict.
        """
        return self._call("record_distribution", {"distribution": distribution},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def record_distributions(
            self,
            distributions: list,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> list:
        """Up to 1,000 distributions in one call, each recorded or refused on its own. Scope `logistics:write`.
        Errors: ValidationError.
        """
        return self._call("record_distributions", {"distributions": distributions},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def sync_distributions(
            self,
            items: list,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> list:
        """Offline field sync: a device's batch of distributions recorded in the field, each with the key the
        device chose for it (the form's instance id). Each is recorded as `record_distribution` would, once per
        key: send the whole batch again after any failure, nothing is recorded nor taken from stock twice. Scope
        `logistics:write`. Errors: ValidationError.
        """
        return self._call("sync_distributions", {"items": items},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def grant_sharing(
            self,
            partner_org: str,
            note: Optional[str] = None,
            access: Optional[str] = 'read',
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Share all the caller's organisation's records in this service with another organisation, until revoked:
        with `access` read (the default) it then reads them (a change is Forbidden); with write it reads and
        changes them as the owner does (sites: manages them with the agency, never takes them over). Granting
        again at the same level changes nothing; at the other level it changes the agreement's level. Every
        grant is logged. Scope `logistics:write`. Errors: ValidationError.
        """
        return self._call("grant_sharing", {"partner_org": partner_org, "note": note, "access": access},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def revoke_sharing(
            self,
            partner_org: str,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """End the caller's organisation's agreement with another: from now on it sees none of the organisation's
        records in this service. Scope `logistics:write`. Errors: ValidationError, NotFound.
        """
        return self._call("revoke_sharing", {"partner_org": partner_org},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def list_sharing(self, *, timeout: Optional[float] = None) -> dict:
        """The agreements the caller's organisation granted and received in this service, and their log (newest
        first, 100 at most). Scope `logistics:read`. Errors: none of its own.
        """
        return self._call("list_sharing", {}, timeout=timeout)

class Protection(ServiceClient):
    """`protection`'s methods (docs/rpc/protection.md)."""

    service = "protection"

    def open_case(self, case: dict, *, idempotency_key: Optional[str] = None, timeout: Optional[float] = None) -> dict:
        """Open a protection case (child protection, GBV, general protection) for a registered member or someone
        not registered. Names, identifying details and the narrative are encrypted at rest and never leave the
        service; its events carry type, risk, status and place only (a GBV case's events carry no site). Scope
        `protection:write`. Errors: ValidationError, Forbidden.
        """
        return self._call("open_case", {"case": case}, writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def get_case(self, case_id: str, *, timeout: Optional[float] = None) -> dict:
        """One case, as the caller's role may see it; the read is written to the access log. Scope
        `protection:read`. Errors: NotFound.
        """
        return self._call("get_case", {"case_id": case_id}, timeout=timeout)

    def list_cases(
            self,
            site_id: Optional[str] = None,
            case_type: Optional[str] = None,
            status: Optional[str] = None,
            risk: Optional[str] = None,
            limit: Optional[int] = 50,
            offset: Optional[int] = 0,
            *,
            timeout: Optional[float] = None
    ) -> dict:
        """The cases the caller may see, filtered by any of site, type, status and risk (keywords). A GBV case's
        name never appears in a list. Scope `protection:read`. Errors: none of its own.
        """
        return self._call("list_cases", {"site_id": site_id, "case_type": case_type, "status": status, "risk": risk, "limit": limit, "offset": offset},
                          timeout=timeout)

    def update_case(
            self,
            case_id: str,
            changes: dict,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Change a case's person, concerns, specific needs, risk, site or narrative; only the fields given change.
        Scope `protection:write`. Errors: ValidationError, NotFound, Forbidden, Conflict.
        """
        return self._call("update_case", {"case_id": case_id, "changes": changes, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def change_status(
            self,
            case_id: str,
            status: str,
            date: Optional[str] = None,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Move a case one step along its workflow: new, assessment, case_plan, services, closed (a closed case
        reopens to assessment), as of `date` (today when not given). Scope `protection:write`. Errors: NotFound,
        Forbidden, Conflict.
        """
        return self._call("change_status", {"case_id": case_id, "status": status, "date": date, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def record_consent(
            self,
            case_id: str,
            consent: dict,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Record the person's (or guardian's) consent to services or to sharing, given or withdrawn, as of a day.
        Scope `protection:write`. Errors: NotFound, Forbidden, Conflict.
        """
        return self._call("record_consent", {"case_id": case_id, "consent": consent, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def record_action(
            self,
            case_id: str,
            action: dict,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Record a service given or planned (with its provider) or a follow-up visit on a case. Scope
        `protection:write`. Errors: ValidationError, NotFound, Forbidden, Conflict.
        """
        return self._call("record_action", {"case_id": case_id, "action": action, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def assign_case(
            self,
            case_id: str,
            caseworker: str,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """A manager assigns the case to a caseworker (the token `sub` of that caseworker). Scope
        `protection:write`. Errors: NotFound, Forbidden, Conflict.
        """
        return self._call("assign_case", {"case_id": case_id, "caseworker": caseworker, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def refer_case(
            self,
            case_id: str,
            referral: dict,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Refer a case to another organisation for a service. The case type's consents are needed, unless a caller
        with `protection:consent_override` gives an `override_reason` (recorded, and flagged in the event).
        Scope `protection:write`. Errors: ValidationError, NotFound, Forbidden, Conflict.
        """
        return self._call("refer_case", {"case_id": case_id, "referral": referral, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def answer_referral(
            self,
            referral_id: str,
            accept: bool,
            caseworker: Optional[str] = None,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """A manager of the receiving organisation accepts (optionally naming its caseworker) or declines a
        referral; while it is accepted, that organisation sees the case. Scope `protection:write`. Errors:
        NotFound, Forbidden, Conflict.
        """
        return self._call("answer_referral", {"referral_id": referral_id, "accept": accept, "caseworker": caseworker, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def revoke_referral(
            self,
            referral_id: str,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """The referring organisation withdraws a referral: the other organisation no longer sees the case. Scope
        `protection:write`. Errors: NotFound, Forbidden, Conflict.
        """
        return self._call("revoke_referral", {"referral_id": referral_id, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def transfer_case(
            self,
            case_id: str,
            to_org: str,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Ask another organisation to take over a case (its sharing consent is needed); the case changes hands
        when a manager there accepts. Scope `protection:write`. Errors: ValidationError, NotFound, Forbidden,
        Conflict.
        """
        return self._call("transfer_case", {"case_id": case_id, "to_org": to_org, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def answer_transfer(
            self,
            transfer_id: str,
            accept: bool,
            caseworker: Optional[str] = None,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """A manager of the receiving organisation accepts (optionally naming its caseworker) or declines a
        transfer. Scope `protection:write`. Errors: NotFound, Forbidden, Conflict.
        """
        return self._call("answer_transfer", {"transfer_id": transfer_id, "accept": accept, "caseworker": caseworker, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def list_incoming(
            self,
            limit: Optional[int] = 50,
            offset: Optional[int] = 0,
            *,
            timeout: Optional[float] = None
    ) -> dict:
        """Referrals and transfers to the caller's organisation waiting for an answer (type and risk only, no
        names). Scope `protection:read`. Errors: none of its own.
        """
        return self._call("list_incoming", {"limit": limit, "offset": offset}, timeout=timeout)

    def read_access_log(
            self,
            case_id: Optional[str] = None,
            limit: Optional[int] = 50,
            offset: Optional[int] = 0,
            *,
            timeout: Optional[float] = None
    ) -> dict:
        """Managers only: who read or changed which case, when (insert-only), newest first; one case's or all of
        the organisation's. Scope `protection:read`. Errors: Forbidden.
        """
        return self._call("read_access_log", {"case_id": case_id, "limit": limit, "offset": offset}, timeout=timeout)

    def list_follow_ups(
            self,
            site_id: Optional[str] = None,
            status: Optional[str] = 'open',
            limit: Optional[int] = 50,
            offset: Optional[int] = 0,
            *,
            timeout: Optional[float] = None
    ) -> dict:
        """The follow-ups protection opened for households whose registration recorded a protection need (SC, CR,
        SV, ...) at the sites the caller's organisation is the protection focal point for; by status (default
        open). Scope `protection:read`. Errors: none of its own.
        """
        return self._call("list_follow_ups", {"site_id": site_id, "status": status, "limit": limit, "offset": offset},
                          timeout=timeout)

    def convert_follow_up(
            self,
            follow_up_id: str,
            case: dict,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Open a case from a follow-up (at the follow-up's site); the follow-up becomes `converted`. Scope
        `protection:write`. Errors: ValidationError, NotFound, Forbidden, Conflict.
        """
        return self._call("convert_follow_up", {"follow_up_id": follow_up_id, "case": case, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def close_follow_up(
            self,
            follow_up_id: str,
            reason: str,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Close a follow-up without a case, with a reason (kept by protection only). Scope `protection:write`.
        Errors: NotFound, Conflict.
        """
        return self._call("close_follow_up", {"follow_up_id": follow_up_id, "reason": reason, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

class Registration(ServiceClient):
    """`registration`'s methods (docs/rpc/registration.md)."""

    service = "registration"

    def register_household(
            self,
            household: dict,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Register a household at an open site. Shelter then allocates it the smallest free unit that fits, or
        queues it (see shelter's `get_allocation`). Give each member's `date_of_birth` or `age_years`. A
        household collected offline in the field may carry its `provenance` (when, where, enumerator and device
        ids); `sync_households` takes a device's whole batch. Scope `registration:write`. Errors:
        ValidationError, NotFound, Conflict, ServiceUnavailable.
        """
        return self._call("register_household", {"household": household},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def register_households(
            self,
            households: list,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> list:
        """Register up to 1000 households (30,000 members) in one call. Each is registered or refused on its own:
        the reply has one item per household, in order, either as `register_household` replies or `{"error":
        {"type", "message", "errors"}}`, where `type` and `errors` (field map, `household.`-prefixed) are what
        `register_household` would raise for that household. Scope `registration:write`. Errors:
        ValidationError.
        """
        return self._call("register_households", {"households": households},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def sync_households(
            self,
            items: list,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> list:
        """Register a batch of households collected offline in the field (an ODK/KoBo form, a registration app),
        each with the key its device gave it (e.g. the form's instance id: the same every time the device sends
        it). Each is registered as `register_household` would, or answered from its key, so a device that got no
        answer sends the whole batch again and nothing is registered twice. Keys are kept per organisation
        (beyond the idempotency key's 24 hours). Give each household's `provenance.collected_at`: reporting
        counts it from then. Scope `registration:write`. Errors: ValidationError.
        """
        return self._call("sync_households", {"items": items},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def get_household(self, household_id: str, *, timeout: Optional[float] = None) -> dict:
        """One household, with its members. Scope `registration:read`. Errors: NotFound.
        """
        return self._call("get_household", {"household_id": household_id}, timeout=timeout)

    def search_households(
            self,
            site_id: Optional[str] = None,
            name: Optional[str] = None,
            registration_number: Optional[str] = None,
            limit: Optional[int] = 50,
            offset: Optional[int] = 0,
            *,
            timeout: Optional[float] = None
    ) -> dict:
        """Find households by site, a member's name (accents and case ignored) or registration number; call with
        keywords. Paged with `limit` and `offset`. Scope `registration:read`. Errors: ValidationError.
        """
        return self._call("search_households", {"site_id": site_id, "name": name, "registration_number": registration_number, "limit": limit, "offset": offset},
                          timeout=timeout)

    def update_household(
            self,
            household_id: str,
            changes: dict,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Change a household: origin, displacement date, phone, consent, and members (`members.add`,
        `members.update` by `member_id`, `members.remove`). Only the fields given change. Give
        `expected_version` (the `version` you read) to change it only if nobody has since. Scope
        `registration:write`. Errors: ValidationError, NotFound, Conflict.
        """
        return self._call("update_household", {"household_id": household_id, "changes": changes, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def record_departure(
            self,
            household_id: str,
            reason: str,
            date: str,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Record that a household left (returned home, resettled...) on a day (ISO date, not in the future, not
        before its registration). Its shelter unit is released. Scope `registration:write`. Errors:
        ValidationError, NotFound, Conflict.
        """
        return self._call("record_departure", {"household_id": household_id, "reason": reason, "date": date, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def relocate_household(
            self,
            household_id: str,
            to_site_id: str,
            expected_version: Optional[int] = None,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Move a household to another open site; shelter releases its unit and allocates it one there (or queues
        it). Scope `registration:write`. Errors: NotFound, Conflict, ServiceUnavailable.
        """
        return self._call("relocate_household", {"household_id": household_id, "to_site_id": to_site_id, "expected_version": expected_version},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def grant_sharing(
            self,
            partner_org: str,
            note: Optional[str] = None,
            access: Optional[str] = 'read',
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Share all the caller's organisation's records in this service with another organisation, until revoked:
        with `access` read (the default) it then reads them (a change is Forbidden); with write it reads and
        changes them as the owner does (sites: manages them with the agency, never takes them over). Granting
        again at the same level changes nothing; at the other level it changes the agreement's level. Every
        grant is logged. Scope `registration:write`. Errors: ValidationError.
        """
        return self._call("grant_sharing", {"partner_org": partner_org, "note": note, "access": access},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def revoke_sharing(
            self,
            partner_org: str,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """End the caller's organisation's agreement with another: from now on it sees none of the organisation's
        records in this service. Scope `registration:write`. Errors: ValidationError, NotFound.
        """
        return self._call("revoke_sharing", {"partner_org": partner_org},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def list_sharing(self, *, timeout: Optional[float] = None) -> dict:
        """The agreements the caller's organisation granted and received in this service, and their log (newest
        first, 100 at most). Scope `registration:read`. Errors: none of its own.
        """
        return self._call("list_sharing", {}, timeout=timeout)

class Reporting(ServiceClient):
    """`reporting`'s methods (docs/rpc/reporting.md)."""

    service = "reporting"

    def get_sitrep(
            self,
            adm1: Optional[str] = None,
            adm2: Optional[str] = None,
            *,
            timeout: Optional[float] = None
    ) -> dict:
        """The situation report: per site and per admin area, households and individuals by sex and age band,
        specific needs, shelter figures and the minimum-standards indicators, with totals; filtered by
        `adm1`/`adm2`. Counts below the small-cell threshold (default 5) are shown as `<5`. `lag_seconds` says
        how far behind the services' events it is. Scope `reporting:read`. Errors: ValidationError.
        """
        return self._call("get_sitrep", {"adm1": adm1, "adm2": adm2}, timeout=timeout)

    def get_site_profile(self, site_id: str, *, timeout: Optional[float] = None) -> dict:
        """One site's profile: its sitrep row and who does what there (3W). Scope `reporting:read`. Errors:
        NotFound.
        """
        return self._call("get_site_profile", {"site_id": site_id}, timeout=timeout)

    def get_3w(self, *, timeout: Optional[float] = None) -> dict:
        """Who does what where: per organisation and site, households registered and sheltered. Scope
        `reporting:read`. Errors: none of its own.
        """
        return self._call("get_3w", {}, timeout=timeout)

    def export_hxl(self, table: str, *, timeout: Optional[float] = None) -> str:
        """A table as CSV text with HXL hashtags (the humanitarian exchange language), for spreadsheets and HDX.
        Scope `reporting:read`. Errors: ValidationError.
        """
        return self._call("export_hxl", {"table": table}, timeout=timeout)

    def rebuild(self, *, idempotency_key: Optional[str] = None, timeout: Optional[float] = None) -> dict:
        """Operators only (scope `admin`): drop the projections and replay reporting's archive of events into them.
        Scope `admin`. Errors: none of its own.
        """
        return self._call("rebuild", {}, writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def grant_sharing(
            self,
            partner_org: str,
            note: Optional[str] = None,
            access: Optional[str] = 'read',
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Share all the caller's organisation's records in this service with another organisation, until revoked:
        with `access` read (the default) it then reads them (a change is Forbidden); with write it reads and
        changes them as the owner does (sites: manages them with the agency, never takes them over). Granting
        again at the same level changes nothing; at the other level it changes the agreement's level. Every
        grant is logged. Scope `reporting:write`. Errors: ValidationError.
        """
        return self._call("grant_sharing", {"partner_org": partner_org, "note": note, "access": access},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def revoke_sharing(
            self,
            partner_org: str,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """End the caller's organisation's agreement with another: from now on it sees none of the organisation's
        records in this service. Scope `reporting:write`. Errors: ValidationError, NotFound.
        """
        return self._call("revoke_sharing", {"partner_org": partner_org},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def list_sharing(self, *, timeout: Optional[float] = None) -> dict:
        """The agreements the caller's organisation granted and received in this service, and their log (newest
        first, 100 at most). Scope `reporting:read`. Errors: none of its own.
        """
        return self._call("list_sharing", {}, timeout=timeout)

class Shelter(ServiceClient):
    """`shelter`'s methods (docs/rpc/shelter.md)."""

    service = "shelter"

    def create_site(
            self,
            site: dict,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Open a site (a camp, collective centre...). Add shelter units to it (`add_shelter_units`) before
        households registered there can be given one. Scope `shelter:write`. Errors: ValidationError, Conflict.
        """
        return self._call("create_site", {"site": site}, writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def update_site(
            self,
            site_id: str,
            changes: dict,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Change a site's details; only the fields given change (close and reopen change its status). Scope
        `shelter:write`. Errors: ValidationError, NotFound, Conflict.
        """
        return self._call("update_site", {"site_id": site_id, "changes": changes},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def close_site(
            self,
            site_id: str,
            reason: str,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Close a site: it takes no more households or allocations. Scope `shelter:write`. Errors: NotFound,
        Conflict.
        """
        return self._call("close_site", {"site_id": site_id, "reason": reason},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def reopen_site(
            self,
            site_id: str,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Reopen a closed site. Scope `shelter:write`. Errors: NotFound, Conflict.
        """
        return self._call("reopen_site", {"site_id": site_id},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def get_site(self, site_id: str, *, timeout: Optional[float] = None) -> dict:
        """One site. Scope `shelter:read`. Errors: NotFound.
        """
        return self._call("get_site", {"site_id": site_id}, timeout=timeout)

    def list_sites(
            self,
            status: Optional[str] = None,
            adm1: Optional[str] = None,
            site_type: Optional[str] = None,
            *,
            timeout: Optional[float] = None
    ) -> list:
        """The sites, filtered by any of status, adm1 and site type (keywords). Scope `shelter:read`. Errors: none
        of its own.
        """
        return self._call("list_sites", {"status": status, "adm1": adm1, "site_type": site_type}, timeout=timeout)

    def record_site_services(
            self,
            site_id: str,
            services: dict,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Record a site's services figures (CCCM site monitoring: latrines, water, showers) as of a day. Scope
        `shelter:write`. Errors: ValidationError, NotFound.
        """
        return self._call("record_site_services", {"site_id": site_id, "services": services},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def add_shelter_units(
            self,
            site_id: str,
            units: list,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Add shelter units (tents, rooms...) to an open site. A unit's capacity is derived from its covered area
        and the Sphere standard (3.5 m² a person) unless given; waiting households are housed at once. Scope
        `shelter:write`. Errors: ValidationError, NotFound, Conflict.
        """
        return self._call("add_shelter_units", {"site_id": site_id, "units": units},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def set_unit_status(
            self,
            unit_id: str,
            status: str,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Make a unit available or unavailable (damaged, under repair). Scope `shelter:write`. Errors: NotFound,
        Conflict.
        """
        return self._call("set_unit_status", {"unit_id": unit_id, "status": status},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def list_units(self, site_id: str, status: Optional[str] = None, *, timeout: Optional[float] = None) -> list:
        """A site's units, each with the `household_id` holding it (or null). Scope `shelter:read`. Errors:
        NotFound.
        """
        return self._call("list_units", {"site_id": site_id, "status": status}, timeout=timeout)

    def allocate_shelter(
            self,
            household_id: str,
            unit_id: str,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """The camp manager's override: put a registered household in a given unit of its site (households are
        otherwise allocated automatically when registered, or queued). Scope `shelter:write`. Errors: NotFound,
        Conflict.
        """
        return self._call("allocate_shelter", {"household_id": household_id, "unit_id": unit_id},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def get_allocation(self, household_id: str, *, timeout: Optional[float] = None) -> dict:
        """Where a household is sheltered: `status` (allocated, waitlisted, unallocated), its unit, its position in
        the site's queue while it waits. Scope `shelter:read`. Errors: NotFound.
        """
        return self._call("get_allocation", {"household_id": household_id}, timeout=timeout)

    def get_allocation_history(self, household_id: str, *, timeout: Optional[float] = None) -> list:
        """A household's allocations and releases, oldest first. Scope `shelter:read`. Errors: NotFound.
        """
        return self._call("get_allocation_history", {"household_id": household_id}, timeout=timeout)

    def list_waitlist(self, site_id: str, *, timeout: Optional[float] = None) -> list:
        """The households waiting for a unit at a site, in queue order. Scope `shelter:read`. Errors: NotFound.
        """
        return self._call("list_waitlist", {"site_id": site_id}, timeout=timeout)

    def grant_sharing(
            self,
            partner_org: str,
            note: Optional[str] = None,
            access: Optional[str] = 'read',
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """Share all the caller's organisation's records in this service with another organisation, until revoked:
        with `access` read (the default) it then reads them (a change is Forbidden); with write it reads and
        changes them as the owner does (sites: manages them with the agency, never takes them over). Granting
        again at the same level changes nothing; at the other level it changes the agreement's level. Every
        grant is logged. Scope `shelter:write`. Errors: ValidationError.
        """
        return self._call("grant_sharing", {"partner_org": partner_org, "note": note, "access": access},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def revoke_sharing(
            self,
            partner_org: str,
            *,
            idempotency_key: Optional[str] = None,
            timeout: Optional[float] = None
    ) -> dict:
        """End the caller's organisation's agreement with another: from now on it sees none of the organisation's
        records in this service. Scope `shelter:write`. Errors: ValidationError, NotFound.
        """
        return self._call("revoke_sharing", {"partner_org": partner_org},
                          writes=True, idempotency_key=idempotency_key, timeout=timeout)

    def list_sharing(self, *, timeout: Optional[float] = None) -> dict:
        """The agreements the caller's organisation granted and received in this service, and their log (newest
        first, 100 at most). Scope `shelter:read`. Errors: none of its own.
        """
        return self._call("list_sharing", {}, timeout=timeout)


SERVICES = {"health": Health, "logistics": Logistics, "protection": Protection, "registration": Registration, "reporting": Reporting, "shelter": Shelter}
