"""Working-day arithmetic for legal deadlines: Sundays and the twelve public holidays never
count; Saturdays count only in the Saturday mode (the default setting)."""

from datetime import date

import pytest

from pathways.workdays import add_working_days, is_working_day, working_days_between

WITH_SAT = {"saturday_counts": True}
WITHOUT_SAT = {"saturday_counts": False}


def test_the_start_day_is_day_zero():
    assert add_working_days(date(2026, 3, 3), 0) == date(2026, 3, 3)
    assert add_working_days(date(2026, 3, 3), 1, **WITHOUT_SAT) == date(2026, 3, 4)


@pytest.mark.parametrize(
    ("start", "n", "mode", "expected"),
    [
        # Easter 2026: skjærtorsdag 2 April, langfredag 3 April, 2. påskedag 6 April.
        (date(2026, 4, 1), 1, WITHOUT_SAT, date(2026, 4, 7)),
        (date(2026, 4, 1), 1, WITH_SAT, date(2026, 4, 4)),
        (date(2026, 3, 27), 10, WITHOUT_SAT, date(2026, 4, 15)),
        (date(2026, 3, 27), 10, WITH_SAT, date(2026, 4, 11)),
        # Easter 2027: 25, 26 and 29 March.
        (date(2027, 3, 24), 1, WITHOUT_SAT, date(2027, 3, 30)),
        (date(2027, 3, 24), 1, WITH_SAT, date(2027, 3, 27)),
        (date(2027, 3, 19), 10, WITHOUT_SAT, date(2027, 4, 7)),
        # Kristi himmelfartsdag, Thursday 14 May 2026.
        (date(2026, 5, 13), 1, WITHOUT_SAT, date(2026, 5, 15)),
        (date(2026, 5, 13), 2, WITH_SAT, date(2026, 5, 16)),
        # Pinse 2026: 1. pinsedag Sunday 24 May, 2. pinsedag Monday 25 May.
        (date(2026, 5, 22), 1, WITHOUT_SAT, date(2026, 5, 26)),
        (date(2026, 5, 22), 1, WITH_SAT, date(2026, 5, 23)),
        # 17 May 2026 is a Sunday: skipped once, nothing else moves.
        (date(2026, 5, 16), 1, WITHOUT_SAT, date(2026, 5, 18)),
        (date(2026, 5, 16), 1, WITH_SAT, date(2026, 5, 18)),
        # 17 May 2027 is also 2. pinsedag (Monday).
        (date(2027, 5, 14), 1, WITHOUT_SAT, date(2027, 5, 18)),
        (date(2027, 5, 14), 1, WITH_SAT, date(2027, 5, 15)),
        # Christmas and New Year across the year boundary (24 and 31 Dec are working days).
        (date(2026, 12, 23), 3, WITHOUT_SAT, date(2026, 12, 29)),
        (date(2026, 12, 23), 10, WITHOUT_SAT, date(2027, 1, 8)),
        (date(2026, 12, 23), 10, WITH_SAT, date(2027, 1, 7)),
        (date(2027, 12, 23), 10, WITHOUT_SAT, date(2028, 1, 6)),  # 1 Jan 2028 is a Saturday
        (date(2027, 12, 23), 10, WITH_SAT, date(2028, 1, 6)),
    ],
)
def test_add_working_days_skips_sundays_and_holidays(start, n, mode, expected):
    assert add_working_days(start, n, **mode) == expected


@pytest.mark.parametrize(
    "holiday",
    [
        date(2026, 1, 1),
        date(2026, 4, 2),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 1),
        date(2026, 5, 14),
        date(2026, 5, 25),
        date(2026, 12, 25),
        date(2026, 12, 26),  # a Saturday, still a holiday in the Saturday mode
        date(2027, 5, 1),  # a Saturday
    ],
)
def test_public_holidays_never_count_in_either_mode(holiday):
    assert not is_working_day(holiday, **WITH_SAT)
    assert not is_working_day(holiday, **WITHOUT_SAT)


def test_sundays_never_count_and_ordinary_saturdays_follow_the_mode():
    assert not is_working_day(date(2026, 3, 8), **WITH_SAT)
    assert is_working_day(date(2026, 3, 7), **WITH_SAT)
    assert not is_working_day(date(2026, 3, 7), **WITHOUT_SAT)


def test_the_setting_decides_when_the_mode_is_not_given(settings):
    settings.WORKING_DAYS_COUNT_SATURDAY = True
    assert add_working_days(date(2026, 4, 1), 1) == date(2026, 4, 4)
    settings.WORKING_DAYS_COUNT_SATURDAY = False
    assert add_working_days(date(2026, 4, 1), 1) == date(2026, 4, 7)


def test_counting_saturdays_gives_the_earlier_date():
    for start in (date(2026, 1, 5), date(2026, 3, 30), date(2026, 12, 21)):
        assert add_working_days(start, 10, **WITH_SAT) <= add_working_days(start, 10, **WITHOUT_SAT)


@pytest.mark.parametrize("mode", [WITH_SAT, WITHOUT_SAT])
def test_working_days_between_is_the_inverse_of_adding(mode):
    for start in (date(2026, 3, 27), date(2026, 5, 13), date(2026, 12, 23), date(2027, 3, 19)):
        for n in (1, 5, 10, 65):
            assert working_days_between(start, add_working_days(start, n, **mode), **mode) == n


def test_working_days_between_counts_backwards_as_negative():
    assert working_days_between(date(2026, 4, 15), date(2026, 3, 27), **WITHOUT_SAT) == -10
    assert working_days_between(date(2026, 4, 15), date(2026, 4, 15)) == 0


def test_adding_negative_days_counts_backwards():
    assert add_working_days(date(2026, 4, 7), -1, **WITHOUT_SAT) == date(2026, 4, 1)
