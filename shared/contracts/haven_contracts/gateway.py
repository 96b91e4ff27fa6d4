"""The gateway service's events and the vocabulary they use: none yet.

Add an event as the other producers do (``registration.py``, ``shelter.py``): a marshmallow schema whose docstring
describes it (unknown fields refused: no names, birth dates, phone numbers or narratives), then an entry in
``EVENTS`` naming every service that consumes it, e.g.
``EventType(SOURCE, "stock_received", StockReceived, consumers=("reporting",))``; then ``make docs``.
"""
SOURCE = "gateway"

EVENTS = ()
