"""Reference lists every service shares (sources in docs/domain.md): sexes, age bands, UNHCR specific-needs codes,
and the age helpers that put a person in a band."""
import re
from datetime import date

SEXES = ("female", "male", "other", "unknown")
AGE_BANDS = ("0-4", "5-17", "18-59", "60+")

# UNHCR specific-needs codes: group prefix, then a sub-code.
SPECIFIC_NEEDS = {
    "CR": ("CR-CP", "CR-CS", "CR-CC", "CR-TP", "CR-LW", "CR-LO", "CR-NE", "CR-SE", "CR-AF", "CR-CL"),
    "SC": ("SC-UC", "SC-SC", "SC-CH", "SC-IC", "SC-FC"),
    "DS": ("DS-BD", "DS-DF", "DS-PM", "DS-PS", "DS-MM", "DS-MS", "DS-SD"),
    "SM": ("SM-MI", "SM-MN", "SM-CI", "SM-CC", "SM-OT"),
    "FU": ("FU-TR", "FU-FR"),
    "LP": ("LP-ND", "LP-AN", "LP-MD", "LP-MS", "LP-RR"),
    "TR": ("TR-PI", "TR-HO", "TR-WV"),
    "SV": ("SV-VA",),
    # Groups whose sub-codes are not verified: the group code alone, or any two-letter sub-code, is accepted.
    "WR": (), "ER": (), "SP": (), "PG": (),
}
_OPEN_PATTERN = re.compile(r"^(WR|ER|SP|PG)-[A-Z]{2}$")


def is_specific_need(code):
    if not isinstance(code, str):
        return False
    if code in SPECIFIC_NEEDS:
        return True
    group = code.split("-", 1)[0]
    return code in SPECIFIC_NEEDS.get(group, ()) or bool(_OPEN_PATTERN.match(code))


def need_group(code):
    return code.split("-", 1)[0]


def age_on(date_of_birth, on):
    years = on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    return max(0, years)


def age_band(age_years):
    if age_years <= 4:
        return "0-4"
    if age_years <= 17:
        return "5-17"
    if age_years <= 59:
        return "18-59"
    return "60+"


def empty_sex_age():
    return {sex: {band: 0 for band in AGE_BANDS} for sex in SEXES}


def estimated_birth_date(age_years, on):
    """A birth date for someone whose age only is known: the same day ``age_years`` years earlier."""
    try:
        return on.replace(year=on.year - age_years)
    except ValueError:  # 29 February
        return date(on.year - age_years, 2, 28)
