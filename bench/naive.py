"""Baseline 3, the naive single hop: what a first nameko + SQLAlchemy service pair would do, with none of Haven's
guarantees. ``naive_a.create`` inserts one row, commits, then dispatches one event (nameko's EventDispatcher: the
event is lost if the process dies between the commit and the dispatch); ``naive_b`` upserts one row per event (no
inbox: a redelivered event is applied again). Run by the bench as two ``nameko run`` processes."""
import os

from nameko.events import EventDispatcher, event_handler
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert

metadata = MetaData()
things = Table("things", metadata, Column("id", String(36), primary_key=True), Column("payload", String(300)))
copies = Table("copies", metadata, Column("id", String(36), primary_key=True), Column("payload", String(300)),
               Column("seen", Integer, nullable=False, server_default="1"))


class Engine(DependencyProvider):
    def __init__(self, env_key):
        self.env_key = env_key

    def setup(self):
        from psycogreen.eventlet import patch_psycopg
        patch_psycopg()
        self.engine = create_engine(os.environ[self.env_key], pool_size=10, max_overflow=10)

    def stop(self):
        self.engine.dispose()

    def get_dependency(self, worker_ctx):
        return self.engine


class NaiveA:
    name = "naive_a"
    engine = Engine("NAIVE_A_DATABASE_URL")
    dispatch = EventDispatcher()

    @rpc
    def ping(self, payload):
        """No database, no event: the floor of a nameko RPC round trip on this machine (for reading the others)."""
        return payload

    @rpc
    def create(self, thing_id, payload):
        with self.engine.begin() as connection:
            connection.execute(insert(things).values(id=thing_id, payload=payload))
        self.dispatch("thing_created", {"id": thing_id, "payload": payload})
        return thing_id


class NaiveB:
    name = "naive_b"
    engine = Engine("NAIVE_B_DATABASE_URL")

    @event_handler("naive_a", "thing_created")
    def on_thing_created(self, data):
        statement = pg_insert(copies).values(id=data["id"], payload=data["payload"])
        statement = statement.on_conflict_do_update(index_elements=["id"],
                                                    set_={"payload": statement.excluded.payload,
                                                          "seen": copies.c.seen + 1})
        with self.engine.begin() as connection:
            connection.execute(statement)
