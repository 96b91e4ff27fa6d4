"""Haven protection service: confidential protection case management (cases, referrals, transfers, consent, an
insert-only access log, encryption at rest) and follow-up of the needs registration finds."""
