"""The protection service: entrypoints only, each a visible method handing over to a use case.

Every read method needs ``protection:read`` and every change ``protection:write``; what the caller may see and do
with a case is then decided by domain.py from ``protection:caseworker`` / ``protection:manager`` /
``protection:consent_override`` and the token's ``sub`` and ``org`` (``admin`` is no way around it).

Every change is applied once per request (``idempotent=True``: the kernel's RPC inbox keeps its reply for a retry
with the same idempotency key), and so replies with an acknowledgement, never a person or a narrative (the inbox's
replies are plain JSON); updates take the ``expected_version`` their caller read."""
from haven_contracts import catalogue
from haven_contracts.shelter import SITE_REPLICA
from haven_kernel.messaging import event_handler
from haven_kernel.replica import Replica
from haven_kernel.rpc import ServiceRpc, rpc
from haven_kernel.service import HavenService, Settings

from . import access, api, cases, follow_ups, repository, sharing, views
from .models import Site
from .settings import parse


class ProtectionService(HavenService):
    name = "protection"
    catalogue = catalogue  # what it may emit: the events haven_contracts.protection lists
    # A case is shared only case by case, by a referral or a transfer the person consented to (domain.py): the
    # kernel's organisation-wide sharing agreements would go around consent, so protection does not offer them.
    sharing_agreements = False

    settings = Settings(parse)  # the keyring: outside development a missing key refuses to start
    shelter = ServiceRpc(SITE_REPLICA.source, scopes=SITE_REPLICA.scopes, timeout=5.0)

    def _desk(self):
        return cases.Desk(self.db, self.settings.keys, site_lookup=self.shelter)

    # -- cases ---------------------------------------------------------------------------------------------------
    @rpc(scope="protection:write", idempotent=True, contract=api.OPEN_CASE)
    def open_case(self, case):
        return cases.open_case(self._desk(), case)

    @rpc(scope="protection:read", contract=api.GET_CASE)
    def get_case(self, case_id):
        return cases.get_case(self._desk(), case_id)

    @rpc(scope="protection:read", contract=api.LIST_CASES)
    def list_cases(self, site_id=None, case_type=None, status=None, risk=None, limit=50, offset=0):
        return cases.list_cases(self._desk(), {"site_id": site_id, "case_type": case_type, "status": status,
                                               "risk": risk, "limit": limit, "offset": offset})

    @rpc(scope="protection:write", idempotent=True, contract=api.UPDATE_CASE)
    def update_case(self, case_id, changes, expected_version=None):
        return cases.update_case(self._desk(), case_id, changes, expected_version)

    @rpc(scope="protection:write", idempotent=True, contract=api.CHANGE_STATUS)
    def change_status(self, case_id, status, date=None, expected_version=None):
        payload = {"status": status} if date is None else {"status": status, "date": date}
        return cases.change_status(self._desk(), case_id, payload, expected_version)

    @rpc(scope="protection:write", idempotent=True, contract=api.RECORD_CONSENT)
    def record_consent(self, case_id, consent, expected_version=None):
        return cases.record_consent(self._desk(), case_id, consent, expected_version)

    @rpc(scope="protection:write", idempotent=True, contract=api.RECORD_ACTION)
    def record_action(self, case_id, action, expected_version=None):
        return cases.record_action(self._desk(), case_id, action, expected_version)

    @rpc(scope="protection:write", idempotent=True, contract=api.ASSIGN_CASE)
    def assign_case(self, case_id, caseworker, expected_version=None):
        return cases.assign_case(self._desk(), case_id, {"caseworker": caseworker}, expected_version)

    # -- referral and transfer -----------------------------------------------------------------------------------
    @rpc(scope="protection:write", idempotent=True, contract=api.REFER_CASE)
    def refer_case(self, case_id, referral, expected_version=None):
        return sharing.refer_case(self._desk(), case_id, referral, expected_version)

    @rpc(scope="protection:write", idempotent=True, contract=api.ANSWER_REFERRAL)
    def answer_referral(self, referral_id, accept, caseworker=None, expected_version=None):
        answer = {"accept": accept} if caseworker is None else {"accept": accept, "caseworker": caseworker}
        return sharing.answer_referral(self._desk(), referral_id, answer, expected_version)

    @rpc(scope="protection:write", idempotent=True, contract=api.REVOKE_REFERRAL)
    def revoke_referral(self, referral_id, expected_version=None):
        return sharing.revoke_referral(self._desk(), referral_id, expected_version)

    @rpc(scope="protection:write", idempotent=True, contract=api.TRANSFER_CASE)
    def transfer_case(self, case_id, to_org, expected_version=None):
        return sharing.transfer_case(self._desk(), case_id, to_org, expected_version)

    @rpc(scope="protection:write", idempotent=True, contract=api.ANSWER_TRANSFER)
    def answer_transfer(self, transfer_id, accept, caseworker=None, expected_version=None):
        answer = {"accept": accept} if caseworker is None else {"accept": accept, "caseworker": caseworker}
        return sharing.answer_transfer(self._desk(), transfer_id, answer, expected_version)

    @rpc(scope="protection:read", contract=api.LIST_INCOMING)
    def list_incoming(self, limit=50, offset=0):
        return sharing.incoming(self._desk(), limit, offset)

    # -- the access log ------------------------------------------------------------------------------------------
    @rpc(scope="protection:read", contract=api.READ_ACCESS_LOG)
    def read_access_log(self, case_id=None, limit=50, offset=0):
        return access.read_log(self.db, case_id, limit, offset)

    # -- follow-ups from registration ----------------------------------------------------------------------------
    @rpc(scope="protection:read", contract=api.LIST_FOLLOW_UPS)
    def list_follow_ups(self, site_id=None, status="open", limit=50, offset=0):
        return follow_ups.list_follow_ups(self._desk(), site_id, status, limit, offset)

    @rpc(scope="protection:write", idempotent=True, contract=api.CONVERT_FOLLOW_UP)
    def convert_follow_up(self, follow_up_id, case, expected_version=None):
        return follow_ups.convert(self._desk(), follow_up_id, case, expected_version)

    @rpc(scope="protection:write", idempotent=True, contract=api.CLOSE_FOLLOW_UP)
    def close_follow_up(self, follow_up_id, reason, expected_version=None):
        return follow_ups.close(self._desk(), follow_up_id, reason, expected_version)

    @event_handler("registration", "household_protection_needs")
    def on_household_protection_needs(self, event):
        follow_ups.on_protection_needs(self.db, event, self.settings)

    # -- the site replica, from shelter's events (haven_contracts.shelter.SITE_REPLICA) ------------------------------
    @event_handler("shelter", "site_opened")
    def on_site_opened(self, event):
        Replica(Site, self.db).apply(event)

    @event_handler("shelter", "site_updated")
    def on_site_updated(self, event):
        Replica(Site, self.db).apply(event)

    @event_handler("shelter", "site_closed")
    def on_site_closed(self, event):
        Replica(Site, self.db).apply(event)

    # -- metrics (counts by type and status only) ------------------------------------------------------------------
    def business_metrics(self, session):
        return views.metric_families(*repository.counts(session))
