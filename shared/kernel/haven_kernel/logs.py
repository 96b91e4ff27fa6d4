"""Structured logs: one JSON object a line, with the correlation id, and nothing personal.

Exception messages from outside Haven (a database driver's, say) can quote the values that failed, so only their
type and stack frames are logged; Haven's own errors are written to be safe to log. A record's extra values under a
personal-data name (``personal_keys``, given by the service's logging config) are written as ``[redacted]``.

Noise kept out (:func:`quiet_expected_errors`, ``QUIET_WARNINGS``): a partner's mistake is not the service's
failure, so nameko's "(expected) error handling worker" warning with a stack trace becomes one INFO line naming the
method, the error type and, for a ``ValidationError``, the offending field names (never the values); and the
eventlet deprecation banner stays out of every process's output.
"""
import contextvars
import json
import logging
import traceback
from datetime import datetime, timezone

correlation_id_var = contextvars.ContextVar("haven_correlation_id", default=None)

# For the environment of ``nameko run`` (PYTHONWARNINGS): nameko's CLI imports eventlet before any Haven code runs,
# and eventlet 0.41 warns on import that it is deprecated (a multi-line banner on stderr, the service's log). The
# warning is attributed to the module that imports eventlet, nameko.cli.commands, which raises no other warning.
# (A message filter cannot be written there: PYTHONWARNINGS strips the banner's leading newline from the pattern.)
QUIET_WARNINGS = "ignore::Warning:nameko.cli.commands"

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


# -- a partner's mistakes, at INFO ----------------------------------------------------------------------------------
class ExpectedErrorFilter(logging.Filter):
    """On nameko's container logger: the record it writes when a worker raises (a WARNING with the stack for an RPC
    method's expected exceptions, an ERROR with the stack for an HTTP route's) is rewritten when the exception is a
    typed Haven error. A partner's mistake (ValidationError, NotFound, Conflict, Unauthenticated, Forbidden) becomes
    ``rpc refused`` or ``http refused`` at INFO; ServiceUnavailable (a dependency did not answer) a WARNING. Neither
    keeps the stack, and a ValidationError gives its field names only, never the values."""

    PREFIXES = ("(expected) error handling worker", "error handling worker")

    def filter(self, record):
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None or not isinstance(record.msg, str) or not record.msg.startswith(self.PREFIXES):
            return True
        from .errors import EXPECTED, ServiceUnavailable, ValidationError
        if not isinstance(exc, EXPECTED):
            return True
        worker = record.args[0] if record.args else None
        entrypoint = getattr(worker, "entrypoint", None)
        route = getattr(entrypoint, "route", None)  # the kernel's HTTP entrypoint knows its route
        extra = {"method": getattr(entrypoint, "method_name", None), "error_type": type(exc).__name__}
        if route:
            extra["route"] = route
        if isinstance(exc, ValidationError):
            extra["fields"] = sorted(exc.errors)
            said = "invalid input"
        else:
            said = str(exc)
        level = logging.WARNING if isinstance(exc, ServiceUnavailable) else logging.INFO
        if level < logging.getLogger(record.name).getEffectiveLevel():
            return False
        record.levelno, record.levelname = level, logging.getLevelName(level)
        record.msg = f"{'http' if route else 'rpc'} refused: {said}"
        record.args, record.exc_info, record.exc_text = (), None, None
        record.__dict__.update(extra)
        return True


def quiet_expected_errors(logger_name="nameko.containers"):
    """Install :class:`ExpectedErrorFilter` on nameko's container logger (once)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, ExpectedErrorFilter) for f in logger.filters):
        logger.addFilter(ExpectedErrorFilter())


# -- payloads never reach a log -------------------------------------------------------------------------------------
class PayloadFilter(logging.Filter):
    """On nameko's RPC and messaging loggers: drops their DEBUG records, which print whole request and reply bodies
    (``RPC reply event complete ... {'result': ...}``): a reply may hold a name or a narrative, and no payload is
    logged, whatever the level."""

    def filter(self, record):
        return record.levelno > logging.DEBUG


def quiet_payloads(logger_names=("nameko.rpc", "nameko.messaging")):
    """Install :class:`PayloadFilter` on nameko's RPC and messaging loggers (once)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, PayloadFilter) for f in logger.filters):
            logger.addFilter(PayloadFilter())
