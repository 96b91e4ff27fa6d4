"""Structured logs: one JSON object a line, with the correlation id, and nothing personal.

Exception messages from outside Haven (a database driver's, say) can quote the values that failed, so only their
type and stack frames are logged; Haven's own errors are written to be safe to log. A record's extra values under a
personal-data name (``personal_keys``, given by the service's logging config) are written as ``[redacted]``.
"""
import contextvars
import json
import logging
import traceback
from datetime import datetime, timezone

correlation_id_var = contextvars.ContextVar("haven_correlation_id", default=None)

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def set_correlation_id(value):
    correlation_id_var.set(value)


class JsonFormatter(logging.Formatter):
    """``personal_keys``: names of extra values never written (config.yml: ``personal_keys: ext://module.NAMES``)."""

    def __init__(self, personal_keys=(), **kwargs):
        super().__init__(**kwargs)
        self.personal_keys = frozenset(personal_keys)

    def format(self, record):
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[1] is not None:
            from .errors import HavenError
            exc = record.exc_info[1]
            text = str(exc)
            if not isinstance(exc, HavenError) and text and text in entry["message"]:
                entry["message"] = entry["message"].replace(text, f"<{type(exc).__name__}: message withheld>")
        correlation_id = getattr(record, "correlation_id", None) or correlation_id_var.get()
        if correlation_id:
            entry["correlation_id"] = correlation_id
        for key, value in vars(record).items():
            if key in _STANDARD or key.startswith("_") or key == "correlation_id":
                continue
            entry[key] = "[redacted]" if key in self.personal_keys else value
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            from .errors import HavenError
            entry["error_type"] = type(exc).__name__
            if isinstance(exc, HavenError):
                entry["error"] = str(exc)
            frames = traceback.extract_tb(record.exc_info[2])
            entry["stack"] = [f"{f.filename}:{f.lineno} {f.name}" for f in frames[-8:]]
        return json.dumps(entry, default=str)


def configure(level="INFO", personal_keys=()):
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(personal_keys))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
