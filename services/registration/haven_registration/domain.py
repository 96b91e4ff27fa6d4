"""Registration rules in plain Python: household composition, the summary events carry, registration numbers and
possible-duplicate scoring. Nothing here touches a database or a broker."""
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date

import jellyfish
from unidecode import unidecode

from haven_contracts.reference import age_band, age_on, empty_sex_age

MAX_MEMBERS = 30
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def composition_errors(members):
    """Field errors for a household's member list as a whole (sizes and the single head)."""
    errors = {}
    if not 1 <= len(members) <= MAX_MEMBERS:
        errors["members"] = [f"A household has 1 to {MAX_MEMBERS} members; got {len(members)}."]
        return errors
    heads = [i for i, m in enumerate(members) if m["relationship"] == "head"]
    if len(heads) != 1:
        errors["members"] = [f"Exactly one member must have relationship 'head'; got {len(heads)}."]
    return errors


def summarize(members, on):
    """Counts by sex × age band and by specific-needs code: what leaves the service instead of the people."""
    by_sex_age = empty_sex_age()
    needs = {}
    for member in members:
        by_sex_age[member["sex"]][age_band(age_on(member["date_of_birth"], on))] += 1
        for code in member.get("specific_needs") or ():
            needs[code] = needs.get(code, 0) + 1
    return by_sex_age, dict(sorted(needs.items()))


def new_registration_number():
    """Short, unambiguous, human-readable (printed on a ration card): ``HV-7K3M-Q9TZ`` (Crockford base 32)."""
    chars = "".join(secrets.choice(CROCKFORD) for _ in range(8))
    return f"HV-{chars[:4]}-{chars[4:]}"


def normalize_name(text):
    """Case-, accent- and spacing-insensitive form of a name, for search and matching."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = unidecode(text).lower()
    cleaned = "".join(ch if ch.isalnum() else " " for ch in text)
    return " ".join(cleaned.split())


def phonetic_key(given_name, family_name):
    parts = [normalize_name(given_name), normalize_name(family_name)]
    return " ".join(jellyfish.metaphone(p) for p in parts if p)


@dataclass(frozen=True)
class Person:
    """The fields duplicate detection compares."""

    name_key: str
    phonetic: str
    date_of_birth: date
    estimated: bool
    phone: str | None


def names_agree(a: Person, b: Person):
    return bool(a.name_key) and (a.name_key == b.name_key or (a.phonetic and a.phonetic == b.phonetic))


def birth_dates_agree(a: Person, b: Person):
    if a.date_of_birth is None or b.date_of_birth is None:
        return None
    if a.estimated or b.estimated:
        return abs((a.date_of_birth - b.date_of_birth).days) <= 366
    return a.date_of_birth == b.date_of_birth


def normalize_phone(phone):
    if not phone:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-9:] if len(digits) >= 6 else None


def duplicate_score(a: Person, b: Person):
    """Sahana Eden's weights: names ±2 (+2 / −2), date of birth +3 / −2, phone +1 / −1; unknowns count 0."""
    score = 2 if names_agree(a, b) else -2
    dob = birth_dates_agree(a, b)
    if dob is not None:
        score += 3 if dob else -2
    pa, pb = normalize_phone(a.phone), normalize_phone(b.phone)
    if pa and pb:
        score += 1 if pa == pb else -1
    return score
