"""How registrations are written: bulk calls find duplicates among their own households, registration numbers that
are taken are drawn again, and reading a household takes a bounded number of statements."""
import itertools
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from haven_kernel.context import CALLER_CONTEXT_KEY
from haven_kernel.errors import Conflict
from haven_registration import domain
from haven_registration.models import Household, Member, PossibleDuplicate
from haven_registration.register import Registration
from haven_registration.search import Households


def single(site_id, given, family, born, phone=None):
    return {"site_id": site_id, "consent": True, "phone": phone, "members": [
        {"given_name": given, "family_name": family, "sex": "female", "date_of_birth": born,
         "relationship": "head"}]}


def numbers(*values):
    """A stand-in for domain.new_registration_number: ``values`` first, then fresh numbers."""
    fresh = (f"HV-TEST-{n:04d}" for n in itertools.count(1))
    given = iter(values)
    return lambda: next(given, None) or next(fresh)


def test_bulk_call_links_a_household_to_one_registered_earlier_in_the_same_call(registration, record_events):
    site_id = registration.open_site()
    recorder = record_events(registration.amqp_uri, "registration")
    batch = [
        single(site_id, "Amélia", "Nhantumbo", "1990-04-02", "+258 84 123 4567"),
        single(site_id, "Tomás", "Sitoe", "1985-06-01"),
        single(site_id, "AMELIA", "NHANTUMBO", "1990-04-02", "+258 84 123 4567"),  # the first one again
        single(site_id, "Amelia", "Nhantumbo", "1961-09-30", "+258 87 999 1111"),  # same name, another person
        single(site_id, "Amélia", "Nhantumbo", "1990-04-02"),  # the first one a third time, no phone
    ]
    with registration.client() as client:
        results = client.registration.register_households(batch)
        ids = [r["household_id"] for r in results]
        assert results[0]["possible_duplicates"] == [] and results[1]["possible_duplicates"] == []
        assert [(d["other_household_id"], d["score"], d["member_index"]) for d in results[2]["possible_duplicates"]] \
            == [(ids[0], 6, 0)]
        assert results[2]["possible_duplicates"][0]["other_registration_number"] == results[0]["registration_number"]
        assert results[3]["possible_duplicates"] == []
        assert sorted((d["other_household_id"], d["score"]) for d in results[4]["possible_duplicates"]) \
            == sorted([(ids[0], 5), (ids[2], 5)])

        first = client.registration.get_household(ids[0])
        assert sorted((d["other_household_id"], d["score"]) for d in first["possible_duplicates"]) \
            == sorted([(ids[2], 6), (ids[4], 5)])
        assert {d["other_registration_number"] for d in first["possible_duplicates"]} \
            == {results[2]["registration_number"], results[4]["registration_number"]}
        third = client.registration.get_household(ids[2])
        assert sorted(d["other_household_id"] for d in third["possible_duplicates"]) == sorted([ids[0], ids[4]])
        assert client.registration.get_household(ids[3])["possible_duplicates"] == []

        # A later call finds them too, as a single registration does.
        again = client.registration.register_households([single(site_id, "Tomas", "Sitoe", "1985-06-01")])
        assert [d["other_household_id"] for d in again[0]["possible_duplicates"]] == [ids[1]]
    assert registration.count(PossibleDuplicate) == 2 * 4
    recorder.wait_for("household_registered", count=6)


def test_a_taken_registration_number_is_drawn_again(registration, make_household, monkeypatch):
    site_id = registration.open_site()
    with registration.client() as client:
        taken = client.registration.register_household(make_household(site_id))["registration_number"]
        monkeypatch.setattr(domain, "new_registration_number", numbers(taken, taken))
        result = client.registration.register_household(make_household(site_id))
        assert result["registration_number"] == "HV-TEST-0001"
        assert client.registration.get_household(result["household_id"])["registration_number"] == "HV-TEST-0001"
        assert len(client.registration.get_household(result["household_id"])["members"]) == 4

        # In a bulk call: one household draws a taken number, two draw the same new one.
        monkeypatch.setattr(domain, "new_registration_number", numbers(taken, "HV-SAME-0000", "HV-SAME-0000"))
        results = client.registration.register_households([make_household(site_id) for _ in range(3)])
        assert all("error" not in r for r in results)
        assert len({r["registration_number"] for r in results} | {taken}) == 4
        assert "HV-SAME-0000" in {r["registration_number"] for r in results}
        for r in results:
            household = client.registration.get_household(r["household_id"])
            assert household["registration_number"] == r["registration_number"] and len(household["members"]) == 4
    assert registration.count(Household) == 5 and registration.count(Member) == 20


def test_no_number_after_five_draws_is_a_conflict_for_that_household_only(registration, make_household,
                                                                         record_events, monkeypatch):
    site_id = registration.open_site()
    recorder = record_events(registration.amqp_uri, "registration")
    with registration.client() as client:
        taken = client.registration.register_household(make_household(site_id))["registration_number"]
        monkeypatch.setattr(domain, "new_registration_number", lambda: taken)
        with pytest.raises(Conflict):
            client.registration.register_household(make_household(site_id))

        # First draw of the call: a fresh number for the first household, the taken one for the second; the
        # second keeps drawing the taken one.
        monkeypatch.setattr(domain, "new_registration_number", numbers("HV-FRSH-0001", *[taken] * 5))
        results = client.registration.register_households([make_household(site_id), make_household(site_id)])
        assert results[0]["registration_number"] == "HV-FRSH-0001"
        assert results[1] == {"error": {"type": "Conflict",
                                        "message": "could not allocate a unique registration number; try again",
                                        "errors": {}}}
    assert registration.count(Household) == 2 and registration.count(Member) == 8
    recorder.wait_for("household_registered", count=2)
    recorder.drain(1.0)
    assert len(recorder.events("household_registered")) == 2


def test_an_update_links_a_new_member_once(registration, make_household):
    site_id = registration.open_site()
    with registration.client() as client:
        first = client.registration.register_household(make_household(site_id))
        rosa = client.registration.get_household(first["household_id"])["members"][2]
        second = client.registration.register_household(single(site_id, "Tomás", "Sitoe", "1985-06-01"))
        head = client.registration.get_household(second["household_id"])["members"][0]["member_id"]

        added = client.registration.update_household(second["household_id"], {"members": {"add": [
            {"given_name": "Rosa", "family_name": "Nhantumbo", "sex": "female", "date_of_birth": "2024-01-15",
             "relationship": "child"}]}})
        assert [(d["other_member_id"], d["score"], d["member_index"]) for d in added["new_possible_duplicates"]] \
            == [(rosa["member_id"], 5, 1)]
        assert [d["other_member_id"] for d in
                client.registration.get_household(second["household_id"])["possible_duplicates"]] == [rosa["member_id"]]

        # Changing the members again finds the same pair, already linked: not linked twice.
        again = client.registration.update_household(second["household_id"], {"members": {"update": [
            {"member_id": head, "specific_needs": ["ER"]}]}})
        assert again["new_possible_duplicates"] == []
        assert len(client.registration.get_household(second["household_id"])["possible_duplicates"]) == 1
        linked = client.registration.get_household(first["household_id"])["possible_duplicates"]
        assert [(d["member_id"], d["other_household_id"]) for d in linked] \
            == [(rosa["member_id"], second["household_id"])]
    assert registration.count(PossibleDuplicate) == 2


@contextmanager
def statements(engine):
    seen = []

    def record(conn, cursor, statement, *args):
        if not statement.startswith(("SELECT outbox_events", "UPDATE outbox_events")):  # the relay, polling
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_reading_a_household_takes_two_statements_and_registering_one_five(registration, make_household):
    site_id = registration.open_site()
    database = registration.database
    context = {CALLER_CONTEXT_KEY: {"sub": "test", "org": "IOM", "scopes": ["registration:write"]}}
    unit = database.unit_of_work(context)
    first = Registration(unit).register(make_household(site_id), field="household")
    with statements(database.engine) as seen:  # a register per call, as the service makes one
        second = Registration(unit).register(make_household(site_id), field="household")
    # the site, duplicate candidates, household, members, links; the outbox row is flushed at commit
    assert len(seen) == 5 and len(second["possible_duplicates"]) == 4
    with statements(database.engine) as seen:
        unit.commit()
    assert len([s for s in seen if s.startswith("INSERT INTO outbox_events")]) == 1
    unit.close()

    unit = database.unit_of_work(context)
    with statements(database.engine) as seen:
        household = Households(unit).get(first["household_id"])
    assert len(seen) == 2, [s[:60] for s in seen]
    assert [m["given_name"] for m in household["members"]] == ["Amélia", "João", "Rosa", "Alberto"]
    assert len(household["possible_duplicates"]) == 4
    unit.close()


def test_a_page_of_search_results_takes_four_statements_whatever_its_length(registration, make_household):
    site_id = registration.open_site()
    database = registration.database
    context = {CALLER_CONTEXT_KEY: {"sub": "test", "org": "IOM", "scopes": ["registration:write"]}}
    unit = database.unit_of_work(context)
    register = Registration(unit)
    registered = [register.register(make_household(site_id), field="household") for _ in range(6)]
    unit.commit()
    unit.close()

    unit = database.unit_of_work(context)
    with statements(database.engine) as seen:
        page = Households(unit).search(site_id=site_id, limit=50)
    # the total, the page of households, their members, their possible-duplicate links
    assert len(seen) == 4, [s[:60] for s in seen]
    assert [h["household_id"] for h in page["items"]] == [r["household_id"] for r in registered]
    assert all([m["given_name"] for m in h["members"]] == ["Amélia", "João", "Rosa", "Alberto"]
               for h in page["items"])
    for item in page["items"]:
        assert item == Households(unit).get(item["household_id"]), "a search item reads as get shows it"
    unit.close()
