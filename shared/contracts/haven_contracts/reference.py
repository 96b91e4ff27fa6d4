"""Reference lists every service shares (sources in docs/domain.md): sexes, age bands, UNHCR specific-needs codes,
and the age helpers that put a person in a band."""
import re
from datetime import date

SEXES = ("female", "male", "other", "unknown")
AGE_BANDS = ("0-4", "5-17", "18-59", "60+")

# UNHCR specific-needs codes: group prefix, then a sub-code (docs/domain.md §3, "UNHCR specific-needs codes": every
# sub-code of its table, those it marks † included: proGres values an operation may or may not use).
SPECIFIC_NEEDS = {
    "CR": ("CR-CP", "CR-CS", "CR-CC", "CR-TP", "CR-LW", "CR-LO", "CR-NE", "CR-SE", "CR-AF", "CR-CL", "CR-CH", "CR-MS"),
    "SC": ("SC-UC", "SC-SC", "SC-CH", "SC-IC", "SC-FC", "SC-NC", "SC-UF", "SC-UM"),
    "DS": ("DS-BD", "DS-DF", "DS-PM", "DS-PS", "DS-MM", "DS-MS", "DS-SD"),
    "SM": ("SM-MI", "SM-MN", "SM-CI", "SM-CC", "SM-AD", "SM-DP", "SM-OT"),
    "FU": ("FU-TR", "FU-FR"),
    "LP": ("LP-ND", "LP-BN", "LP-NA", "LP-MM", "LP-MD", "LP-AN", "LP-MS", "LP-CR", "LP-AF", "LP-AP", "LP-VP",
           "LP-DA", "LP-DN", "LP-DP", "LP-DO", "LP-DT", "LP-ES", "LP-FR", "LP-IH", "LP-LS", "LP-PV", "LP-RD",
           "LP-RP", "LP-RR", "LP-TR", "LP-TD", "LP-ST", "LP-TA", "LP-TO", "LP-TC", "LP-UP", "LP-VA", "LP-VF",
           "LP-VO", "LP-WP"),
    "TR": ("TR-PI", "TR-WV", "TR-HO"),
    "SV": ("SV-VA", "SV-VF", "SV-VO", "SV-GM", "SV-FM", "SV-HK", "SV-HP", "SV-SS"),
    # Groups whose sub-codes the table lists but an operation may extend: these, the group code alone, or any
    # two-letter sub-code, are accepted.
    "WR": ("WR-SF", "WR-LC", "WR-WR", "WR-HR", "WR-GM", "WR-PY", "WR-UW", "WR-WF"),
    "ER": ("ER-NF", "ER-FR", "ER-MC", "ER-OC", "ER-SC", "ER-UR"),
    "SP": ("SP-PT", "SP-GP", "SP-CG"),
    "PG": ("PG-HR", "PG-LC"),
}
_OPEN_PATTERN = re.compile(r"^(WR|ER|SP|PG)-[A-Z]{2}$")

# Who may learn which specific needs (docs/domain.md §3, "Sensitivity"). Every code is sensitive personal data (it
# reveals violence, health, legal status or family situation), so:
# * no household event carries a code or a per-household count (household_registered/updated/departed/relocated);
# * reporting receives counts per site and group only (registration's ``site_needs_counted``);
# * the codes of PROTECTION_GROUPS, per household, go to protection only (``household_protection_needs``, delivered
#   to protection's queue alone, never through the topic exchange that any broker client can bind to).
# PROTECTION_GROUPS are the groups §3 names for protection follow-up (SC unaccompanied or separated child, CR child
# at risk, SV sexual and gender-based violence) and those it names as groups an operation may add to follow-up by
# configuration (LP legal and physical protection, e.g. LP-UP, LP-RR, and LP-VA/VF/VO SGBV, LP-TA/TO torture; TR
# torture): protection can only follow up what it receives, so it receives all five and its configuration picks.
PROTECTION_GROUPS = ("SC", "CR", "SV", "TR", "LP")
# The groups protection follows up unless configured otherwise (§3 "Protection follow-up"; §7 UASC).
FOLLOW_UP_GROUPS = ("SC", "CR", "SV")


def is_specific_need(code):
    if not isinstance(code, str):
        return False
    if code in SPECIFIC_NEEDS:
        return True
    group = code.split("-", 1)[0]
    return code in SPECIFIC_NEEDS.get(group, ()) or bool(_OPEN_PATTERN.match(code))


def need_group(code):
    return code.split("-", 1)[0]


def is_protection_need(code):
    """Whether ``code`` is a valid specific-needs code of a protection group (it travels to protection only)."""
    return is_specific_need(code) and need_group(code) in PROTECTION_GROUPS


def protection_needs(counts):
    """``{code: n}`` restricted to the codes of protection groups (sorted, zeros left out)."""
    return {code: n for code, n in sorted(counts.items()) if n and need_group(code) in PROTECTION_GROUPS}


def needs_by_group(counts):
    """``{code: n}`` -> ``{group: n}`` (zeros left out, groups in SPECIFIC_NEEDS order): what a per-site count
    says instead of codes."""
    groups = {}
    for code, n in counts.items():
        if n:
            groups[need_group(code)] = groups.get(need_group(code), 0) + n
    order = {group: index for index, group in enumerate(SPECIFIC_NEEDS)}
    return {group: groups[group] for group in sorted(groups, key=lambda g: (order.get(g, len(order)), g))}


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
