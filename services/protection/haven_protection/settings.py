"""What the protection service reads from its configuration once, at start (a bad value refuses to start):
the keyring (crypto.py), the needs that call for follow-up, and each site's protection focal organisation."""
from dataclasses import dataclass, field

from haven_contracts.reference import FOLLOW_UP_GROUPS

from .crypto import keyring_from_config


@dataclass(frozen=True)
class ProtectionSettings:
    keys: object
    follow_up_needs: tuple = FOLLOW_UP_GROUPS
    focal_orgs: dict = field(default_factory=dict)  # {site_id: org}
    default_focal_org: str | None = None  # when a site has none: this, else the registering organisation

    def focal_org(self, site_id):
        return self.focal_orgs.get(str(site_id)) or self.default_focal_org


def _pairs(value, name):
    """``{key: value}`` from a mapping or from ``k=v,k=v``."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    found = {}
    for item in filter(None, (part.strip() for part in str(value or "").split(","))):
        key, sep, org = item.partition("=")
        if not sep or not key.strip() or not org.strip():
            raise ValueError(f"{name} must read site_id=ORG,site_id=ORG")
        found[key.strip()] = org.strip()
    return found


def parse(config):
    needs = config.get("PROTECTION_FOLLOW_UP_GROUPS") or ",".join(FOLLOW_UP_GROUPS)
    needs = tuple(filter(None, (n.strip() for n in (needs if isinstance(needs, (list, tuple)) else needs.split(",")))))
    return ProtectionSettings(keys=keyring_from_config(config), follow_up_needs=needs,
                              focal_orgs=_pairs(config.get("PROTECTION_FOCAL_ORGS"), "PROTECTION_FOCAL_ORGS"),
                              default_focal_org=config.get("PROTECTION_FOCAL_ORG") or None)
