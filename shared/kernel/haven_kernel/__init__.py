"""Haven platform kernel: what every Haven service stands on.

It names no service and holds no event type: each service names its catalogue (``HavenService.catalogue``), built
from ``EventType`` entries (Haven's are in the contracts package).

- :mod:`.events` — the event envelope, ``EventType`` and ``Catalogue`` (the mechanism), queue names;
- :mod:`.context` — who a worker works for, and the ``EventContext`` an emitted event carries;
- :mod:`.db` — tables (outbox, inbox), engines, the unit of work (``self.db``), the ``Database`` provider;
- :mod:`.messaging` — topology, the outbox relay, event handlers with retries and dead letters, batching;
- :mod:`.rpc` — the partner-facing RPC entrypoint (tokens, scopes, typed errors) and service-to-service calls;
- :mod:`.service` — ``HavenService``: ``self.db``, the relay, ``apply_events``, health and metrics endpoints;
- :mod:`.clock`, :mod:`.dialect`, :mod:`.validation` — time in UTC, PostgreSQL/SQLite differences, input checks;
- :mod:`.auth`, :mod:`.errors`, :mod:`.logs`, :mod:`.metrics`, :mod:`.migrations`, :mod:`.cli`;
- :mod:`.testing` — the pytest plugin and test helpers.
"""
__version__ = "0.1.0"

import warnings

# eventlet 0.41 warns on every import that it is in maintenance mode; nameko 2.14 needs it, so say it once here.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated", category=Warning)
