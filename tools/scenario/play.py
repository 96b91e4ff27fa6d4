"""Playing the cyclone scenario against a running Haven through the partner RPC API, phase by phase, keeping track
of where shelter's policy must place every family; and the tokens and connections it plays with."""
import math
import random
import time
import uuid
from collections import defaultdict
from contextlib import contextmanager
from datetime import date, timedelta

from .expected import expected_sitrep
from .health_act import HealthAct
from .plan import (FULL_SITE_QUEUE, FULL_SITE_TENTS, M2_PER_PERSON, ORIGINS, PHASE_TIMEOUT, SITES, Household, Member,
                   ScenarioError, SitePlan, compose)

# ------------------------------------------------------------------------------------------------------------------
# The scenario
# ------------------------------------------------------------------------------------------------------------------
class CycloneScenario:
    """Plays the response through the partner RPC API and knows the sitrep it must produce.

    ``connect(token)`` returns a context manager yielding the partner client (``haven_client.HavenClient``) with
    the token (the system test and the demo pass :func:`rpc_connector`)."""

    def __init__(self, seed=2019, today=None, tag=None, health=False, protection=False, acts=()):
        self.acts = list(acts)  # played after the phases (e.g. logistics_act.LogisticsAct()), each on its service
        self.rng = random.Random(seed)
        self.today = today or date.today()
        self.tag = tag or uuid.uuid4().hex[:4].upper()
        self.sites = [SitePlan(**{**vars(plan), "units": [], "queue": [], "registrations": list(plan.registrations)})
                      for plan in SITES]
        self.by_key = {site.key: site for site in self.sites}
        self.households = []
        for site in self.sites:
            for org, count in site.registrations:
                for _ in range(count):
                    members = compose(self.rng, small=site.role == "full")
                    adm1 = site.adm1
                    origin = (adm1, self.rng.choice(ORIGINS[adm1]))
                    self.households.append(Household(len(self.households), org, site, members, origin))
        self._plan_moves()
        self._provision()
        self.log = []
        self.protection = None
        if protection:  # the protection act (tools/scenario/protection_act.py), played last
            from .protection_act import ProtectionAct
            self.protection = ProtectionAct(self)
        self.health = HealthAct(self) if health else None  # the health act (tools/scenario/health_act.py)

    # -- what happens, decided up front so that capacity can be planned -------------------------------------------
    def _plan_moves(self):
        rng = self.rng
        at = lambda key: [h for h in self.households if h.site.key == key]  # noqa: E731
        self.school_moves = [(h, "DON-1") for h in at("BEI-1")]
        grudja = at("BUZ-2")
        self.grudja_first, self.grudja_queue = grudja[:FULL_SITE_TENTS], grudja[FULL_SITE_TENTS:]
        queue = self.grudja_queue
        # Families at the back of the queue move to Guara Guara or leave; two sheltered families go home, so the
        # two at the head of the queue get their tents. (Removing only from the back keeps the head where it is.)
        self.queue_moves = [(h, "BUZ-1") for h in queue[-3:]]
        self.queue_departures = [(h, "moved_elsewhere") for h in queue[-5:-3]]
        self.sheltered_departures = [(h, "returned_home") for h in rng.sample(self.grudja_first, 2)]
        self.returns = ([(h, "returned_home") for h in rng.sample(at("BEI-2"), 10)] +
                        [(h, "moved_elsewhere") for h in rng.sample(at("BUZ-1"), 5)] +
                        [(h, "returned_home") for h in rng.sample(at("MAN-2"), 3)])
        movers = {h.index for h, _ in self.school_moves}
        self.births = rng.sample([h for h in at("DON-1") if h.index not in movers and h.size < 9], 3)
        self.new_needs = [(h, "DS-PM") for h in rng.sample(at("MAN-1"), 2)]

    def _provision(self):
        """Units for every site: Grudja gets too few tents on purpose; every other site gets, for each size class,
        more units than families of that size ever placed there, so no family waits whatever the order."""
        ever = defaultdict(list)
        for household in self.households:
            ever[household.site.key].append(household)
        for household, to_key in self.school_moves + self.queue_moves:
            ever[to_key].append(household)
        for site in self.sites:
            families = ever[site.key]
            if site.role == "full":
                site.units = [{"unit_type": "family_tent", "covered_area_m2": 17.5, "count": FULL_SITE_TENTS}]
                continue
            # Capacity from the Sphere standard (17.5 m² shelters 5, 35 m² shelters 10), except the centres'
            # larger rooms, whose capacity the camp manager sets.
            small = sum(1 for h in families if h.size <= 5)
            large = len(families) - small
            if site.site_type in ("collective_centre", "evacuation_centre", "transit_centre", "reception_centre"):
                site.units = [
                    {"unit_type": "collective_room", "covered_area_m2": 17.5, "count": small + max(2, small // 6)},
                    {"unit_type": "collective_room", "covered_area_m2": 40.0, "count": large + max(2, large // 6),
                     "capacity_persons": 10},
                ]
            else:
                site.units = [
                    {"unit_type": "family_tent", "covered_area_m2": 17.5, "count": small + max(2, small // 6)},
                    {"unit_type": "transitional_shelter", "covered_area_m2": 35.0, "count": large + max(2, large // 6)},
                ]

    # -- shelter's policy, as the scenario expects it -------------------------------------------------------------
    def _place(self, household, site):
        household.site = site
        if site.role == "full":
            allocated = sum(1 for h in self.households if h.site is site and h.shelter == "allocated"
                            and h.status == "active")
            if allocated < FULL_SITE_TENTS:
                household.shelter = "allocated"
                household.unit_area = 17.5
            else:
                household.shelter = "waitlisted"
                site.queue.append(household)
        else:
            household.shelter = "allocated"
            household.unit_area = self._smallest_fitting_area(site, household.size)

    @staticmethod
    def _smallest_fitting_area(site, persons):
        """The area of the unit shelter gives: the smallest whose capacity fits (Sphere capacity unless set);
        _provision leaves a free unit of every size class, so the smallest fitting class is always free."""
        fitting = [(spec.get("capacity_persons") or max(1, math.floor(spec["covered_area_m2"] / M2_PER_PERSON)),
                    spec["covered_area_m2"]) for spec in site.units]
        return min((c, a) for c, a in fitting if c >= persons)[1]

    def _leave(self, household):
        site = household.site
        if household.shelter == "waitlisted":
            site.queue.remove(household)
        elif household.shelter == "allocated" and site.role == "full" and site.queue:
            served = site.queue.pop(0)
            served.shelter, served.unit_area = "allocated", 17.5  # every family at Grudja fits a tent
        household.shelter = None

    # -- playing ---------------------------------------------------------------------------------------------------
    def play(self, connect, tokens, progress=None, phase_timeout=PHASE_TIMEOUT):
        """Play every phase. ``tokens`` maps an org to its token (:func:`scenario_tokens`)."""
        say = progress or (lambda message: None)
        self.connect, self.tokens, self.say, self.phase_timeout = connect, tokens, say, phase_timeout
        started = time.monotonic()
        say(f"Cyclone scenario {self.tag}: {len(self.sites)} sites in 2 provinces, {len(self.households)} households")

        self._phase("Landfall: families shelter in Beira's school and evacuation centre",
                    lambda: self._open_and_register(["BEI-1", "BEI-2"]))
        self._phase("Camps open in Buzi, Dondo and Manica; partners register families",
                    lambda: self._open_and_register(["BUZ-1", "DON-1", "MAN-1", "MAN-2"]))
        self._phase(f"Grudja fills its {FULL_SITE_TENTS} tents; {FULL_SITE_QUEUE} families queue", self._fill_grudja)
        self._phase("The school reopens: its families move to Mandruzi and the school closes as a site",
                    self._empty_school)
        self._phase("Grudja's queue: families move to Guara Guara or leave; two sheltered families go home",
                    self._ease_queue)
        self._phase("Returns and onward movements", self._returns)
        self._phase("Births and newly identified specific needs", self._updates)
        self._phase("Site monitoring: latrines, water points, water supply", self._services)
        for act in self.acts:
            self._phase(act.title, lambda act=act: act.play(self))
        if self.health is not None:
            self._phase("Health: four weeks of facility reports, a cholera cluster, mortality over the threshold",
                        self.health.play)
        if self.protection is not None:
            self._phase("Protection: two unaccompanied children, referrals, a GBV case", self.protection.play)
        say(f"Scenario played in {time.monotonic() - started:.1f}s")
        return self

    def _phase(self, title, action):
        started = time.monotonic()
        self.say(f"  • {title} ...")
        action()
        self._settle()
        self.say(f"    done in {time.monotonic() - started:.1f}s")

    @contextmanager
    def _as(self, org):
        with self.connect(self.tokens[org]) as proxy:
            yield proxy

    def _create_site(self, site):
        with self._as(site.agency) as rpc:  # a site's managing agency creates and changes it (haven_kernel.sharing)
            created = rpc.shelter.create_site({
                "name": site.name, "site_type": site.site_type, "adm1": site.adm1, "adm2": site.adm2,
                "lat": site.lat, "lon": site.lon, "managing_agency": site.agency,
                "code": f"MZ-{site.key}-{self.tag}", "opened_on": (self.today - timedelta(days=8)).isoformat()})
            site.site_id = created["site_id"]
            rpc.shelter.add_shelter_units(site.site_id, site.units)

    def _register(self, households):
        by_org = defaultdict(list)
        for household in households:
            by_org[household.org].append(household)
        for org, group in by_org.items():
            with self._as(org) as rpc:
                for start in range(0, len(group), 100):
                    batch = group[start:start + 100]
                    results = rpc.registration.register_households([self._payload(h) for h in batch])
                    for household, result in zip(batch, results):
                        if "error" in result:
                            raise ScenarioError(f"registering household {household.index} failed: {result['error']}")
                        household.household_id = result["household_id"]
                        self._place(household, household.site)
        if len(households) > 1:
            self.say(f"    {len(households)} households registered")

    def _payload(self, household):
        return {"site_id": household.site.site_id, "consent": False,
                "origin": {"adm1": household.origin[0], "adm2": household.origin[1]},
                "displacement_date": (self.today - timedelta(days=8)).isoformat(),
                "members": [m.payload() for m in household.members]}

    def _open_and_register(self, keys):
        for key in keys:
            self._create_site(self.by_key[key])
        self._register([h for h in self.households if h.site.key in keys])

    def _fill_grudja(self):
        grudja = self.by_key["BUZ-2"]
        self._create_site(grudja)
        self._register(self.grudja_first)
        self._settle()
        # One family at a time, so that the queue order is the order they came in.
        for household in self.grudja_queue:
            self._register([household])
            self._wait(lambda: self._allocation(household)["status"] == "waitlisted",
                       f"household {household.index} queued at Grudja")
        self.say(f"    {len(self.grudja_queue)} more households registered, one at a time: all queued")

    def _allocation(self, household):
        from haven_client import NotFound
        with self._as("IOM") as rpc:
            try:
                return rpc.shelter.get_allocation(household.household_id)
            except NotFound:
                return {"status": None}

    def _relocate(self, moves):
        for household, to_key in moves:
            target = self.by_key[to_key]
            with self._as(household.org) as rpc:
                rpc.registration.relocate_household(household.household_id, target.site_id)
            self._leave(household)
            self._place(household, target)

    def _depart(self, departures):
        for household, reason in departures:
            with self._as(household.org) as rpc:
                rpc.registration.record_departure(household.household_id, reason, self.today.isoformat())
            self._leave(household)
            household.status = "departed"

    def _empty_school(self):
        self._relocate(self.school_moves)
        self._settle()
        school = self.by_key["BEI-1"]
        with self._as(school.agency) as rpc:
            rpc.shelter.close_site(school.site_id, "Classes resume; families moved to Mandruzi")
        school.status = "closed"

    def _ease_queue(self):
        self._relocate(self.queue_moves)
        self._depart(self.queue_departures)
        self._settle()
        self._depart(self.sheltered_departures)

    def _returns(self):
        self._depart(self.returns)
        mandruzi = self.by_key["DON-1"]
        with self._as(mandruzi.agency) as rpc:
            rpc.shelter.update_site(mandruzi.site_id, {"area_m2": 180000.0})

    def _updates(self):
        for household in self.births:
            baby = Member(self.rng.choice(("female", "male")), 0, "child")
            with self._as(household.org) as rpc:
                rpc.registration.update_household(household.household_id, {"members": {"add": [baby.payload()]}})
            household.members.append(baby)
        for household, need in self.new_needs:
            if need in household.members[0].needs:
                need = "SM-CI" if "SM-CI" not in household.members[0].needs else "LP-ND"
            with self._as(household.org) as rpc:
                record = rpc.registration.get_household(household.household_id)
                head = record["members"][0]
                rpc.registration.update_household(household.household_id, {"members": {"update": [
                    {"member_id": head["member_id"], "specific_needs": head["specific_needs"] + [need]}]}})
            household.members[0].needs.append(need)

    def _services(self):
        for site in self.sites:
            if site.services is None or site.status != "open":
                continue
            with self._as(site.agency) as rpc:
                rpc.shelter.record_site_services(site.site_id, {**site.services, "as_of": self.today.isoformat()})

    # -- waiting for shelter -----------------------------------------------------------------------------------------
    def _wait(self, predicate, what, timeout=None):
        deadline = time.monotonic() + (timeout or self.phase_timeout)
        while True:
            try:
                if predicate():
                    return
            except Exception as exc:  # a service still catching up may refuse for a moment
                last = exc
            else:
                last = None
            if time.monotonic() > deadline:
                raise ScenarioError(f"timed out waiting for {what}" + (f" (last error: {last!r})" if last else ""))
            time.sleep(0.2)

    def _settle(self):
        """Wait until shelter shows, at every site played so far, the allocations and queues the scenario expects."""
        expected = {}
        for site in self.sites:
            if site.site_id is None:
                continue
            mine = [h for h in self.households if h.site is site and h.status == "active"]
            expected[site.site_id] = (sum(1 for h in mine if h.shelter == "allocated"),
                                      sum(1 for h in mine if h.shelter == "waitlisted"))
        seen = {}

        def caught_up():
            with self._as("IOM") as rpc:
                for site in rpc.shelter.list_sites():
                    seen[site["site_id"]] = (site["households"], site["waitlisted_households"])
            return all(seen.get(site_id) == figures for site_id, figures in expected.items())

        try:
            self._wait(caught_up, "shelter to place every household")
        except ScenarioError:
            names = {s.site_id: s.name for s in self.sites}
            diff = {names[k]: {"expected": v, "shelter": seen.get(k)} for k, v in expected.items() if seen.get(k) != v}
            raise ScenarioError(f"shelter's allocations differ from the scenario's (allocated, waitlisted): {diff}")

    # -- the expected sitrep -------------------------------------------------------------------------------------------

    # -- the expected sitrep -------------------------------------------------------------------------------------------
    def expected(self, threshold=5, targets=None):
        """Every figure the sitrep must show (``expected.expected_sitrep``): ``{"totals", "sites", "three_w"}``."""
        expected = expected_sitrep(self, threshold, targets)
        if self.health is not None:
            expected["health"] = self.health.expected(threshold)
        return expected


PARTNERS = ("IOM", "CVM", "UNHCR", "WVI", "INGD")


def scenario_tokens(ttl_seconds=4 * 3600):
    """A token per partner organisation: registration and shelter, read and write."""
    from haven_kernel.auth import issue_token
    scopes = ("registration:write", "registration:read", "shelter:write", "shelter:read", "health:write",
              "health:read")
    return {org: issue_token(org=org, scopes=scopes, ttl_seconds=ttl_seconds, sub=f"{org.lower()}-scenario")
            for org in PARTNERS}


def rpc_connector(amqp_uri, timeout=30):
    """``connect(token)`` for :meth:`CycloneScenario.play`: the partner client (``haven_client``) with the token, as
    a partner drives Haven. No automatic retries: the scenario's figures must come from exactly its own calls."""
    from haven_client import HavenClient

    @contextmanager
    def connect(token):
        with HavenClient(amqp_uri, token=token, timeout=timeout, retries=0) as client:
            yield client

    return connect
