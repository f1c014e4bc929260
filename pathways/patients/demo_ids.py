"""Synthetic national ids (month + 80) with valid check digits, for demo and tests."""

import datetime

_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _check(digits: str, weights) -> int | None:
    value = (11 - sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11) % 11
    return None if value == 10 else value


def synthetic_id(birth_date: datetime.date, serial: int = 0) -> str:
    """The first valid synthetic number for the date, counting from ``serial``."""
    year2 = birth_date.year % 100
    individuals = range(500, 1000) if birth_date.year >= 2000 else range(0, 500)
    base = f"{birth_date.day:02d}{birth_date.month + 80:02d}{year2:02d}"
    skipped = 0
    for individual in individuals:
        digits = f"{base}{individual:03d}"
        k1 = _check(digits, _W1)
        if k1 is None:
            continue
        k2 = _check(digits + str(k1), _W2)
        if k2 is None:
            continue
        if skipped < serial:
            skipped += 1
            continue
        return f"{digits}{k1}{k2}"
    raise ValueError("no synthetic number left for this date")
