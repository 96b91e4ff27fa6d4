"""Haven logistics service: what it owns, in one sentence (to write)."""
