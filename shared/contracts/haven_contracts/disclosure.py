"""Small-cell suppression (docs/domain.md §8): in a table broken down by site or area, a count of people with a
specific need, a protection count or a health count from 1 to ``threshold - 1`` is published as ``"<threshold"``;
zero stays 0. The threshold is configuration (``SMALL_CELL_THRESHOLD``, default 5; 0 or 1 turns it off).

One function for every service that publishes such counts (reporting's sitrep now; health and protection
reporting next), so "<5" means the same everywhere::

    threshold = threshold_from_config(config)          # in a service's settings
    suppress(3, threshold)                             # "<5"
    suppress_counts({"SV": 3, "DS": 7}, threshold)     # {"SV": "<5", "DS": 7}

A suppressed cell can be recovered from a total and the other cells: publish totals computed over exact counts only
where the table is not broken down (response-wide), as the sitrep does.
"""

CONFIG_KEY = "SMALL_CELL_THRESHOLD"
DEFAULT_THRESHOLD = 5


def suppress(count, threshold=DEFAULT_THRESHOLD):
    """``count``, or ``"<threshold"`` when it is from 1 to ``threshold - 1`` (a threshold of 0 or 1: never)."""
    if threshold and threshold > 1 and 0 < count < threshold:
        return f"<{threshold}"
    return count


def suppress_counts(counts, threshold=DEFAULT_THRESHOLD):
    """``{key: count}`` with each count suppressed (:func:`suppress`), in the same order."""
    return {key: suppress(count, threshold) for key, count in counts.items()}


def threshold_from_config(config):
    """``SMALL_CELL_THRESHOLD`` from a nameko ``config`` (default 5); anything but a whole number from 0 raises
    ValueError, so a service with a wrong threshold does not start."""
    raw = (config or {}).get(CONFIG_KEY, DEFAULT_THRESHOLD)
    if raw is None or raw == "":
        return DEFAULT_THRESHOLD
    if isinstance(raw, bool):
        raise ValueError(f"{CONFIG_KEY} must be a whole number, got {raw!r}")
    try:
        threshold = int(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{CONFIG_KEY} must be a whole number, got {raw!r}") from None
    if threshold < 0 or (isinstance(raw, float) and raw != threshold):
        raise ValueError(f"{CONFIG_KEY} must be a whole number from 0, got {raw!r}")
    return threshold
