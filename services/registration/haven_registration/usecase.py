"""What every registration use case works with: the unit of work, the repository over its session, the site replica
(with shelter as its fallback), the caller's access to households (``haven_kernel.sharing``: a household belongs to
the organisation that registered it), the duplicate-score threshold, today's date and the
field-sync rules (``haven_kernel.fieldsync``)."""
from datetime import date

from haven_kernel.fieldsync import FieldSync
from haven_kernel.replica import Replica
from haven_kernel.sharing import Sharing

from .models import SiteReplica
from .repository import Repository


class UseCase:
    def __init__(self, unit, site_lookup=None, duplicate_threshold=3, today=None, field_sync=None):
        self.unit = unit
        self.repository = Repository(unit.session)
        self.sites = Replica(SiteReplica, unit, fallback=site_lookup)
        self.sharing = Sharing(unit, "household")
        self.duplicate_threshold = duplicate_threshold
        self.today = today or date.today()
        self.field_sync = field_sync or FieldSync()  # the window a field collection time must fall in

    def shown_link(self, link):
        """Whether the caller may see the other household of a possible-duplicate link row."""
        return self.sharing.allows(link.other_org, link.other_household_id)

    def shown_candidate(self, candidate):
        """Whether the caller may see the household of a possible-duplicate candidate."""
        return self.sharing.allows(candidate.org, candidate.household_id)
