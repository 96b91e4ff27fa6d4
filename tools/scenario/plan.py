"""The cyclone scenario's plan: the sites (where, who manages them, who registers how many families there, what
site monitoring records), how a family is composed, and the shape of a household as the scenario follows it."""
import math
from dataclasses import dataclass, field

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
        if len(members) >= 4:  # no draw of its own, so the rest of the plan is the same as before
            head.needs.append("SV")
    return members
