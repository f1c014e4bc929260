"""Shares for the statistics pages."""


def percent(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole`` to one decimal; None when ``whole`` is zero."""
    return round(100 * part / whole, 1) if whole else None


def share_of(part: str, whole: str) -> property:
    """A property: the percentage the attribute ``part`` is of the attribute ``whole``."""
    return property(lambda self: percent(getattr(self, part), getattr(self, whole)))
