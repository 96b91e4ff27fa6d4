"""Reading households: one by id (``get_household``) and a page of a search (``search_households``), each in a
bounded number of statements whatever the page holds, and only those the caller may see (``haven_kernel.sharing``):
another organisation's household is NotFound, and absent from a search and its total."""
from haven_kernel.errors import NotFound, ValidationError
from haven_kernel.validation import load, parse_uuid

from . import domain, views
from .models import Household
from .schemas import SearchSchema
from .usecase import UseCase


class Households(UseCase):

    def get(self, household_id):
        """One statement for the household and its members, one for its possible-duplicate links."""
        household_id = parse_uuid(household_id, "household_id")
        rows = self.repository.household_rows(household_id)
        if not rows:
            raise NotFound(f"household {household_id} does not exist")
        self.sharing.require(rows[0].org, household_id)  # another organisation's: as if it did not exist
        members = [views.MemberRow(row) for row in rows if row.m_id is not None]
        links = self.repository.links_of([household_id]).get(household_id, [])
        return views.household(rows[0], members, links, self.today, self.shown_link)

    def search(self, **criteria):
        """The total, then a page: households, their members and their links in three more statements."""
        data = load(SearchSchema(), criteria)
        name_key = phonetic = None
        if data.get("name"):
            name_key = domain.normalize_name(data["name"])
            if not name_key:
                raise ValidationError({"name": ["Must contain letters or digits."]})
            phonetic = domain.phonetic_key(data["name"], None)
        registration_number = data.get("registration_number")
        total, households = self.repository.search(
            self.sharing.visible(Household.org), site_id=data.get("site_id"), registration_number=registration_number.upper() if registration_number
            else None, name_key=name_key, phonetic=phonetic, limit=data["limit"], offset=data["offset"])
        self.sharing.reached((h.org, h.id) for h in households)
        links = self.repository.links_of([h.id for h in households])
        return {"total": total, "limit": data["limit"], "offset": data["offset"],
                "items": [views.household(h, h.members, links.get(h.id, []), self.today, self.shown_link)
                          for h in households]}
