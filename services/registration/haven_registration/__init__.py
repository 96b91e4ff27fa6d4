"""Haven registration: households, their members, possible duplicates, and a replica of shelter's sites."""
