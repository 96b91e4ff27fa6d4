"""Reporting's tables for protection's aggregate view (haven_reporting/protection.py): one compact row per case,
referral and follow-up, holding only what protection's events carry (ids, types, codes, risk, status, place,
version; no names, narratives or organisations). A GBV case's row has no site, as its events have none."""
from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base


class ProtectionCase(Base):
    __tablename__ = "protection_cases"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_type: Mapped[str] = mapped_column(String(30))
    risk: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    site_id: Mapped[str | None] = mapped_column(String(36))
    adm1: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)


class ProtectionReferral(Base):
    __tablename__ = "protection_referrals"

    referral_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_type: Mapped[str] = mapped_column(String(30))
    service_type: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    consent_override: Mapped[bool] = mapped_column(Boolean)
    version: Mapped[int] = mapped_column(Integer)


class ProtectionFollowUp(Base):
    __tablename__ = "protection_follow_ups"

    follow_up_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    need: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    site_id: Mapped[str | None] = mapped_column(String(36))
    adm1: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
