"""Registration's revision needs_0001 on SQLite: the households registered before it are counted per site and group
(active ones only), and one site_needs_counted per site with needs waits in the outbox for the relay."""
import json
import uuid

import sqlalchemy as sa

from haven_contracts import catalogue
from haven_kernel import migrations


def _household(connection, site_id, status, *member_needs):
    household_id = str(uuid.uuid4())
    connection.execute(sa.text(
        "INSERT INTO households (id, registration_number, site_id, status, size, consent, org, version, "
        "registered_at, updated_at) VALUES (:id, :number, :site, :status, :size, :no, 'IOM', 1, :at, :at)"),
        {"no": False, "id": household_id, "number": f"HV-{household_id[:8]}", "site": site_id, "status": status,
         "size": len(member_needs), "at": "2026-11-20 06:00:00"})
    for position, needs in enumerate(member_needs):
        connection.execute(sa.text(
            "INSERT INTO members (id, household_id, position, name_key, phonetic_key, sex, date_of_birth, "
            "date_of_birth_estimated, relationship, specific_needs) VALUES (:id, :household, :position, '', '', "
            "'female', '1990-01-01', :no, 'head', :needs)"),
            {"no": False, "id": str(uuid.uuid4()), "household": household_id, "position": position,
             "needs": json.dumps(needs)})


def test_needs_0001_counts_the_households_registered_before_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'registration.db'}"
    migrations.upgrade("haven_registration", url, "0002")
    guara, mandruzi, empty = (str(uuid.uuid4()) for _ in range(3))
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        _household(connection, guara, "active", ["SV", "WR-SF"], ["SC-UC", "CR-CP"], [])
        _household(connection, guara, "active", ["DS-PM"])
        _household(connection, guara, "departed", ["SV"], ["ER"])  # gone: counted nowhere
        _household(connection, mandruzi, "active", ["ER"])
        _household(connection, empty, "active", [])
    migrations.upgrade("haven_registration", url)
    with engine.begin() as connection:
        counts = {site: (json.loads(needs), version) for site, needs, version in connection.execute(sa.text(
            "SELECT site_id, needs, version FROM site_needs"))}
        outbox = [json.loads(envelope) for envelope in connection.execute(sa.text(
            "SELECT envelope FROM outbox_events ORDER BY id")).scalars()]
    engine.dispose()
    assert counts == {guara: ({"CR": 1, "SC": 1, "DS": 1, "SV": 1, "WR": 1}, 1), mandruzi: ({"ER": 1}, 1)}
    assert {e["data"]["site_id"]: e["data"]["needs"] for e in outbox} == {site: c[0] for site, c in counts.items()}
    for envelope in outbox:  # each a valid event the relay can publish
        assert catalogue.parse(envelope).event_type == "site_needs_counted"
