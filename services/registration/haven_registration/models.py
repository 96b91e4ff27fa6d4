"""Registration's tables. Personal data (names, birth dates, phone numbers) lives here and nowhere else."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from haven_contracts.shelter import SITE_REPLICA
from haven_kernel.db import metadata
from haven_kernel.replica import replica_model


class Base(DeclarativeBase):
    metadata = metadata()


class Household(Base):
    __tablename__ = "households"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    registration_number: Mapped[str] = mapped_column(String(20), unique=True)
    site_id: Mapped[str] = mapped_column(String(36), index=True)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    size: Mapped[int] = mapped_column(Integer)
    origin_adm1: Mapped[str | None] = mapped_column(String(100))
    origin_adm2: Mapped[str | None] = mapped_column(String(100))
    displacement_date: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(40))
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    org: Mapped[str] = mapped_column(String(50))
    version: Mapped[int] = mapped_column(Integer, default=1)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    departure_reason: Mapped[str | None] = mapped_column(String(30))
    departure_date: Mapped[date | None] = mapped_column(Date)
    # Provenance of a household collected offline in the field (haven_kernel.fieldsync): when (published as the
    # events' collected_at), where (a point, site or P-code) and by which enumerator and device (identifiers, kept
    # here only).
    collected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    collected_place: Mapped[dict | None] = mapped_column(JSON)
    enumerator_id: Mapped[str | None] = mapped_column(String(100))
    device_id: Mapped[str | None] = mapped_column(String(100))

    members: Mapped[list["Member"]] = relationship(back_populates="household", order_by="Member.position",
                                                   cascade="all, delete-orphan")


class Member(Base):
    __tablename__ = "members"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    given_name: Mapped[str | None] = mapped_column(String(100))
    family_name: Mapped[str | None] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(210), default="", index=True)
    phonetic_key: Mapped[str] = mapped_column(String(100), default="", index=True)
    sex: Mapped[str] = mapped_column(String(10))
    date_of_birth: Mapped[date] = mapped_column(Date)
    date_of_birth_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    relationship_to_head: Mapped[str] = mapped_column("relationship", String(20))
    specific_needs: Mapped[list] = mapped_column(JSON, default=list)

    household: Mapped[Household] = relationship(back_populates="members")


class PossibleDuplicate(Base):
    """A link between two members who may be the same person. Never blocks, never deletes."""

    __tablename__ = "possible_duplicates"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[str] = mapped_column(String(36))
    other_household_id: Mapped[str] = mapped_column(String(36), index=True)
    other_member_id: Mapped[str] = mapped_column(String(36))
    score: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("member_id", "other_member_id", name="uq_possible_duplicates_pair"),)


class SiteNeedsCount(Base):
    """How many people at a site have a specific need, by group (members of its active households, one per code),
    and the version of that count: what ``site_needs_counted`` publishes (``needs.SiteNeeds``)."""

    __tablename__ = "site_needs"

    site_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    needs: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)


class SiteReplica(replica_model(SITE_REPLICA), Base):
    """Registration's copy of shelter's sites, kept from shelter's site events (``haven_kernel.replica``)."""

    __tablename__ = "sites"


Index("ix_members_household_position", Member.household_id, Member.position)
