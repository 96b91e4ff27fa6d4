"""Registration rules in plain Python: household composition, consent, a member's stored form, the summary events
carry, registration numbers, possible-duplicate scoring and its caps. Nothing here touches a database or a broker."""
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date

import jellyfish
from unidecode import unidecode

from haven_contracts.reference import age_band, age_on, empty_sex_age, estimated_birth_date
from haven_kernel.errors import Conflict, NotFound
from haven_kernel import versions

MAX_MEMBERS = 30
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PERSONAL_NAMES = ("given_name", "family_name")

# Bounds on what one call may cost (issue 10): households and members per bulk call, and duplicate detection.
MAX_BATCH = 1000                    # households per register_households call
MAX_BATCH_MEMBERS = 30_000          # members per register_households call, counted before anything is parsed
MAX_CANDIDATES_PER_MEMBER = 50      # members of other households compared with one member (per key, and in all)
MAX_CANDIDATES_SCANNED = 200        # candidates looked at to find those (members linked to the full are skipped)
MAX_CANDIDATES_PER_CALL = 50_000    # candidate rows one call reads from the database
MAX_LINKS_PER_MEMBER = 5            # links one call gives a member, either side of a pair (best scores first)
MAX_LINKS_PER_CALL = 5_000          # possible-duplicate pairs one call links; beyond it, no more are looked for


# -- composition and consent -------------------------------------------------------------------------------------------
def size_errors(count):
    """Field errors for a household's member count (checked on the raw list, before its members are parsed)."""
    if not 1 <= count <= MAX_MEMBERS:
        return {"members": [f"A household has 1 to {MAX_MEMBERS} members; got {count}."]}
    return {}


def composition_errors(members):
    """Field errors for a household's member list as a whole (sizes and the single head)."""
    errors = size_errors(len(members))
    if errors:
        return errors
    heads = [i for i, m in enumerate(members) if m["relationship"] == "head"]
    if len(heads) != 1:
        errors["members"] = [f"Exactly one member must have relationship 'head'; got {len(heads)}."]
    return errors


def consent_errors(consent, phone, members):
    """The consent rule, for a registration and for a change alike. ``members``: ``(path, names)`` pairs, ``names``
    a mapping with the member's ``given_name`` and ``family_name``. Names and phone numbers are stored only with
    consent; with consent, every member is named."""
    if consent:
        return {f"{path}.{name}": ["Missing data for required field."]
                for path, names in members for name in PERSONAL_NAMES if not names.get(name)}
    personal = [f"{path}.{name}" for path, names in members for name in PERSONAL_NAMES if names.get(name)]
    if phone:
        personal.append("phone")
    if not personal:
        return {}
    listed = ", ".join(personal[:3]) + ("..." if len(personal) > 3 else "")
    return {"consent": [f"Must be true to store names or phone numbers ({listed})."]}


def with_prefix(errors, prefix):
    return {(f"{prefix}.{key}" if prefix else key): value for key, value in errors.items()}


def require_open(site_id, status):
    """A household is registered at, or moved to, an open site the replica knows (``status`` None: unknown)."""
    if status is None:
        raise NotFound(f"site {site_id} is not known")
    if status != "open":
        raise Conflict(f"site {site_id} is closed")


def expected_version(value):
    """A caller's ``expected_version``: None (no check) or a whole number from 1 (haven_kernel.versions)."""
    return versions.expected_version(value, "household")


def require_version(household, expected):
    versions.require_version("household", household.id, household.version, expected)


def require_active(household):
    if household.status != "active":
        raise Conflict(f"household {household.id} has departed; it cannot be changed")


# -- members -------------------------------------------------------------------------------------------------------
def resolve_birth(member, today):
    """A member's fields with an age given as ``age_years`` turned into an estimated birth date."""
    member = dict(member)
    if "age_years" in member:
        member["date_of_birth"] = estimated_birth_date(member.pop("age_years"), today)
        member["date_of_birth_estimated"] = True
    return member


def name_keys(given_name, family_name):
    """(name key, phonetic key): what search and duplicate detection compare a member's names by."""
    return normalize_name(f"{given_name or ''} {family_name or ''}"), phonetic_key(given_name, family_name)


def new_member(member, position, household_id, today):
    """A member as stored (the attributes of ``models.Member``), from validated input: the one way a member is made,
    at registration and when one is added to a household."""
    member = resolve_birth(member, today)
    name_key, phonetic = name_keys(member.get("given_name"), member.get("family_name"))
    return {
        "id": str(uuid.uuid4()), "household_id": household_id, "position": position,
        "given_name": member.get("given_name"), "family_name": member.get("family_name"),
        "name_key": name_key, "phonetic_key": phonetic,
        "sex": member["sex"], "date_of_birth": member["date_of_birth"],
        "date_of_birth_estimated": bool(member.get("date_of_birth_estimated")),
        "relationship_to_head": member["relationship"], "specific_needs": list(member.get("specific_needs") or []),
    }


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


# -- possible duplicates -------------------------------------------------------------------------------------------
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


class LinkBudget:
    """How many possible-duplicate pairs a call may still link (``MAX_LINKS_PER_CALL``), and how many it could not."""

    def __init__(self, limit=None):
        self.left = MAX_LINKS_PER_CALL if limit is None else limit
        self.capped = 0  # members whose links were cut by a cap

    @property
    def spent(self):
        return self.left <= 0


def best_matches(me: Person, candidates, threshold, already=(), budget=None, limit=MAX_LINKS_PER_MEMBER):
    """The candidates (objects with ``id`` and ``person``) that may be ``me``: a score of at least ``threshold``,
    not in ``already`` (ids), best scores first, at most ``limit`` and what ``budget`` still allows. Returns
    ``[(candidate, score)]``."""
    if budget is not None and budget.spent:
        budget.capped += 1
        return []
    found = []
    for candidate in candidates:
        if candidate.id in already:
            continue
        score = duplicate_score(me, candidate.person)
        if score >= threshold:
            found.append((candidate, score))
    found.sort(key=lambda pair: -pair[1])  # stable: among equal scores, the candidates' own order
    allowed = limit if budget is None else min(limit, budget.left)
    if len(found) > allowed:
        found = found[:allowed]
        if budget is not None:
            budget.capped += 1
    if budget is not None:
        budget.left -= len(found)
    return found
