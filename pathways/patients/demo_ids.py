"""Synthetic national ids (month + 80) with valid check digits, for demo and tests."""

import datetime
from array import array
from functools import cache

_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def _base(birth_date: datetime.date) -> str:
    return f"{birth_date.day:02d}{birth_date.month + 80:02d}{birth_date.year % 100:02d}"


@cache
def _valid_tails(birth_date: datetime.date) -> array:
    """The last five digits (individual number and both check digits) of every valid number
    for the date, in order. Kept per date: the load data asks for hundreds of thousands of
    numbers over about 20,000 dates, and the check digits are summed from the date's part
    once instead of digit by digit for every candidate."""
    base = [int(d) for d in _base(birth_date)]
    s1 = sum(d * w for d, w in zip(base, _W1, strict=False))
    s2 = sum(d * w for d, w in zip(base, _W2, strict=False))
    w1a, w1b, w1c = _W1[6:9]
    w2a, w2b, w2c, w2k = _W2[6:10]
    individuals = range(500, 1000) if birth_date.year >= 2000 else range(0, 500)
    tails = array("I")
    for individual in individuals:
        a, b, c = individual // 100, individual // 10 % 10, individual % 10
        k1 = (11 - (s1 + a * w1a + b * w1b + c * w1c) % 11) % 11
        if k1 == 10:
            continue
        k2 = (11 - (s2 + a * w2a + b * w2b + c * w2c + k1 * w2k) % 11) % 11
        if k2 == 10:
            continue
        tails.append(individual * 100 + k1 * 10 + k2)
    return tails


def synthetic_id(birth_date: datetime.date, serial: int = 0) -> str:
    """The first valid synthetic number for the date, counting from ``serial``."""
    tails = _valid_tails(birth_date)
    if serial >= len(tails):
        raise ValueError("no synthetic number left for this date")
    return f"{_base(birth_date)}{tails[serial]:05d}"
