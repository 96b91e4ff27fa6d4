"""What every registration use case works with: the unit of work, the repository over its session, the site replica
(with shelter as its fallback), the duplicate-score threshold and today's date."""
from datetime import date

from haven_kernel.replica import Replica

from .models import SiteReplica
from .repository import Repository


class UseCase:
    def __init__(self, unit, site_lookup=None, duplicate_threshold=3, today=None):
        self.unit = unit
        self.repository = Repository(unit.session)
        self.sites = Replica(SiteReplica, unit, fallback=site_lookup)
        self.duplicate_threshold = duplicate_threshold
        self.today = today or date.today()
