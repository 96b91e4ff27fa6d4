"""Haven's partner client (``pip install haven-client``: kombu alone). See README.md for a five-minute tutorial."""
from .client import HavenClient
from .errors import (Conflict, Forbidden, HavenError, InternalError, MethodNotFound, NotFound, RemoteError,
                     RpcTimeout, ServiceUnavailable, Unauthenticated, UnknownService, ValidationError, item_error)

__all__ = ["HavenClient", "HavenError", "ValidationError", "NotFound", "Conflict", "Unauthenticated", "Forbidden",
           "ServiceUnavailable", "InternalError", "RpcTimeout", "UnknownService", "MethodNotFound", "RemoteError",
           "item_error"]
