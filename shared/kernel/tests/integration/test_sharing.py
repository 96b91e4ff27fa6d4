"""The data-sharing model on a toy service (``notebook``: notes owned by the organisation that wrote them), on the
real broker and PostgreSQL: another organisation gets NotFound and finds nothing; the owner shares and revokes (each
logged, insert-only); the lead scope reaches everything and each use is audited; ``admin`` is not a way around it;
aggregate counts stay open; the migration helper brings an older database to the tables."""
import uuid

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from haven_kernel.db import AccessAudit, KernelBase, SharingAgreement, SharingLogEntry, metadata
from haven_kernel.errors import Forbidden, NotFound, ValidationError
from haven_kernel.events import Catalogue
from haven_kernel.migrations import (add_sharing_levels, create_kernel_tables, create_sharing_tables,
                                     drop_sharing_levels)
from haven_kernel.rpc import rpc
from haven_kernel.service import HavenService
from haven_kernel.sharing import Sharing
from haven_kernel.testing import make_token, rpc_client, service_config


class NoteBase(DeclarativeBase):
    metadata = metadata()


class Note(NoteBase):
    __tablename__ = "notes"
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    org: Mapped[str] = mapped_column(sa.String(50))
    text: Mapped[str] = mapped_column(sa.String(200))


class Notebook(HavenService):
    name = "notebook"
    catalogue = Catalogue()

    @rpc(scope="notebook:write")
    def write_note(self, text):
        note = Note(id=str(uuid.uuid4()), org=self.db.caller.org, text=text)
        self.db.session.add(note)
        return {"note_id": note.id}

    @rpc(scope="notebook:read")
    def read_note(self, note_id):
        note = self._note(note_id)
        return {"note_id": note.id, "org": note.org, "text": note.text}

    @rpc(scope="notebook:write")
    def edit_note(self, note_id, text):
        self._note(note_id, write=True).text = text
        return {"note_id": note_id}

    @rpc(scope="notebook:read")
    def find_notes(self):
        sharing = Sharing(self.db, "note")
        notes = self.db.session.execute(sa.select(Note).where(sharing.visible(Note.org)).order_by(Note.text)).scalars()
        notes = list(notes)
        sharing.reached((n.org, n.id) for n in notes)
        return [n.text for n in notes]

    @rpc(scope="notebook:read")
    def count_notes(self):  # an aggregate: open to every reader
        return self.db.session.execute(sa.select(sa.func.count()).select_from(Note)).scalar_one()

    @rpc(scope="notebook:write")
    def edit_notes(self, text):  # a change of every note the caller may change
        sharing = Sharing(self.db, "note")
        notes = list(self.db.session.execute(sa.select(Note).where(sharing.visible(Note.org, write=True))).scalars())
        for note in notes:
            note.text = text
        return len(notes)

    def _note(self, note_id, write=False):
        note = self.db.session.get(Note, note_id)
        if note is None:
            raise NotFound(f"note {note_id} does not exist")
        Sharing(self.db, "note").require(note.org, note.id, write=write)
        return note


def _operations(connection):
    return Operations(MigrationContext.configure(connection))


@pytest.fixture
def notebook(amqp_uri, database_url, start_service):
    url = database_url("haven_kernel", migrate=False)
    engine = sa.create_engine(url)
    NoteBase.metadata.create_all(engine)
    with engine.begin() as connection:
        create_kernel_tables(_operations(connection))  # what a new service's first revision does
    start_service(Notebook, service_config(amqp_uri, url))

    class World:
        def client(self, org, *scopes):
            return rpc_client(amqp_uri, make_token(*(scopes or ("notebook:read", "notebook:write")), org=org,
                                                   sub=f"{org.lower()}-tester"))

        def rows(self, model):
            with engine.connect() as connection:
                return connection.execute(sa.select(model.__table__)).all()

        def execute(self, statement):
            with engine.begin() as connection:
                connection.exec_driver_sql(statement)

    yield World()
    engine.dispose()


def test_another_organisation_neither_reads_finds_nor_edits_a_note_but_counts_it(notebook):
    with notebook.client("IOM") as iom:
        note = iom.notebook.write_note("IOM's note")["note_id"]
    with notebook.client("NRC") as nrc:
        nrc.notebook.write_note("NRC's note")
        with pytest.raises(NotFound):
            nrc.notebook.read_note(note)
        with pytest.raises(NotFound):
            nrc.notebook.edit_note(note, "changed by NRC")
        assert nrc.notebook.find_notes() == ["NRC's note"]
        assert nrc.notebook.count_notes() == 2
    with notebook.client("IOM") as iom:
        assert iom.notebook.read_note(note)["text"] == "IOM's note"


def test_the_owner_shares_and_revokes_and_each_is_logged(notebook):
    with notebook.client("IOM") as iom:
        note = iom.notebook.write_note("IOM's note")["note_id"]
        granted = iom.notebook.grant_sharing("NRC", "joint registration at Guara Guara", access="write")
        assert (granted["owner_org"], granted["partner_org"], granted["access"], granted["status"]) == \
            ("IOM", "NRC", "write", "granted")
        again = iom.notebook.grant_sharing("NRC", access="write")  # again: unchanged, not logged
        assert (again["granted_at"], again["note"]) == (granted["granted_at"], "joint registration at Guara Guara")
    with notebook.client("NRC") as nrc:
        assert nrc.notebook.read_note(note)["text"] == "IOM's note"
        nrc.notebook.edit_note(note, "edited by NRC")
        assert nrc.notebook.find_notes() == ["edited by NRC"]
        listed = nrc.notebook.list_sharing()
        assert [a["owner_org"] for a in listed["received"]] == ["IOM"] and listed["granted"] == []
        with pytest.raises(NotFound):
            nrc.notebook.revoke_sharing("IOM")  # NRC granted nothing: it cannot end IOM's agreement
    with notebook.client("UNHCR") as unhcr:
        with pytest.raises(NotFound):
            unhcr.notebook.read_note(note)  # shared with NRC only
    with notebook.client("IOM") as iom:
        assert iom.notebook.revoke_sharing("NRC")["status"] == "revoked"
        assert [e["action"] for e in iom.notebook.list_sharing()["log"]] == ["revoked", "granted"]
    with notebook.client("NRC") as nrc:
        with pytest.raises(NotFound):
            nrc.notebook.read_note(note)
        assert nrc.notebook.find_notes() == []
    assert notebook.rows(SharingAgreement) == []
    log = notebook.rows(SharingLogEntry)
    assert [(e.action, e.owner_org, e.partner_org, e.access, e.by_sub) for e in log] == [
        ("granted", "IOM", "NRC", "write", "iom-tester"), ("revoked", "IOM", "NRC", None, "iom-tester")]


def test_a_read_agreement_lets_the_partner_read_not_change(notebook):
    with notebook.client("IOM") as iom:
        note = iom.notebook.write_note("IOM's note")["note_id"]
        assert iom.notebook.grant_sharing("NRC")["access"] == "read"  # the default: reading only
    with notebook.client("NRC") as nrc:
        assert nrc.notebook.read_note(note)["text"] == "IOM's note"
        assert nrc.notebook.find_notes() == ["IOM's note"]
        with pytest.raises(Forbidden, match="for reading only"):
            nrc.notebook.edit_note(note, "edited by NRC")
        assert nrc.notebook.edit_notes("all edited by NRC") == 0
    with notebook.client("UNHCR") as unhcr:
        with pytest.raises(NotFound):  # not shared with UNHCR at all: it does not exist for it
            unhcr.notebook.edit_note(note, "edited by UNHCR")
    with notebook.client("IOM") as iom:
        assert iom.notebook.read_note(note)["text"] == "IOM's note"
        assert iom.notebook.grant_sharing("NRC", access="write")["access"] == "write"  # raised: logged
    with notebook.client("NRC") as nrc:
        nrc.notebook.edit_note(note, "edited by NRC")
        assert nrc.notebook.edit_notes("all edited by NRC") == 1
    with notebook.client("IOM") as iom:
        assert iom.notebook.grant_sharing("NRC", access="read")["access"] == "read"  # lowered again: logged
        assert [(e["action"], e["access"]) for e in iom.notebook.list_sharing()["log"]] == [
            ("granted", "read"), ("granted", "write"), ("granted", "read")]
    with notebook.client("NRC") as nrc:
        with pytest.raises(Forbidden):
            nrc.notebook.edit_note(note, "edited by NRC again")
        assert nrc.notebook.read_note(note)["text"] == "all edited by NRC"
    with notebook.client("NRC", "notebook:read", "notebook:write", "notebook:lead") as lead:
        lead.notebook.edit_note(note, "edited by the lead")  # read agreement, lead scope: the lead's change, audited
    assert [(a.method, a.record_id) for a in notebook.rows(AccessAudit)] == [("edit_note", note)]


def test_grants_are_checked(notebook):
    with notebook.client("IOM") as iom:
        for partner in ("IOM", "", None, "x" * 51, "NRC\u202e"):
            with pytest.raises(ValidationError):
                iom.notebook.grant_sharing(partner)
        for access in ("admin", "READ", "", None, 1):
            with pytest.raises(ValidationError) as error:
                iom.notebook.grant_sharing("NRC", access=access)
            assert "access" in error.value.errors
        with pytest.raises(NotFound):
            iom.notebook.revoke_sharing("NRC")
    assert notebook.rows(SharingLogEntry) == []


def test_the_lead_scope_reaches_every_note_and_each_use_is_audited(notebook):
    with notebook.client("IOM") as iom:
        note = iom.notebook.write_note("IOM's note")["note_id"]
    with notebook.client("NRC", "notebook:read", "notebook:write", "notebook:lead") as lead:
        own = lead.notebook.write_note("NRC's note")["note_id"]
        assert lead.notebook.read_note(note)["text"] == "IOM's note"
        lead.notebook.read_note(own)  # its own: not a use of the lead scope
        assert lead.notebook.find_notes() == ["IOM's note", "NRC's note"]
    audit = notebook.rows(AccessAudit)
    assert [(a.org, a.sub, a.scope, a.method, a.record_kind, a.record_id, a.owner_org) for a in audit] == [
        ("NRC", "nrc-tester", "notebook:lead", "read_note", "note", note, "IOM"),
        ("NRC", "nrc-tester", "notebook:lead", "find_notes", "note", note, "IOM")]
    assert all(a.correlation_id for a in audit)


def test_admin_alone_is_not_a_way_around_it(notebook):
    with notebook.client("IOM") as iom:
        note = iom.notebook.write_note("IOM's note")["note_id"]
    with notebook.client("NRC", "admin") as admin:
        with pytest.raises(NotFound):
            admin.notebook.read_note(note)
        assert admin.notebook.find_notes() == []
    assert notebook.rows(AccessAudit) == []


def test_the_log_and_the_audit_are_insert_only(notebook):
    with notebook.client("IOM") as iom:
        note = iom.notebook.write_note("IOM's note")["note_id"]
        iom.notebook.grant_sharing("NRC")
    with notebook.client("UNHCR", "notebook:read", "notebook:lead") as lead:
        lead.notebook.read_note(note)
    for table in ("sharing_log", "access_audit"):
        for statement in (f"UPDATE {table} SET org = 'X'" if table == "access_audit"
                          else f"UPDATE {table} SET owner_org = 'X'", f"DELETE FROM {table}"):
            with pytest.raises(sa.exc.DBAPIError, match="insert-only"):
                notebook.execute(statement)
    assert len(notebook.rows(SharingLogEntry)) == 1 and len(notebook.rows(AccessAudit)) == 1


def test_the_migration_helper_brings_an_older_database_to_the_sharing_tables(database_url):
    url = database_url("haven_kernel", migrate=False)
    engine = sa.create_engine(url)
    try:
        older = [t for t in KernelBase.metadata.sorted_tables
                 if t.name not in ("sharing_agreements", "sharing_log", "access_audit")]
        KernelBase.metadata.create_all(engine, tables=older)  # the kernel tables as they were before sharing
        for _ in range(2):  # and once more: nothing to do
            with engine.begin() as connection:
                create_sharing_tables(_operations(connection))
        names = set(sa.inspect(engine).get_table_names())
        assert {"sharing_agreements", "sharing_log", "access_audit"} <= names
        with engine.begin() as connection:
            connection.execute(sa.insert(SharingLogEntry.__table__).values(
                action="granted", owner_org="IOM", partner_org="NRC", by_sub="t", at=sa.func.now()))
        with pytest.raises(sa.exc.DBAPIError, match="insert-only"), engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM sharing_log")
    finally:
        engine.dispose()


def test_the_migration_helper_gives_older_agreements_their_level(database_url):
    url = database_url("haven_kernel", migrate=False)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            create_kernel_tables(_operations(connection))
            drop_sharing_levels(_operations(connection))  # the tables as they were before levels
            connection.exec_driver_sql(
                "INSERT INTO sharing_agreements (owner_org, partner_org, granted_at, granted_by) "
                "VALUES ('IOM', 'NRC', now(), 'iom-officer')")
        for _ in range(2):  # and once more: nothing to do
            with engine.begin() as connection:
                add_sharing_levels(_operations(connection))
        with engine.connect() as connection:
            assert connection.execute(sa.select(SharingAgreement.access)).scalars().all() == ["write"], \
                "an agreement from before levels let the partner change the records: it still does"
        with pytest.raises(sa.exc.DBAPIError, match="insert-only"), engine.begin() as connection:
            connection.execute(sa.insert(SharingLogEntry.__table__).values(
                action="granted", owner_org="IOM", partner_org="NRC", access="read", by_sub="t", at=sa.func.now()))
            connection.exec_driver_sql("UPDATE sharing_log SET access = 'write'")
    finally:
        engine.dispose()
