"""Test data and actors the protection service's tests share (usecases and service tiers)."""
from .crypto import Keyring

SITE = "5b0c7a8e-3f4d-4c1e-9a61-2f8d0c4b7e21"
OTHER_SITE = "7d3f2a10-0b4c-4f5e-8a61-2f8d0c4b7e22"
KEYS = Keyring({"k1": b"k" * 32, "k2": b"2" * 32}, "k1")
READ, WRITE = "protection:read", "protection:write"
CASEWORKER, MANAGER, OVERRIDE = "protection:caseworker", "protection:manager", "protection:consent_override"


# Who acts: (scopes, org, sub).
ACTORS = {
    "ana": ((READ, WRITE, CASEWORKER), "IOM", "ana"),            # IOM caseworker, assigned
    "ben": ((READ, WRITE, CASEWORKER), "IOM", "ben"),            # IOM caseworker, not assigned
    "iom_manager": ((READ, WRITE, MANAGER), "IOM", "iom-manager"),
    "unhcr_manager": ((READ, WRITE, MANAGER), "UNHCR", "unhcr-manager"),
    "uma": ((READ, WRITE, CASEWORKER), "UNHCR", "uma"),          # UNHCR caseworker
    "wfp_manager": ((READ, WRITE, MANAGER), "WFP", "wfp-manager"),  # an organisation nothing is shared with
    "admin": (("admin",), "IOM", "root"),
    "overrider": ((READ, WRITE, CASEWORKER, OVERRIDE), "IOM", "ana"),
}


def act(unit, actor):
    """Make ``unit`` (a UseCaseUnit) act for ``actor``."""
    scopes, org, sub = ACTORS[actor]
    return unit.act_as(*scopes, org=org, sub=sub)


def case_payload(case_type="child_protection", name="Amina Test", narrative="Found alone near the river.",
                 site_id=SITE, **fields):
    payload = {"case_type": case_type, "person": {"name": name, "sex": "female", "age_years": 12},
               "concerns": ["family_separation"], "specific_needs": ["SC-UC"], "risk": "high",
               "uasc_status": "unaccompanied", "site_id": site_id, "narrative": narrative}
    payload.update(fields)
    return payload


def run(unit, call):
    """``call()`` in a committed transaction, as an RPC would; returns its result."""
    with unit.transaction():
        return call()


def needs_data(site_id, needs, household_id=None, version=1, org="IOM", status="active", cause=None):
    """The data of registration's ``household_protection_needs`` (each code on its own member)."""
    from haven_contracts.testing import new_id
    needs = {code: count for code, count in needs.items() if count}
    members = [{"member_id": new_id(), "needs": [code]} for code, count in needs.items() for _ in range(count)]
    return {"household_id": household_id or new_id(), "site_id": site_id, "org": org, "version": version,
            "status": status, "cause": cause or ("registered" if version == 1 else "updated"), "from_site_id": None,
            "specific_needs": needs, "member_needs": members}


def needs_event(site_id, needs, household_id=None, version=1, org="IOM", events=None, **fields):
    """registration's ``household_protection_needs`` as protection receives it (an ``Event``)."""
    from haven_contracts.testing import Events
    data = needs_data(site_id, needs, household_id, version, org, **fields)
    return (events or Events()).event("registration", "household_protection_needs", data)


def _settings():
    from .settings import ProtectionSettings
    return ProtectionSettings(keys=KEYS, focal_orgs={SITE: "IOM"})


SETTINGS = _settings()
