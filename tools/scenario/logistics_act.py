"""The cyclone scenario's logistics act (played after the other phases, when the scenario is given it):

ECHO donates shelter kits to the Logistics Cluster's central warehouse in Beira (run by WFP); IOM opens Guara
Guara's store and asks for kits for the camp; WFP sends them on two waybills, three kits are lost on the way on the
first (recorded at once as lost in transit), the second completes the request; IOM hands a family shelter kit to
every family sheltered at Guara Guara (a family registration has not told logistics about yet is answered "retry"
and sent again), a second kit for one family is refused, and the store goes "at risk": what is left covers less
than the resupply lead time at the rate it was just handed out.

Everything the sitrep must show is computed here from the act's own inputs (``expected``), never from what the
services answer."""
from .plan import ScenarioError

ITEM = "KIT-SHELTER"
CAMP = "BUZ-1"
DONATED = 300
REQUESTED = 80
FIRST_WAYBILL, LOST_IN_TRANSIT = 60, 3
SECOND_WAYBILL = REQUESTED - (FIRST_WAYBILL - LOST_IN_TRANSIT)  # completes the request: 80 kits received in all
LEAD_TIME_WEEKS = 2.0
RETRY_SECONDS = 0.5


def _tokens(ttl_seconds=4 * 3600):
    from haven_kernel.auth import issue_token
    scopes = ["logistics:read", "logistics:write"]
    return {org: issue_token(org=org, scopes=scopes, ttl_seconds=ttl_seconds, sub=f"{org.lower()}-logistics")
            for org in ("WFP", "IOM")}


class LogisticsAct:
    section = "logistics"  # the sitrep's key this act's figures are under
    title = "Relief items: a donation, a waybill with a loss in transit, a shelter-kit round at Guara Guara"

    def __init__(self):
        self.central = self.store = self.round_id = self.request_id = None
        self.recipients = []
        self.retried = 0
        self.fulfilment = []

    def play(self, scenario):
        import time

        from haven_client import Conflict  # the scenario drives Haven through haven-client
        tokens = _tokens()
        camp = scenario.by_key[CAMP]
        today = scenario.today.isoformat()
        with scenario.connect(tokens["WFP"]) as wfp, scenario.connect(tokens["IOM"]) as iom:
            self.central = wfp.logistics.create_warehouse({
                "code": f"BEIRA-CW-{scenario.tag}", "name": "Logistics Cluster central warehouse, Beira",
                "adm1": "Sofala", "adm2": "Beira", "lat": -19.8289, "lon": 34.8386, "capacity_m3": 4000.0})
            self.store = iom.logistics.create_warehouse({
                "code": f"GG-STORE-{scenario.tag}", "name": "Guara Guara store", "adm1": camp.adm1,
                "adm2": camp.adm2, "site_id": camp.site_id, "capacity_m3": 60.0})
            iom.logistics.set_stock_level({"warehouse_id": self.store["warehouse_id"], "item_code": ITEM,
                                           "reorder_level": 20, "lead_time_weeks": LEAD_TIME_WEEKS})
            wfp.logistics.receive_stock({
                "warehouse_id": self.central["warehouse_id"], "kind": "donation", "from_org": "ECHO",
                "reference": f"ECHO-{scenario.tag}-001", "received_on": today,
                "lines": [{"item_code": ITEM, "quantity": DONATED, "lot": f"ECHO-{scenario.tag}"}]})
            self.request_id = iom.logistics.create_request({
                "site_id": camp.site_id, "warehouse_id": self.store["warehouse_id"], "priority": "urgent",
                "needed_by": today, "lines": [{"item_code": ITEM, "quantity": REQUESTED}]})["request_id"]
            for sent, received in ((FIRST_WAYBILL, FIRST_WAYBILL - LOST_IN_TRANSIT), (SECOND_WAYBILL, SECOND_WAYBILL)):
                waybill = wfp.logistics.create_waybill({
                    "from_warehouse_id": self.central["warehouse_id"], "to_warehouse_id": self.store["warehouse_id"],
                    "request_id": self.request_id, "transporter": "WFP", "vehicle": f"MZ-TRUCK-{sent}",
                    "lines": [{"item_code": ITEM, "quantity": sent}]})["waybill_id"]
                wfp.logistics.dispatch_waybill(waybill)
                iom.logistics.receive_waybill(waybill, {"lines": [{"item_code": ITEM, "quantity": received}]})
                self.fulfilment.append(iom.logistics.get_request(self.request_id)["fulfilment"])
            if self.fulfilment != ["partial", "complete"]:
                raise ScenarioError(f"the request's roll-up went {self.fulfilment}, not partial then complete")

            self.round_id = iom.logistics.create_round({
                "site_id": camp.site_id, "warehouse_id": self.store["warehouse_id"], "item_code": ITEM,
                "rule": "per_household", "rule_quantity": 1, "starts_on": today, "ends_on": today})["round_id"]
            self.recipients = [h for h in scenario.households
                               if h.site is camp and h.status == "active" and h.shelter == "allocated"]
            pending = {h.household_id: h for h in self.recipients}
            deadline = time.monotonic() + scenario.phase_timeout
            while pending:
                batch = list(pending)
                results = iom.logistics.record_distributions([
                    {"round_id": self.round_id, "household_id": h, "distributed_on": today} for h in batch])
                for household_id, result in zip(batch, results):
                    if "distribution_id" in result:
                        del pending[household_id]
                    elif not result["error"].get("retry"):
                        raise ScenarioError(f"the kit for household {household_id} was refused: {result['error']}")
                if pending:
                    if time.monotonic() > deadline:
                        raise ScenarioError(f"{len(pending)} households still unknown to logistics")
                    self.retried += len(pending)
                    time.sleep(RETRY_SECONDS)
            try:
                iom.logistics.record_distribution({"round_id": self.round_id,
                                                   "household_id": self.recipients[0].household_id,
                                                   "distributed_on": today})
                raise ScenarioError("a second kit for the same family in the same round was accepted")
            except Conflict:
                pass
            status = iom.logistics.stock_on_hand(self.store["warehouse_id"], ITEM)["items"][0]["status"]
            if status != "at_risk":
                raise ScenarioError(f"Guara Guara's store is {status}, not at risk")
        scenario.say(f"    {len(self.recipients)} shelter kits handed out at {camp.name}; {LOST_IN_TRANSIT} lost in "
                     f"transit; one second kit refused; the store is at risk"
                     + (f" ({self.retried} records sent again while registration's events arrived)"
                        if self.retried else ""))

    # -- what the sitrep must show -------------------------------------------------------------------------------
    def expected(self, scenario):
        """The sitrep's logistics section as the act's inputs make it (``compare`` order: stock by warehouse code)."""
        camp = scenario.by_key[CAMP]
        reached = len(self.recipients)
        central_left = DONATED - FIRST_WAYBILL - SECOND_WAYBILL
        store_left = REQUESTED - reached
        weekly = float(reached)  # all handed out today: one week of history
        households_reached = reached if reached >= 5 else "<5"
        return {
            "rounds": [{"site_id": camp.site_id, "site_name": camp.name, "round_id": self.round_id,
                        "item_code": ITEM, "org": "IOM",
                        "households_reached": households_reached, "items_distributed": reached,
                        # every kit handed out today: one day, the day the distributions were made
                        "by_day": [{"day": scenario.today.isoformat(), "households_reached": households_reached,
                                    "items_distributed": reached}]}],
            "stock": {(self.central["code"], ITEM): {"on_hand": central_left, "in_transit": 0, "status": "ok"},
                      (self.store["code"], ITEM): {"on_hand": store_left, "in_transit": 0, "status": "at_risk",
                                                   "weeks_of_cover": round(store_left / weekly, 2)}},
            "sites_at_risk": [camp.site_id],
        }

    def three_w(self, scenario):
        camp = scenario.by_key[CAMP]
        reached = self.recipients
        return [
            {"org": "IOM", "sector": "Shelter/NFI", "adm1": camp.adm1, "adm2": camp.adm2,
             "activity": f"Distribution ({ITEM})", "sites": 1, "households": len(reached),
             "individuals": sum(h.size for h in reached)},
            {"org": "IOM", "sector": "Logistics", "adm1": camp.adm1, "adm2": camp.adm2, "activity": "Loss in transit",
             "sites": 1, "households": 0, "individuals": 0},
            {"org": "WFP", "sector": "Logistics", "adm1": "Sofala", "adm2": "Beira", "activity": "Stock received",
             "sites": 0, "households": 0, "individuals": 0},
            {"org": "WFP", "sector": "Logistics", "adm1": "Sofala", "adm2": "Beira",
             "activity": "Transport (waybills)", "sites": 0, "households": 0, "individuals": 0},
        ]


def logistics_differences(section, expected):
    """What differs between the sitrep's logistics section and :meth:`LogisticsAct.expected` (empty: they agree)."""
    found = []
    if section is None:
        return ["the sitrep has no logistics section"]
    rounds = [r for r in section["rounds"] if r["round_id"] in {e["round_id"] for e in expected["rounds"]}]
    if rounds != expected["rounds"]:
        found.append(f"rounds are {rounds}, expected {expected['rounds']}")
    have = {(r["warehouse_code"], r["item_code"]): r for r in section["stock"]}
    for key, want in expected["stock"].items():
        row = have.get(key)
        if row is None:
            found.append(f"no stock row for {key}")
            continue
        for field, value in want.items():
            if row[field] != value:
                found.append(f"{key}: {field} is {row[field]!r}, expected {value!r}")
    missing = set(expected["sites_at_risk"]) - set(section["sites_at_risk"])
    if missing:
        found.append(f"sites not shown at risk: {sorted(missing)}")
    return found


def logistics_table(connect, reader_token, act, expected, timeout=60.0):
    """The demo's short table of the sitrep's logistics section, once it shows the act's figures."""
    import time
    started, section = time.monotonic(), None
    while time.monotonic() - started < timeout:
        with connect(reader_token) as rpc:
            section = rpc.reporting.get_sitrep()["logistics"]
        if not logistics_differences(section, expected):
            break
        time.sleep(0.5)
    mine = {act.central["code"], act.store["code"]}
    lines = [f"  {'Warehouse':<22} {'Item':<12} {'On hand':>8} {'Cover (weeks)':>14}  Pipeline"]
    for row in section["stock"]:
        if row["warehouse_code"] in mine:
            cover = "-" if row["weeks_of_cover"] is None else f"{row['weeks_of_cover']:.2f}"
            lines.append(f"  {row['warehouse_code']:<22} {row['item_code']:<12} {row['on_hand']:>8} {cover:>14}  "
                         f"{row['status'].replace('_', ' ')}")
    for one in section["rounds"]:
        if one["round_id"] == act.round_id:
            lines.append(f"  Round at {one['site_name']}: {one['households_reached']} households reached, "
                         f"{one['items_distributed']} {one['item_code']} distributed")
    return "\n".join(lines)
