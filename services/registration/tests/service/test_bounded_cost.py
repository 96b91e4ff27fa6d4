"""What one bulk call may cost, whatever its names (issue 10, point 4): an adversarial call completes, stays within
the duplicate-detection caps, and /health answers while it runs. Outcomes only; the figures are in `make bench`."""
import eventlet
import pytest
from sqlalchemy import func, select

from haven_kernel.errors import ValidationError
from haven_registration import domain
from haven_registration.models import Household, Member, PossibleDuplicate

GIVEN = ("Amina", "Baraka", "Chausiku", "Dalila", "Elimu", "Faraji", "Gimbi", "Hadiya", "Imani", "Jabari")
FAMILY = ("Juma", "Mwangi", "Otieno")


def the_same_family(site_id):
    """Thirty members with distinct names and birth dates; registering it many times makes every member a likely
    duplicate of every copy of itself."""
    return {"site_id": site_id, "consent": True, "members": [
        {"given_name": GIVEN[i % 10], "family_name": FAMILY[i // 10], "sex": "female",
         "date_of_birth": f"19{60 + i}-01-01", "relationship": "head" if i == 0 else "other_relative"}
        for i in range(30)]}


def test_an_adversarial_bulk_call_completes_within_the_caps_and_health_answers_meanwhile(registration):
    site_id = registration.open_site()
    households = [the_same_family(site_id) for _ in range(250)]  # 7,500 members, each with 249 copies
    probes, finished = [], []

    def probe():
        while not finished:
            status, _ = registration.http_get("/health")
            probes.append((status, bool(finished)))
            eventlet.sleep(0.05)

    prober = eventlet.spawn(probe)
    with registration.client(timeout=600) as client:
        results = client.registration.register_households(households)
    finished.append(True)
    prober.wait()

    assert [("error" in r) for r in results] == [False] * 250
    assert registration.count(Household) == 250 and registration.count(Member) == 7500
    answered_during_the_call = [status for status, after in probes if not after]
    assert len(answered_during_the_call) >= 2 and {status for status, _ in probes} == {200}, probes

    with registration.database.session_factory() as session:
        per_member = session.execute(select(PossibleDuplicate.member_id, func.count())
                                     .group_by(PossibleDuplicate.member_id)).all()
    pairs = registration.count(PossibleDuplicate) // 2
    assert pairs == domain.MAX_LINKS_PER_CALL, "the call linked pairs up to its cap, and no more"
    assert max(count for _, count in per_member) == domain.MAX_LINKS_PER_MEMBER
    reported = [d for r in results for d in r["possible_duplicates"]]
    assert len(reported) == pairs, "every link made is reported once, to the household that made it"
    for result in results:
        per_reported_member = {}
        for duplicate in result["possible_duplicates"]:
            per_reported_member[duplicate["member_id"]] = per_reported_member.get(duplicate["member_id"], 0) + 1
        assert max(per_reported_member.values(), default=0) <= domain.MAX_LINKS_PER_MEMBER


def test_a_bulk_call_is_bounded_by_members_as_well_as_households(registration):
    site_id = registration.open_site()
    big = the_same_family(site_id)
    oversized = dict(big, members=big["members"] * 2000)  # one household of 60,000 members
    with registration.client(timeout=120) as client:
        with pytest.raises(ValidationError) as error:
            client.registration.register_households([big] * 999 + [oversized])
        assert list(error.value.errors) == ["households"]
        assert f"At most {domain.MAX_BATCH_MEMBERS:,} members per call" in error.value.errors["households"][0]
        with pytest.raises(ValidationError) as error:
            client.registration.register_household(oversized)
        assert error.value.errors == {"household.members": ["A household has 1 to 30 members; got 60000."]}
    assert registration.count(Household) == 0
