"""Dates in running text (notification titles, emails, timelines), written as the pages write
them: the active locale's short format, which for bokmål is 2.1.2027 (config/formats/nb); and
``DateRules``, the one way services check the dates users enter (docs/date-rules.md)."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _


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


# --- date rules -----------------------------------------------------------------------------
# Services check the dates users enter through ``DateRules`` so that every path (form, demo,
# API) obeys the same rules and each message lands beside its own field. The rules, field by
# field, are listed in docs/date-rules.md.

# A clock a few minutes ahead of the server's is no reason to refuse "now".
CLOCK_SKEW = datetime.timedelta(minutes=5)
# Older than this is a typing error, not a patient.
OLDEST_AGE_YEARS = 125


def _day(value: datetime.date | datetime.datetime) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def _comparable(value, other):
    """``value`` and ``other`` as the same kind: whole days when either is a plain date."""
    if isinstance(value, datetime.datetime) and isinstance(other, datetime.datetime):
        return value, other
    return _day(value), _day(other)


class DateRules:
    """The date-rule breaches of one save. Each check names the field it stands beside;
    ``check()`` raises them all at once (a ``ValidationError`` keyed by field), so the user sees
    every wrong date in one go. Empty values pass: whether a date is required is the form's and
    the model's business."""

    def __init__(self):
        self.errors: dict[str, str] = {}

    def fail(self, field: str, message: str) -> None:
        # The first rule a field breaks is the one worth telling.
        self.errors.setdefault(field, message)

    def not_future(self, field: str, value, message: str | None = None) -> "DateRules":
        if value is None:
            return self
        if isinstance(value, datetime.datetime):
            late = value > timezone.now() + CLOCK_SKEW
        else:
            late = value > timezone.localdate()
        if late:
            self.fail(field, message or _("The date cannot be in the future."))
        return self

    def not_past(self, field: str, value, message: str | None = None) -> "DateRules":
        if value is None:
            return self
        if isinstance(value, datetime.datetime):
            early = value < timezone.now() - CLOCK_SKEW
        else:
            early = value < timezone.localdate()
        if early:
            self.fail(field, message or _("The date cannot be in the past."))
        return self

    def not_before(self, field: str, value, earliest, message: str) -> "DateRules":
        """``value`` on or after ``earliest`` (``message`` may use %(date)s for it)."""
        if value is None or earliest is None:
            return self
        first, limit = _comparable(value, earliest)
        if first < limit:
            self.fail(field, message % {"date": short_date(earliest)})
        return self

    def after(self, field: str, value, earliest, message: str) -> "DateRules":
        """``value`` strictly after ``earliest`` (``message`` may use %(date)s for it)."""
        if value is None or earliest is None:
            return self
        first, limit = _comparable(value, earliest)
        if first <= limit:
            self.fail(field, message % {"date": short_date(earliest)})
        return self

    def birth_date(self, field: str, value) -> "DateRules":
        """A date of birth: not in the future, not absurdly long ago."""
        if value is None:
            return self
        self.not_future(field, value, _("The date of birth cannot be in the future."))
        today = timezone.localdate()
        try:
            oldest = today.replace(year=today.year - OLDEST_AGE_YEARS)
        except ValueError:  # 29 February
            oldest = today.replace(year=today.year - OLDEST_AGE_YEARS, day=28)
        if value < oldest:
            self.fail(
                field,
                _("The date of birth is more than %(years)d years ago. Check the year.")
                % {"years": OLDEST_AGE_YEARS},
            )
        return self

    def check(self) -> None:
        if self.errors:
            raise ValidationError(dict(self.errors))
