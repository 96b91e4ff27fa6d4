"""A sudden-onset disaster played against a running Haven through the partner RPC API, and the situation report it
should produce, computed from the scenario's own inputs (never from what the services answer).

A cyclone makes landfall near Beira. Families shelter in a school and an evacuation centre in Beira; camps open in
Buzi, Dondo and in Manica province; partners (IOM, the Mozambique Red Cross, UNHCR, World Vision) register a few
hundred households; Grudja fills up and families queue for a tent; the school reopens, so its families move to
Mandruzi and the school closes as a site; some queueing families move to Guara Guara or leave; some families return
home; babies are born; site monitoring records latrines and water.

    python -m haven_reporting.scenario            # what ``make demo`` runs, against ``make run``

Used by the system test too (``tests/system``), which checks every figure of the sitrep against
:meth:`CycloneScenario.expected`.
"""
import argparse
import math
import os
import random
import sys
import time
import uuid
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

SEXES = ("female", "male", "other", "unknown")
BANDS = ("0-4", "5-17", "18-59", "60+")
M2_PER_PERSON = 3.5


def band_of(age):
    return "0-4" if age <= 4 else "5-17" if age <= 17 else "18-59" if age <= 59 else "60+"


# ------------------------------------------------------------------------------------------------------------------
# The plan
# ------------------------------------------------------------------------------------------------------------------
@dataclass
class SitePlan:
    key: str
    name: str
    site_type: str
    adm1: str
    adm2: str
    lat: float
    lon: float
    agency: str
    role: str                     # centre | camp | full (fills up and queues)
    registrations: list           # [(org, households)] registered here
    services: dict | None = None  # site monitoring figures recorded at the end (None: none recorded)
    units: list = field(default_factory=list)   # [{unit_type, covered_area_m2, count, capacity_persons?}]
    site_id: str | None = None
    status: str = "open"
    queue: list = field(default_factory=list)   # waiting households, first come first served

    def capacity(self):
        total = 0
        for spec in self.units:
            per_unit = spec.get("capacity_persons") or max(1, math.floor(spec["covered_area_m2"] / M2_PER_PERSON))
            total += per_unit * spec["count"]
        return total

    def units_total(self):
        return sum(spec["count"] for spec in self.units)

    def covered_area(self):
        return sum(spec["covered_area_m2"] * spec["count"] for spec in self.units)


@dataclass
class Member:
    sex: str
    age: int
    relationship: str
    needs: list = field(default_factory=list)

    def payload(self):
        return {"sex": self.sex, "age_years": self.age, "relationship": self.relationship,
                "specific_needs": list(self.needs)}


@dataclass
class Household:
    index: int
    org: str
    site: SitePlan
    members: list
    origin: tuple
    household_id: str | None = None
    status: str = "active"
    shelter: str | None = None     # allocated | waitlisted | None, as shelter's policy must decide
    unit_area: float | None = None  # covered area of the unit shelter's policy gives it (m²)

    @property
    def size(self):
        return len(self.members)


SITES = [
    SitePlan("BEI-1", "Escola Primária da Manga", "collective_centre", "Sofala", "Beira", -19.7908, 34.8783, "INGD",
             "centre", [("IOM", 40)],
             {"latrines": 6, "latrines_female": 3, "water_taps": 2, "hand_pumps": 0, "water_litres_per_day": 4000.0,
              "showers": 4, "phase": "emergency"}),
    SitePlan("BEI-2", "Centro de Acomodação Samora Machel", "evacuation_centre", "Sofala", "Beira", -19.8436,
             34.8389, "IOM", "centre", [("IOM", 30), ("CVM", 15)],
             {"latrines": 3, "latrines_female": 2, "water_taps": 1, "hand_pumps": 0, "water_litres_per_day": 1800.0,
              "showers": 2, "phase": "emergency"}),
    SitePlan("BUZ-1", "Guara Guara", "planned_camp", "Sofala", "Buzi", -19.9012, 34.5936, "IOM", "camp",
             [("IOM", 40), ("CVM", 20)],
             {"latrines": 8, "latrines_female": 6, "water_taps": 2, "hand_pumps": 1, "water_litres_per_day": 5200.0,
              "showers": 6, "phase": "emergency"}),
    SitePlan("BUZ-2", "Grudja", "self_settled_camp", "Sofala", "Buzi", -20.0305, 34.4562, "CVM", "full",
             [("CVM", 36)],
             {"latrines": 2, "latrines_female": 1, "water_taps": 0, "hand_pumps": 1, "water_litres_per_day": 900.0,
              "showers": 0, "phase": "emergency"}),
    SitePlan("DON-1", "Mandruzi", "planned_camp", "Sofala", "Dondo", -19.6111, 34.7428, "IOM", "camp", [("IOM", 50)],
             {"latrines": 20, "latrines_female": 15, "water_taps": 3, "hand_pumps": 2, "water_litres_per_day": 9000.0,
              "showers": 10, "phase": "stabilised"}),
    SitePlan("MAN-1", "Centro de Trânsito de Chimoio", "transit_centre", "Manica", "Chimoio", -19.1164, 33.4833,
             "UNHCR", "camp", [("UNHCR", 35)],
             {"latrines": 4, "latrines_female": 3, "water_taps": 1, "hand_pumps": 0, "water_litres_per_day": 2600.0,
              "showers": 4, "phase": "emergency"}),
    SitePlan("MAN-2", "Dombe", "reception_centre", "Manica", "Sussundenga", -19.9667, 33.4, "WVI", "camp",
             [("WVI", 34)], None),
]
FULL_SITE_TENTS = 24          # Grudja's tents: the first 24 families get one, the next 12 queue
FULL_SITE_QUEUE = 12
ORIGINS = {"Sofala": ("Beira", "Buzi", "Dondo", "Nhamatanda"), "Manica": ("Sussundenga", "Mossurize", "Chimoio")}
PHASE_TIMEOUT = 90.0


class ScenarioError(AssertionError):
    pass


def compose(rng, small=False):
    """A household of realistic composition (Mozambique: 4 to 6 people on average), with UNHCR specific needs."""
    kind = rng.choices(("couple", "single_parent", "older", "single", "extended"), (52, 20, 8, 8, 12))[0]
    members = []
    if kind == "older":
        members.append(Member("male" if rng.random() < 0.5 else "female", rng.randint(61, 82), "head"))
        if rng.random() < 0.6:
            members.append(Member("female" if members[0].sex == "male" else "male", rng.randint(58, 80), "spouse"))
        if rng.random() < 0.5:
            members.append(Member(rng.choice(("female", "male")), rng.randint(6, 15), "other_relative"))
    elif kind == "single":
        members.append(Member(rng.choice(("female", "male")), rng.randint(19, 45), "head"))
    else:
        head_female = rng.random() < (0.85 if kind == "single_parent" else 0.3)
        members.append(Member("female" if head_female else "male", rng.randint(20, 52), "head"))
        if kind != "single_parent":
            members.append(Member("male" if head_female else "female", rng.randint(19, 50), "spouse"))
        for _ in range(rng.choice((1, 2, 2, 3, 3, 4, 5))):
            members.append(Member(rng.choice(("female", "male")), rng.randint(0, 17), "child"))
        if kind == "extended":
            members.append(Member(rng.choice(("female", "male")), rng.randint(60, 85), "parent"))
    limit = 5 if small else 9
    del members[limit:]
    if rng.random() < 0.01:
        members[-1].sex = "unknown"
    for member in members:
        if member.age >= 60 and rng.random() < 0.35:
            member.needs.append("ER")
        if member.sex == "female" and 18 <= member.age <= 45 and rng.random() < 0.09:
            member.needs.append("PG")
        roll = rng.random()
        if roll < 0.03:
            member.needs.append(rng.choice(("DS-PM", "DS-BD", "DS-DF", "DS-MM")))
        elif roll < 0.06:
            member.needs.append(rng.choice(("SM-CI", "SM-MI", "SM-CC")))
        if member.age < 18 and rng.random() < 0.015:
            member.needs.append(rng.choice(("CR-CP", "CR-LW")))
    head = members[0]
    has_partner = any(m.relationship == "spouse" for m in members)
    has_children = any(m.relationship == "child" for m in members)
    if not has_partner and has_children and rng.random() < 0.6:
        head.needs.append("SP")
    if head.sex == "female" and not has_partner and rng.random() < 0.25:
        head.needs.append("WR")
    return members


# ------------------------------------------------------------------------------------------------------------------
# The scenario
# ------------------------------------------------------------------------------------------------------------------
class CycloneScenario:
    """Plays the response through the partner RPC API and knows the sitrep it must produce.

    ``connect(token)`` returns a context manager yielding a nameko ``ClusterRpcProxy`` that sends the token (the
    system test and the demo pass :func:`rpc_connector`)."""

    def __init__(self, seed=2019, today=None, tag=None):
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
        with self._as("IOM") as rpc:
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
        from haven_kernel.errors import NotFound
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
        with self._as("IOM") as rpc:
            rpc.shelter.close_site(school.site_id, "Classes resume; families moved to Mandruzi")
        school.status = "closed"

    def _ease_queue(self):
        self._relocate(self.queue_moves)
        self._depart(self.queue_departures)
        self._settle()
        self._depart(self.sheltered_departures)

    def _returns(self):
        self._depart(self.returns)
        with self._as("IOM") as rpc:
            rpc.shelter.update_site(self.by_key["DON-1"].site_id, {"area_m2": 180000.0})

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
            with self._as("IOM") as rpc:
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
    def expected(self, threshold=5, targets=None):
        """Every figure the sitrep must show, computed from the scenario's inputs: ``{"totals", "sites", "three_w"}``
        (``sites`` keyed by site id)."""
        targets = {**DEFAULT_TARGETS, **(targets or {})}
        sites = {}
        for site in self.sites:
            active = [h for h in self.households if h.site is site and h.status == "active"]
            sex_age = {sex: {band: 0 for band in BANDS} for sex in SEXES}
            needs = Counter()
            for household in active:
                for member in household.members:
                    sex_age[member.sex][band_of(member.age)] += 1
                    for code in member.needs:
                        needs[code.split("-")[0]] += 1
            allocated = [h for h in active if h.shelter == "allocated"]
            waiting = [h for h in active if h.shelter == "waitlisted"]
            occupants = sum(h.size for h in allocated)
            capacity = site.capacity()
            sites[site.site_id] = {
                "site_id": site.site_id, "name": site.name, "site_type": site.site_type, "adm1": site.adm1,
                "adm2": site.adm2, "lat": site.lat, "lon": site.lon, "status": site.status,
                "managing_agency": site.agency, "code": f"MZ-{site.key}-{self.tag}",
                "households": len(active), "individuals": sum(h.size for h in active), "by_sex_age": sex_age,
                "specific_needs": {group: _suppressed(count, threshold) for group, count in sorted(needs.items())},
                "exact_needs": dict(needs),
                "units_total": site.units_total(), "capacity_persons": capacity,
                "covered_area_m2": site.covered_area(), "occupants": occupants,
                "allocated_households": len(allocated), "waitlisted_households": len(waiting),
                "waitlisted_persons": sum(h.size for h in waiting),
                "occupancy_rate": round(occupants / capacity, 3) if capacity else None,
                "occupied_covered_area_m2": sum(h.unit_area for h in allocated) if allocated else None,
                "standards": _standards(occupants, sum(h.unit_area for h in allocated), site.services if site.status == "open" and
                                        site.services else None, targets),
            }
        totals = {"sites": len(sites), "sites_open": sum(1 for s in sites.values() if s["status"] == "open"),
                  "households": 0, "individuals": 0, "occupants": 0, "waitlisted_households": 0,
                  "capacity_persons": 0, "by_sex_age": {sex: {band: 0 for band in BANDS} for sex in SEXES},
                  "specific_needs": Counter()}
        for site in sites.values():
            for key in ("households", "individuals", "occupants", "waitlisted_households"):
                totals[key] += site[key]
            if site["status"] == "open":
                totals["capacity_persons"] += site["capacity_persons"]
            for sex in SEXES:
                for band in BANDS:
                    totals["by_sex_age"][sex][band] += site["by_sex_age"][sex][band]
            totals["specific_needs"].update(site["exact_needs"])
        totals["specific_needs"] = dict(sorted(totals["specific_needs"].items()))
        return {"totals": totals, "sites": sites, "three_w": self._expected_three_w(sites)}

    def _expected_three_w(self, sites):
        rows = defaultdict(lambda: [set(), 0, 0])
        by_id = {s.site_id: s for s in self.sites}

        def add(org, sector, site_id, activity, households, individuals):
            site = by_id[site_id]
            row = rows[(org, sector, site.adm1, site.adm2, activity)]
            row[0].add(site_id)
            row[1] += households
            row[2] += individuals

        for household in self.households:
            if household.status == "active":
                add(household.org, "CCCM", household.site.site_id, "Registration", 1, household.size)
        for site_id, figures in sites.items():
            site = by_id[site_id]
            if figures["status"] == "open":
                add(site.agency, "CCCM", site_id, "Site management", figures["households"], figures["individuals"])
            if figures["allocated_households"]:
                add(site.agency, "Shelter", site_id, "Shelter allocation", figures["allocated_households"],
                    figures["occupants"])
        return sorted(({"org": k[0], "sector": k[1], "adm1": k[2], "adm2": k[3], "activity": k[4],
                        "sites": len(v[0]), "households": v[1], "individuals": v[2]} for k, v in rows.items()),
                      key=lambda r: (r["org"], r["sector"], r["adm1"], r["adm2"], r["activity"]))


# The Sphere targets, written out again here on purpose: the expectation does not borrow the code it checks.
DEFAULT_TARGETS = {"covered_area_m2_per_person": 3.5, "people_per_latrine_emergency": 50,
                   "people_per_latrine_stabilised": 20, "female_latrine_share": 0.75, "people_per_tap": 250,
                   "people_per_hand_pump": 500, "water_litres_per_person_per_day": 15}


def _suppressed(count, threshold):
    return f"<{threshold}" if 0 < count < threshold else count


def _standards(people, covered_area, services, targets):
    """Sphere indicators for the figures the scenario planned (see docs/domain.md)."""
    def whole(x):
        return int(x) if float(x) == int(x) else x

    result = dict.fromkeys(("covered_area_per_person_m2", "people_per_latrine", "female_latrine_share",
                            "people_per_tap", "people_per_hand_pump", "water_litres_per_person_per_day"))
    if people:
        target = targets["covered_area_m2_per_person"]
        result["covered_area_per_person_m2"] = {"value": round(covered_area / people, 2), "target": whole(target),
                                                "met": covered_area / people >= target}
    if not services or not people:
        return result

    def per(count, target):
        if count is None:
            return None
        if count == 0:
            return {"value": None, "target": whole(target), "met": False}
        return {"value": round(people / count, 1), "target": whole(target), "met": people / count <= target}

    phase_target = targets["people_per_latrine_stabilised" if services["phase"] == "stabilised" else
                           "people_per_latrine_emergency"]
    result["people_per_latrine"] = per(services["latrines"], phase_target)
    if services["latrines"]:
        share = services["latrines_female"] / services["latrines"]
        result["female_latrine_share"] = {"value": round(share, 2), "target": whole(targets["female_latrine_share"]),
                                          "met": share >= targets["female_latrine_share"]}
    taps, pumps = services["water_taps"], services["hand_pumps"]
    result["people_per_tap"] = None if taps == 0 and pumps else per(taps, targets["people_per_tap"])
    result["people_per_hand_pump"] = None if pumps == 0 and taps else per(pumps, targets["people_per_hand_pump"])
    litres = services["water_litres_per_day"] / people
    result["water_litres_per_person_per_day"] = {
        "value": round(litres, 1), "target": whole(targets["water_litres_per_person_per_day"]),
        "met": litres >= targets["water_litres_per_person_per_day"]}
    return result


# ------------------------------------------------------------------------------------------------------------------
# Comparing a sitrep with the expectation
# ------------------------------------------------------------------------------------------------------------------
SITE_FIELDS = ("name", "site_type", "adm1", "adm2", "lat", "lon", "status", "managing_agency", "code", "households",
               "individuals", "by_sex_age", "specific_needs", "units_total", "capacity_persons", "covered_area_m2",
               "occupants", "allocated_households", "waitlisted_households", "waitlisted_persons", "occupancy_rate",
               "standards")
TOTAL_FIELDS = ("sites", "sites_open", "households", "individuals", "occupants", "waitlisted_households",
                "capacity_persons", "by_sex_age", "specific_needs")


def differences(sitrep, expected, only_sites=None, totals=True):
    """Human-readable differences between a sitrep and :meth:`CycloneScenario.expected` (empty when they agree).
    ``only_sites``: compare these sites only (the demo, on a Haven that may hold other sites too)."""
    found = []
    by_id = {site["site_id"]: site for site in sitrep["sites"]}
    for site_id, want in expected["sites"].items():
        if only_sites is not None and site_id not in only_sites:
            continue
        have = by_id.get(site_id)
        if have is None:
            found.append(f"site {want['name']} ({site_id}) is missing from the sitrep")
            continue
        for key in SITE_FIELDS:
            if have.get(key) != want[key]:
                found.append(f"{want['name']}: {key} is {have.get(key)!r}, expected {want[key]!r}")
    if totals:
        for key in TOTAL_FIELDS:
            if sitrep["totals"].get(key) != expected["totals"][key]:
                found.append(f"totals: {key} is {sitrep['totals'].get(key)!r}, expected {expected['totals'][key]!r}")
        extra = set(by_id) - set(expected["sites"])
        if extra:
            found.append(f"the sitrep has sites the scenario did not open: {sorted(extra)}")
    return found


# ------------------------------------------------------------------------------------------------------------------
# Running it
# ------------------------------------------------------------------------------------------------------------------
PARTNERS = ("IOM", "CVM", "UNHCR", "WVI", "INGD")


def scenario_tokens(ttl_seconds=4 * 3600):
    """A token per partner organisation: registration and shelter, read and write."""
    from haven_kernel.auth import issue_token
    scopes = ("registration:write", "registration:read", "shelter:write", "shelter:read")
    return {org: issue_token(org=org, scopes=scopes, ttl_seconds=ttl_seconds, sub=f"{org.lower()}-scenario")
            for org in PARTNERS}


def rpc_connector(amqp_uri, timeout=30):
    """``connect(token)`` for :meth:`CycloneScenario.play`: a ClusterRpcProxy that sends the token."""
    from nameko.standalone.rpc import ClusterRpcProxy

    @contextmanager
    def connect(token):
        with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=timeout,
                             context_data={"authorization": f"Bearer {token}"}) as proxy:
            yield proxy

    return connect


def wait_for_sitrep(connect, reader_token, expected, timeout=90.0, only_sites=None, totals=True):
    """Poll reporting until its sitrep equals the expectation; returns (sitrep, seconds waited). On timeout raises
    ScenarioError listing what still differs."""
    started = time.monotonic()
    remaining = ["no answer yet"]
    while True:
        try:
            with connect(reader_token) as rpc:
                sitrep = rpc.reporting.get_sitrep()
            remaining = differences(sitrep, expected, only_sites=only_sites, totals=totals)
            if not remaining:
                return sitrep, time.monotonic() - started
        except Exception as exc:  # reporting still starting
            remaining = [repr(exc)]
        if time.monotonic() - started > timeout:
            shown = "\n  ".join(remaining[:25])
            raise ScenarioError(f"the sitrep did not reach the expected figures within {timeout:.0f}s:\n  {shown}")
        time.sleep(0.5)


def sitrep_table(sitrep, site_ids=None):
    """A short plain-text table of the sitrep (the demo prints it)."""
    rows = [("Site", "Province / district", "Status", "HH", "People", "Sheltered", "Capacity", "Waiting", "Std")]
    for site in sitrep["sites"]:
        if site_ids is not None and site["site_id"] not in site_ids:
            continue
        rows.append(((site["name"] or site["site_id"])[:34], f"{site['adm1']} / {site['adm2']}", site["status"],
                     f"{site['households']:,}", f"{site['individuals']:,}", f"{site['occupants']:,}",
                     f"{site['capacity_persons'] or 0:,}", f"{site['waitlisted_households']:,}",
                     f"{site['standards_met']}/{site['standards_assessed']}"))
    totals = sitrep["totals"]
    rows.append(("All sites", "", f"{totals['sites_open']} open", f"{totals['households']:,}",
                 f"{totals['individuals']:,}", f"{totals['occupants']:,}", f"{totals['capacity_persons']:,}",
                 f"{totals['waitlisted_households']:,}", ""))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    numeric = {3, 4, 5, 6, 7}
    lines = []
    for number, row in enumerate(rows):
        cells = [str(c).rjust(w) if i in numeric else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  " + "  ".join(cells).rstrip())
        if number == 0 or number == len(rows) - 2:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Play the cyclone scenario against a running Haven (make run).")
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for the sitrep to catch up")
    args = parser.parse_args(argv)
    amqp_uri = os.environ.get("AMQP_URI", "amqp://guest:guest@localhost:5672/")
    address = os.environ.get("REPORTING_HTTP", "0.0.0.0:8000")
    host, _, port = address.rpartition(":")
    dashboard = f"http://{'localhost' if host in ('', '0.0.0.0', '::') else host}:{port}/"

    from haven_kernel.auth import issue_token
    connect = rpc_connector(amqp_uri)
    reader = issue_token(org="OCHA", scopes=["reporting:read"], ttl_seconds=8 * 3600, sub="demo-coordinator")
    scenario = CycloneScenario(seed=args.seed)
    try:
        scenario.play(connect, scenario_tokens(), progress=lambda line: print(line, flush=True))
        print("Waiting for the situation report to catch up ...", flush=True)
        mine = {site.site_id for site in scenario.sites}
        sitrep, waited = wait_for_sitrep(connect, reader, scenario.expected(), timeout=args.timeout,
                                         only_sites=mine, totals=False)
    except ScenarioError as error:
        print(f"\nThe scenario did not play out as expected: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # e.g. Haven not running
        print(f"\nCould not play the scenario ({type(error).__name__}: {error}). Is Haven running (make run) and "
              f"is AMQP_URI right ({amqp_uri})?", file=sys.stderr)
        return 1
    print(f"The sitrep matches the scenario at every site (caught up {waited:.1f}s after the last call).\n")
    print(sitrep_table(sitrep, site_ids=mine))
    others = len(sitrep["sites"]) - len(mine)
    if others:
        print(f"  (Haven also holds {others} site(s) from earlier runs: the 'All sites' line counts them too.)")
    print(f"\nDashboard: {dashboard}")
    print("Token (paste it into the dashboard's sign-in form; valid 8 hours, scope reporting:read):")
    print(f"  {reader}")
    return 0


if __name__ == "__main__":
    import eventlet
    eventlet.monkey_patch()
    sys.exit(main())
