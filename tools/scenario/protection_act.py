"""The cyclone scenario's protection act, played through the partner RPC API after the other phases, and the
protection figures reporting must then show, computed from the act's own inputs.

Two unaccompanied children are identified at Mandruzi (registration records ``SC-UC`` for them); each becomes a
child-protection case through the follow-up protection opens from registration's ``household_protection_needs``
(the IOM caseworker converts it). Every other household registered with SC, CR or SV codes leaves a follow-up
pending at the site it was registered at, counted by reporting per site (SV per province). The first is
referred for family tracing with both consents and UNICEF accepts; the second's referral is refused for lack of
consent, then made under a consent override with a reason. A GBV survivor at Guara Guara gets a case whose name
(``gbv_name``) must never appear anywhere but in her caseworker's view of the case.
"""
import uuid
from collections import Counter
from contextlib import contextmanager

from haven_contracts.reference import FOLLOW_UP_GROUPS

from .plan import ScenarioError

# registration publishes household_protection_needs (main since needs-contract): the act converts the follow-ups
# protection opens; False opens the cases directly (a registration without that event).
FOLLOW_UPS_FROM_REGISTRATION = True
FOCAL_ORG = "IOM"  # the protection focal organisation the system test and `make run` configure
CP, GBV = "child_protection", "gbv"


def protection_tokens(ttl_seconds=4 * 3600):
    """The act's tokens: an IOM caseworker, the same caseworker with the consent override, UNICEF's manager."""
    from haven_kernel.auth import issue_token
    base = ("protection:read", "protection:write")
    return {
        "caseworker": issue_token(org=FOCAL_ORG, scopes=base + ("protection:caseworker",), ttl_seconds=ttl_seconds,
                                  sub="iom-caseworker"),
        "overrider": issue_token(org=FOCAL_ORG, scopes=base + ("protection:caseworker",
                                                               "protection:consent_override"),
                                 ttl_seconds=ttl_seconds, sub="iom-caseworker"),
        "unicef": issue_token(org="UNICEF", scopes=base + ("protection:manager",), ttl_seconds=ttl_seconds,
                              sub="unicef-manager"),
    }


class ProtectionAct:
    def __init__(self, scenario, tokens=None):
        self.scenario = scenario
        self.tokens = tokens or protection_tokens()
        self.gbv_name = f"Survivor {uuid.uuid4().hex[:10]}"
        self.gbv_narrative = f"Disclosed at the women's space {uuid.uuid4().hex[:10]}"
        self.children = []  # (household, member index)
        self.case_ids, self.referrals = [], []
        self.gbv_case_id = None
        # where each household was registered: its follow-ups are opened there (a later move changes nothing)
        self.registered_at = {household.index: household.site for household in scenario.households}

    @contextmanager
    def _as(self, who):
        with self.scenario.connect(self.tokens[who]) as proxy:
            yield proxy

    def play(self):
        scenario = self.scenario
        mandruzi = scenario.by_key["DON-1"]
        families = [h for h in scenario.households if h.site is mandruzi and h.status == "active"
                    and any(m.age < 18 and not m.needs for m in h.members)]
        for household in scenario.rng.sample(families, 2):
            index = next(i for i, m in enumerate(household.members) if m.age < 18 and not m.needs)
            self.children.append((household, index))
            with scenario._as(household.org) as rpc:
                member = rpc.registration.get_household(household.household_id)["members"][index]
                rpc.registration.update_household(household.household_id, {"members": {"update": [
                    {"member_id": member["member_id"], "specific_needs": ["SC-UC"]}]}})
            household.members[index].needs.append("SC-UC")
        cases = [self._uasc_case(household, index) for household, index in self.children]
        self.case_ids = [case["case_id"] for case in cases]
        self._refer_with_consent(self.case_ids[0])
        self._refer_without_consent(self.case_ids[1])
        self._gbv_case()
        scenario.say(f"    2 UASC cases, 2 referrals (one under a consent override), 1 GBV case")

    def _uasc_case(self, household, index):
        member = household.members[index]
        payload = {"case_type": CP, "person": {"household_id": household.household_id,
                                               "member_id": self._member_id(household, index)},
                   "concerns": ["family_separation"], "specific_needs": ["SC-UC"], "risk": "high",
                   "uasc_status": "unaccompanied", "site_id": household.site.site_id,
                   "narrative": f"Found alone at distribution, aged {member.age}"}
        with self._as("caseworker") as rpc:
            if not FOLLOW_UPS_FROM_REGISTRATION:
                return rpc.protection.open_case(payload)
            follow_up = self._follow_up_of(rpc, household)
            return rpc.protection.convert_follow_up(follow_up["follow_up_id"], payload)

    def _member_id(self, household, index):
        with self.scenario._as(household.org) as rpc:
            return rpc.registration.get_household(household.household_id)["members"][index]["member_id"]

    def _follow_up_of(self, rpc, household):
        found = []

        def opened():
            found[:] = [f for f in rpc.protection.list_follow_ups(limit=200)["items"]
                        if f["household_id"] == household.household_id and f["need"] == "SC"]
            return bool(found)
        self.scenario._wait(opened, f"protection's follow-up for household {household.index}")
        return found[0]

    def _refer_with_consent(self, case_id):
        with self._as("caseworker") as rpc:
            for kind in ("services", "share"):
                rpc.protection.record_consent(case_id, {"kind": kind, "given": True,
                                                        "date": self.scenario.today.isoformat()})
            referral = rpc.protection.refer_case(case_id, {"to_org": "UNICEF", "service_type": "family_tracing"})
        with self._as("unicef") as rpc:
            rpc.protection.answer_referral(referral["referral_id"], True)
        self.referrals.append(("family_tracing", "accepted"))

    def _refer_without_consent(self, case_id):
        from haven_client import Forbidden  # the scenario drives Haven through haven-client
        referral = {"to_org": "UNICEF", "service_type": "alternative_care"}
        with self._as("caseworker") as rpc:
            try:
                rpc.protection.refer_case(case_id, referral)
            except Forbidden:
                pass
            else:
                raise ScenarioError("a referral without consent was accepted")
        with self._as("overrider") as rpc:
            made = rpc.protection.refer_case(case_id, {**referral, "override_reason": "Child alone, no guardian "
                                                                                        "to consent; best interests"})
        if not made["consent_override"]:
            raise ScenarioError("the override was not recorded")
        self.referrals.append(("alternative_care", "pending"))

    def _gbv_case(self):
        guara = self.scenario.by_key["BUZ-1"]
        with self._as("caseworker") as rpc:
            case = rpc.protection.open_case({
                "case_type": GBV, "person": {"name": self.gbv_name, "sex": "female", "age_years": 24},
                "concerns": ["sexual_violence"], "risk": "high", "site_id": guara.site_id,
                "narrative": self.gbv_narrative})
            rpc.protection.record_consent(case["case_id"], {"kind": "services", "given": True,
                                                            "date": self.scenario.today.isoformat()})
        self.gbv_case_id = case["case_id"]

    # -- what reporting must show ------------------------------------------------------------------------------------
    def _pending(self, s):
        """Follow-ups still open: one per household and follow-up group it was ever registered or updated with (at
        the site it was registered at; none for SV), but the two the act turned into cases."""
        converted = {(household.index, "SC") for household, _ in self.children} if FOLLOW_UPS_FROM_REGISTRATION \
            else set()
        pending = Counter()
        for household in self.scenario.households:
            site = self.registered_at[household.index]
            groups = {code.split("-")[0] for member in household.members for code in member.needs}
            for group in sorted(groups & set(FOLLOW_UP_GROUPS)):
                if (household.index, group) not in converted:
                    pending[(None if group == "SV" else site.site_id, site.adm1, group)] += 1
        return [{"site_id": site_id, "adm1": adm1, "need": need, "follow_ups": s(count)}
                for (site_id, adm1, need), count in sorted(pending.items(),
                                                           key=lambda item: tuple(v or "" for v in item[0]))]

    def expected(self, threshold=5):
        """The sitrep's protection section, from the act's inputs (counts 1..threshold-1 suppressed)."""
        def s(count):
            return f"<{threshold}" if threshold > 1 and 0 < count < threshold else count

        mandruzi = self.scenario.by_key["DON-1"]
        by_type = {}
        for service_type, status in self.referrals:
            made, accepted = by_type.get(service_type, (0, 0))
            by_type[service_type] = (made + 1, accepted + (status == "accepted"))
        return {
            "small_cell_threshold": threshold,
            "open_cases": [{"site_id": mandruzi.site_id, "adm1": mandruzi.adm1, "case_type": CP, "risk": "high",
                            "cases": s(len(self.case_ids))}],
            "gbv_open_cases": [{"adm1": self.scenario.by_key["BUZ-1"].adm1, "risk": "high", "cases": s(1)}],
            "follow_ups_pending": self._pending(s),
            "referrals": [{"service_type": t, "referred": s(made), "accepted": s(accepted)}
                          for t, (made, accepted) in sorted(by_type.items())],
        }
