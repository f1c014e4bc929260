"""Working days (virkedager) for legal deadlines.

Sundays and the twelve Norwegian public holidays never count. Whether Saturday counts is not
settled for the assessment deadline, so it is a setting (``WORKING_DAYS_COUNT_SATURDAY``,
default true: the earlier and safer date); callers may pass ``saturday_counts`` explicitly.
"""

import datetime
from functools import lru_cache

import holidays
from django.conf import settings

SATURDAY = 5
SUNDAY = 6


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[datetime.date]:
    # include_sundays=False: the package would otherwise list every Sunday as a holiday.
    return frozenset(holidays.Norway(years=year, include_sundays=False))


def is_public_holiday(day: datetime.date) -> bool:
    return day in _holidays(day.year)


def _saturday_counts(saturday_counts: bool | None) -> bool:
    if saturday_counts is None:
        return bool(settings.WORKING_DAYS_COUNT_SATURDAY)
    return saturday_counts


def is_working_day(day: datetime.date, *, saturday_counts: bool | None = None) -> bool:
    weekday = day.weekday()
    if weekday == SUNDAY:
        return False
    if weekday == SATURDAY and not _saturday_counts(saturday_counts):
        return False
    return not is_public_holiday(day)


def add_working_days(
    start: datetime.date, n: int, *, saturday_counts: bool | None = None
) -> datetime.date:
    """The n-th working day after ``start`` (day 0); a negative n counts backwards."""
    counts = _saturday_counts(saturday_counts)
    step = datetime.timedelta(days=1 if n >= 0 else -1)
    day = start
    remaining = abs(n)
    while remaining:
        day += step
        if is_working_day(day, saturday_counts=counts):
            remaining -= 1
    return day


def working_days_between(
    a: datetime.date, b: datetime.date, *, saturday_counts: bool | None = None
) -> int:
    """Working days after ``a`` up to and including ``b``; negative when ``b`` is earlier.

    The inverse of ``add_working_days``: ``working_days_between(d, add_working_days(d, n)) == n``.
    """
    if b == a:
        return 0
    counts = _saturday_counts(saturday_counts)
    sign = 1
    if b < a:
        a, b, sign = b, a, -1
    total = 0
    day = a
    one = datetime.timedelta(days=1)
    while day < b:
        day += one
        if is_working_day(day, saturday_counts=counts):
            total += 1
    return sign * total
