"""Time, the one way every service reads and writes it: aware datetimes in UTC.

SQLite hands back naive datetimes for ``DateTime(timezone=True)`` columns; :func:`aware` reads those as UTC, so a
value compares and prints the same on SQLite and PostgreSQL.
"""
from datetime import date, datetime, timezone


def utcnow():
    """Now, as an aware datetime in UTC."""
    return datetime.now(timezone.utc)


def aware(moment):
    """``moment`` with a time zone: a naive datetime is taken to be UTC; None stays None."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def iso(value):
    """ISO 8601 text of a datetime (in UTC, naive ones read as UTC) or a date; None stays None."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return aware(value).astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"iso() takes a datetime or a date, not {type(value).__name__}")
