"""Small statistics for the bench: percentiles and median/min/max summaries."""
import math
import statistics


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = max(1, min(len(ordered), math.ceil(p / 100.0 * len(ordered))))
    return ordered[rank - 1]


def summary(values, unit, **extra):
    """Median, min and max of ``values``; a ``target`` such as ``"<= 1.5"`` among ``extra`` also gives ``met``."""
    values = [v for v in values if v is not None]
    result = {"median": statistics.median(values), "min": min(values), "max": max(values), "unit": unit,
              "reps": [round(v, 4) for v in values]}
    result.update(extra)
    if "target" in extra and "met" not in extra:
        op, limit = extra["target"].split()
        result["met"] = result["median"] <= float(limit) if op == "<=" else result["median"] >= float(limit)
    return result


def fmt(value):
    """A figure for the table: thousands separated above 100, one decimal above 10, two below."""
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"
