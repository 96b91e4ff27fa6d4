"""HXL exports: CSV whose first row names the columns and whose second row holds HXL hashtags
(https://hxlstandard.org; tags as in docs/domain.md), so that HDX, libhxl and the HXL Proxy can read them.

Written with the ``csv`` module; libhxl is what the tests read them back with.
"""
import csv
import io

from haven_contracts.reference import AGE_BANDS, SEXES

from .health_sitrep import HXL_COLUMNS as HEALTH_COLUMNS
from .logistics_report import STOCK_COLUMNS
from .sitrep import NEED_GROUPS

TABLES = ("sites", "admin_areas", "3w", "health", "stock")

SEX_ATTRIBUTE = {"female": "f", "male": "m", "other": "i", "unknown": "unk"}
SEX_LABEL = {"female": "Female", "male": "Male", "other": "Other", "unknown": "Sex unknown"}
AGE_ATTRIBUTE = {"0-4": "age0_4", "5-17": "age5_17", "18-59": "age18_59", "60+": "age60plus"}
# Spreadsheet programs run text that starts with these as a formula: such text is exported with a leading quote.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _sex_age_columns():
    return [(f"{SEX_LABEL[sex]} {band}", f"#population+{SEX_ATTRIBUTE[sex]}+{AGE_ATTRIBUTE[band]}",
             (lambda s, b: lambda row: row["by_sex_age"].get(s, {}).get(b, 0))(sex, band))
            for sex in SEXES for band in AGE_BANDS]


def _needs_columns():
    return [(f"Specific needs {group}", f"#population+ind+needs+{group.lower()}",
             (lambda g: lambda row: row["specific_needs"].get(g, 0))(group)) for group in NEED_GROUPS]


def _get(key):
    return lambda row: row.get(key)


SITE_COLUMNS = [
    ("Site ID", "#loc+camp+id", _get("site_id")),
    ("Site code", "#loc+camp+code", _get("code")),
    ("Site name", "#loc+camp+name", _get("name")),
    ("Site type", "#loc+camp+type", _get("site_type")),
    ("Province", "#adm1+name", _get("adm1")),
    ("District", "#adm2+name", _get("adm2")),
    ("Latitude", "#geo+lat", _get("lat")),
    ("Longitude", "#geo+lon", _get("lon")),
    ("Status", "#status", _get("status")),
    ("Managing agency", "#org+impl", _get("managing_agency")),
    ("Households", "#population+hh", _get("households")),
    ("Individuals", "#population+ind", _get("individuals")),
    *_sex_age_columns(),
    ("Shelter units", "#capacity+units", _get("units_total")),
    ("Capacity (persons)", "#capacity+ind", _get("capacity_persons")),
    ("Occupants", "#population+ind+sheltered", _get("occupants")),
    ("Households waiting for shelter", "#population+hh+waitlisted", _get("waitlisted_households")),
    ("Occupancy rate", "#indicator+occupancy+rate", _get("occupancy_rate")),
    ("Covered area per person (m2)", "#indicator+covered_area+num", _get("covered_area_per_person_m2")),
    *_needs_columns(),
    ("Standards met", "#indicator+standards_met+num", _get("standards_met")),
    ("Standards assessed", "#indicator+standards_assessed+num", _get("standards_assessed")),
]

AREA_COLUMNS = [
    ("Admin level", "#meta+level", _get("level")),
    ("Province", "#adm1+name", _get("adm1")),
    ("District", "#adm2+name", _get("adm2")),
    ("Sites", "#indicator+sites+num", _get("sites")),
    ("Open sites", "#indicator+sites_open+num", _get("sites_open")),
    ("Households", "#population+hh", _get("households")),
    ("Individuals", "#population+ind", _get("individuals")),
    *_sex_age_columns(),
    ("Capacity (persons)", "#capacity+ind", _get("capacity_persons")),
    ("Occupants", "#population+ind+sheltered", _get("occupants")),
    ("Households waiting for shelter", "#population+hh+waitlisted", _get("waitlisted_households")),
    *_needs_columns(),
]

THREE_W_COLUMNS = [
    ("Organisation", "#org+impl", _get("org")),
    ("Sector", "#sector+cluster", _get("sector")),
    ("Province", "#adm1+name", _get("adm1")),
    ("District", "#adm2+name", _get("adm2")),
    ("Activity", "#activity+name", _get("activity")),
    ("Sites", "#indicator+sites+num", _get("sites")),
    ("Households reached", "#reached+hh", _get("households")),
    ("Individuals reached", "#reached+ind", _get("individuals")),
]

COLUMNS = {"sites": SITE_COLUMNS, "admin_areas": AREA_COLUMNS, "3w": THREE_W_COLUMNS, "health": HEALTH_COLUMNS,
           "stock": STOCK_COLUMNS}
DATE_COLUMN = ("Date reported", "#date+reported")


def cell(value):
    """How a value is written: empty for None, text guarded against formula injection, numbers as Python prints
    them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    return str(value)


def write(table, rows, reported_on):
    """CSV text of ``rows`` in ``table``'s columns, a header row, then the hashtag row."""
    columns = COLUMNS[table]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for label, _, _ in columns] + [DATE_COLUMN[0]])
    writer.writerow([tag for _, tag, _ in columns] + [DATE_COLUMN[1]])
    for row in rows:
        writer.writerow([cell(get(row)) for _, _, get in columns] + [reported_on])
    return buffer.getvalue()
