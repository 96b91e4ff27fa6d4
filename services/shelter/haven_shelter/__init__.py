"""Haven shelter: sites, shelter units, allocation and waitlists, and CCCM minimum-standards indicators."""
