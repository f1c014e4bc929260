"""Dates in running text (notification titles, emails, timelines), written as the pages write
them: the active locale's short format, which for bokmål is 2.1.2027 (config/formats/nb)."""

import datetime

from django.utils import formats, timezone


def short_date(value: datetime.date | datetime.datetime) -> str:
    """2.1.2027. An aware datetime is first turned into local time."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def short_datetime(value: datetime.datetime) -> str:
    """2.1.2027 14:30, in local time."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "SHORT_DATETIME_FORMAT")
