"""Registering households end to end: RPC in, tables and exactly one event out, over a real broker and database."""
from datetime import date

import pytest

from haven_contracts import catalogue
from haven_kernel.errors import Conflict, NotFound, ValidationError
from haven_kernel.testing import wait_until

PERSONAL_VALUES = ("Amélia", "Nhantumbo", "João", "Macuácua", "1990-04-02", "2024-01-15", "84 123 4567", "+258")


def test_registering_publishes_one_event_without_personal_data(registration, record_events, make_household):
    site_id = registration.open_site()
    recorder = record_events(registration.amqp_uri, "registration")
    with registration.client() as client:
        result = client.registration.register_household(make_household(site_id))

    assert result["size"] == 4 and result["status"] == "active" and result["site_id"] == site_id
    assert result["registration_number"].startswith("HV-") and len(result["registration_number"]) == 12

    events = recorder.wait_for("household_registered")
    recorder.drain(1.0)
    assert len(recorder.events("household_registered")) == 1, "exactly one household event per registration"
    assert [e["data"]["needs"] for e in recorder.events("site_needs_counted")] == [{"DS": 1, "SM": 1, "ER": 1,
                                                                                    "SP": 1}], "its site's counts"
    assert len(recorder.events()) == 2, "no protection needs: nothing for protection (nor here)"
    envelope = events[0]
    assert set(envelope) == {"event_id", "event_type", "schema_version", "occurred_at", "source", "correlation_id",
                             "data"}
    event = catalogue.parse(envelope)  # validates envelope and data against the catalogue
    assert event.source == "registration" and event.schema_version == 3
    assert envelope["data"]["collected_at"] is None, "registered directly, not collected offline"
    data = envelope["data"]
    assert data["household_id"] == result["household_id"] and data["size"] == 4 and data["org"] == "IOM"
    assert data["by_sex_age"]["female"]["18-59"] == 1 and data["by_sex_age"]["female"]["0-4"] == 1
    assert data["by_sex_age"]["male"]["5-17"] == 1 and data["by_sex_age"]["male"]["60+"] == 1
    assert "specific_needs" not in data, "needs never travel with the household"
    assert data["origin"] == {"adm1": "Sofala", "adm2": "Buzi"}
    text = str(envelope)
    for value in PERSONAL_VALUES:
        assert value not in text, f"personal value {value!r} leaked into the event"
    for key in ("given_name", "family_name", "date_of_birth", "phone", "members"):
        assert key not in text


def test_household_can_be_read_searched_updated_relocated_and_departed(registration, record_events, make_household):
    site_a = registration.open_site(name="Camp A")
    site_b = registration.open_site(name="Escola Primária B", site_type="collective_centre")
    recorder = record_events(registration.amqp_uri, "registration")
    with registration.client() as client:
        created = client.registration.register_household(make_household(site_a))
        household_id = created["household_id"]

        household = client.registration.get_household(household_id)
        assert [m["given_name"] for m in household["members"]] == ["Amélia", "João", "Rosa", "Alberto"]
        assert household["members"][1]["age_years"] == 7 and household["members"][1]["date_of_birth_estimated"]

        found = client.registration.search_households(name="amelia NHANTUMBO")  # case and accents ignored
        assert [h["household_id"] for h in found["items"]] == [household_id] and found["total"] == 1
        assert client.registration.search_households(name="macuacua")["total"] == 1
        assert client.registration.search_households(registration_number=created["registration_number"])["total"] == 1
        assert client.registration.search_households(site_id=site_b)["total"] == 0

        head_id = household["members"][0]["member_id"]
        rosa_id = household["members"][2]["member_id"]
        updated = client.registration.update_household(household_id, {"members": {
            "add": [{"given_name": "Baby", "family_name": "Nhantumbo", "sex": "male", "age_years": 0,
                     "relationship": "child"}],
            "remove": [rosa_id],
            "update": [{"member_id": head_id, "specific_needs": ["SP", "PG"]}],
        }})
        assert updated == {"household_id": household_id, "version": 2, "status": "active",
                           "new_possible_duplicates": []}, "an acknowledgement, not the record"
        updated = client.registration.get_household(household_id)
        assert updated["size"] == 4 and updated["version"] == 2
        assert [m["given_name"] for m in updated["members"]] == ["Amélia", "João", "Alberto", "Baby"]

        moved = client.registration.relocate_household(household_id, site_b)
        assert moved == {"household_id": household_id, "version": 3, "status": "active", "site_id": site_b}
        with pytest.raises(Conflict):
            client.registration.relocate_household(household_id, site_b)

        today = date.today().isoformat()
        with pytest.raises(ValidationError) as before_registration:
            client.registration.record_departure(household_id, "returned_home", "2020-01-01")
        assert list(before_registration.value.errors) == ["date"]
        gone = client.registration.record_departure(household_id, "returned_home", today)
        assert gone == {"household_id": household_id, "version": 4, "status": "departed"}
        gone = client.registration.get_household(household_id)
        assert gone["status"] == "departed" and gone["departure"] == {"reason": "returned_home", "date": today}
        with pytest.raises(Conflict):
            client.registration.record_departure(household_id, "returned_home", today)
        with pytest.raises(Conflict):
            client.registration.update_household(household_id, {"phone": "+258 84 000 0000"})

    updated_event = recorder.wait_for("household_updated")[0]["data"]
    assert updated_event["changed"] == ["members"] and "specific_needs" not in updated_event
    assert updated_event["by_sex_age"]["male"]["0-4"] == 1 and updated_event["by_sex_age"]["female"]["0-4"] == 0
    relocated = recorder.wait_for("household_relocated")[0]["data"]
    assert relocated["from_site_id"] == site_a and relocated["to_site_id"] == site_b and relocated["site_id"] == site_b
    departed = recorder.wait_for("household_departed")[0]["data"]
    assert departed["reason"] == "returned_home" and departed["status"] == "departed" and departed["version"] == 4


def test_possible_duplicates_are_linked_not_blocked(registration, make_household):
    site_id = registration.open_site()
    with registration.client() as client:
        first = client.registration.register_household(make_household(site_id))
        # Same head, spelled without accents and in capitals, same birth date and phone: a likely duplicate.
        second = make_household(site_id)
        second["members"] = [{"given_name": "AMELIA", "family_name": "NHANTUMBO", "sex": "female",
                              "date_of_birth": "1990-04-02", "relationship": "head"}]
        again = client.registration.register_household(second)
        # A different person with the same name but a different birth date and phone: not flagged.
        third = make_household(site_id, phone="+258 87 999 1111")
        third["members"] = [{"given_name": "Amelia", "family_name": "Nhantumbo", "sex": "female",
                             "date_of_birth": "1961-09-30", "relationship": "head"}]
        other = client.registration.register_household(third)

        assert again["status"] == "active", "a possible duplicate never blocks registration"
        assert [d["other_household_id"] for d in again["possible_duplicates"]] == [first["household_id"]]
        assert again["possible_duplicates"][0]["score"] == 6  # names +2, birth date +3, phone +1
        assert other["possible_duplicates"] == []
        linked = client.registration.get_household(first["household_id"])["possible_duplicates"]
        assert [d["other_household_id"] for d in linked] == [again["household_id"]]
        assert client.registration.search_households(site_id=site_id)["total"] == 3


def test_bulk_registration_commits_valid_households_and_reports_each_error(registration, record_events,
                                                                           make_household):
    site_id = registration.open_site()
    recorder = record_events(registration.amqp_uri, "registration")
    bad = make_household(site_id)
    bad["members"][1]["relationship"] = "head"
    batch = [make_household(site_id), bad, make_household("00000000-0000-4000-8000-000000000000"),
             make_household(site_id)]
    with registration.client() as client:
        results = client.registration.register_households(batch)
        assert [("error" in r) for r in results] == [False, True, True, False]
        assert results[2]["error"]["type"] == "NotFound" and results[2]["error"]["errors"] == {}
        # An item's error is what the single call raises for that household: type and field map, as a dict.
        with pytest.raises(ValidationError) as single:
            client.registration.register_household(bad)
        assert results[1]["error"]["type"] == "ValidationError"
        assert results[1]["error"]["errors"] == single.value.errors
        assert all(field.startswith("household.") for field in single.value.errors)
        assert client.registration.search_households(site_id=site_id)["total"] == 2
        with pytest.raises(ValidationError) as too_many:
            client.registration.register_households([make_household(site_id)] * 1001)
        assert "households" in too_many.value.errors
    recorder.wait_for("household_registered", count=2)
    recorder.drain(1.0)
    assert len(recorder.events("household_registered")) == 2


def test_site_replica_follows_shelter_events(registration, make_household, make_site_event):
    site_id = registration.open_site()
    from haven_kernel.testing import publish_event
    publish_event(registration.amqp_uri, catalogue, "shelter", "site_closed",
                  make_site_event(site_id, status="closed"))
    wait_until(lambda: registration.site_known(site_id, status="closed"), message="site closed in replica")
    with registration.client() as client:
        with pytest.raises(Conflict):
            client.registration.register_household(make_household(site_id))
        with pytest.raises(NotFound):
            client.registration.register_household(make_household("6f1c1f0e-1111-4222-8333-444455556666"))
