"""Haven gateway service: what it owns, in one sentence (to write)."""
