"""The gateway keeps no records of its own: its database holds only the kernel's outbox and inbox (every
HavenService has them; the gateway never writes to them)."""
from sqlalchemy.orm import DeclarativeBase

from haven_kernel.db import metadata


class Base(DeclarativeBase):
    metadata = metadata()
