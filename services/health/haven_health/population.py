"""Live denominators from registration's household events (counts only): each event is one version of a household
(site, size, under-fives, active or departed) kept as it came; the population of a site at a moment is the sum of
each household's highest version that had happened by then. So an event that comes twice is kept once, and one that
comes late (out of order) takes its place in the history without overwriting a newer version."""
import uuid

from haven_kernel.clock import aware
from haven_kernel.validation import parse_uuid

from . import domain, repository


def household_changed(unit, event):
    """Keep one version of a household from a registration event (registered, updated, relocated, departed)."""
    data = event.data
    by_sex_age = data["by_sex_age"]
    under_five = sum(bands.get("0-4", 0) for bands in by_sex_age.values())
    repository.add_household_version(unit.session, {
        "household_id": str(uuid.UUID(str(data["household_id"]))), "version": data["version"],
        "site_id": str(uuid.UUID(str(data["site_id"]))), "size": data["size"], "under_five": under_five,
        "active": data["status"] == "active", "occurred_at": aware(event.occurred_at)})


def of_sites(unit, site_ids, moment):
    """(population, under_five) of ``site_ids`` together at ``moment``."""
    if not site_ids:
        return 0, 0
    by_site = domain.population_at(repository.household_versions_of_sites(unit.session, site_ids, moment),
                                      moment)
    return (sum(by_site.get(site, (0, 0))[0] for site in site_ids),
            sum(by_site.get(site, (0, 0))[1] for site in site_ids))


def denominators(unit, moment, site_id=None, adm1=None, adm2=None):
    """The population and under-fives of a site or an admin area at ``moment`` (counts)."""
    if site_id is not None:
        sites = [parse_uuid(site_id, "site_id")]
    else:
        sites = repository.sites_in(unit.session, adm1, adm2)
    population, under_five = of_sites(unit, sites, moment)
    return {"site_id": site_id, "adm1": adm1, "adm2": adm2, "population": population, "under_five": under_five,
            "sites": len(sites)}
