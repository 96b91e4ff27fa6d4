"""Haven platform kernel: what every Haven service stands on.

- :mod:`.events` and :mod:`.catalogue` — the event envelope and the catalogue of every event type;
- :mod:`.db` — the database provider, the unit of work, the outbox and inbox tables;
- :mod:`.messaging` — the outbox relay and the event handler with retries and dead letters;
- :mod:`.rpc` — the partner-facing RPC entrypoint (tokens, scopes, typed errors) and service-to-service calls;
- :mod:`.service` — ``HavenService``: health and metrics endpoints;
- :mod:`.auth`, :mod:`.errors`, :mod:`.validation`, :mod:`.logs`, :mod:`.metrics`, :mod:`.migrations`, :mod:`.cli`.
"""
__version__ = "0.1.0"

import warnings

# eventlet 0.41 warns on every import that it is in maintenance mode; nameko 2.14 needs it, so say it once here.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated", category=Warning)
