"""Every RPC method and authenticated HTTP route of the health service, found on the service
class (one added later is covered without being listed here), refuses bad tokens and wrong scopes and changes
nothing: the kernel's reusable test."""
from haven_contracts import catalogue
from haven_contracts.testing import site_event
from haven_kernel.testing import publish_event, wait_until
from haven_kernel.testing.rpc_auth import RpcAuthTests

from haven_health.models import Site

from haven_health.testing import SITE, report

WEEK = "2026-W47"


class TestRpcAuth(RpcAuthTests):
    harness = "health"

    def arguments(self, health):
        """Calls that would succeed with a good token, so one that ran despite a bad token would show."""
        publish_event(health.amqp_uri, catalogue, "shelter", "site_opened", site_event(site_id=SITE))
        wait_until(lambda: health.count(Site) == 1, message="site in the replica")
        with health.client("writer") as client:
            one = client.health.register_facility({"code": "AUTH-1", "name": "Auth one", "facility_type": "health_post",
                                                   "site_id": SITE, "status_since": "2026-10-01"})
            two = client.health.register_facility({"code": "AUTH-2", "name": "Auth two", "facility_type": "hospital",
                                                   "site_id": SITE, "status_since": "2026-10-01"})
            client.health.submit_weekly_report(report(one["facility_id"], "2026-W46"))
            alert = client.health.raise_alert({"facility_id": one["facility_id"], "week": WEEK})
            referral = client.health.refer({"from_facility_id": one["facility_id"],
                                            "to_facility_id": two["facility_id"], "reason": "surgical",
                                            "urgency": "routine"})
        facility_id = one["facility_id"]
        return {
            "register_facility": ({"code": "AUTH-3", "name": "Auth three", "facility_type": "health_post",
                                   "site_id": SITE},),
            "update_facility": (facility_id, {"beds_total": 4}),
            "get_facility": (facility_id,),
            "list_facilities": (None, 10, 0),
            "submit_weekly_report": (report(facility_id, WEEK),),
            "submit_weekly_reports": ([report(facility_id, "2026-W45")],),
            "get_weekly_report": (facility_id, "2026-W46"),
            "get_completeness": ("2026-W46",),
            "get_place_week": (facility_id, "2026-W46"),
            "report_signal": ({"facility_id": facility_id, "syndrome": "suspected_measles",
                               "onset_date": "2026-11-20", "age_years": 3},),
            "raise_alert": ({"facility_id": facility_id, "week": WEEK},),
            "move_alert": ({"alert_id": alert["alert_id"], "action": "verify", "outcome": "confirmed"},),
            "get_alert": (alert["alert_id"],),
            "list_alerts": (None, None, 10, 0),
            "get_alert_kpis": (WEEK,),
            "get_rules": (),
            "get_denominators": (SITE, None, None, WEEK),
            "refer": ({"from_facility_id": facility_id, "to_facility_id": two["facility_id"], "reason": "medical",
                       "urgency": "urgent"},),
            "move_referral": ({"referral_id": referral["referral_id"], "status": "accepted"},),
            "get_referral_counts": (facility_id,),
        }
