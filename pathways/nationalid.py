"""Norwegian national identity numbers (DOMAIN.md rule 10).

Accepts fødselsnummer, D-nummer (day + 40) and H-nummer (month + 40); synthetic test
numbers (month + 80) only when ALLOW_SYNTHETIC_IDS is on. Sex is never derived.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


@dataclass(frozen=True)
class NationalId:
    number: str
    kind: str  # "fnr", "dnr", "hnr" or "synthetic"
    birth_date: datetime.date


def _check_digit(digits, weights) -> int | None:
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11
    check = (11 - remainder) % 11
    return None if check == 10 else check


def _century(year2: int, individual: int) -> int | None:
    if individual <= 499:
        return 1900
    if individual <= 749 and year2 >= 54:
        return 1800
    if individual >= 900 and year2 >= 40:
        return 1900
    if individual >= 500 and year2 <= 39:
        return 2000
    return None


def parse(raw: str, *, allow_synthetic: bool | None = None) -> NationalId:
    """Validate and normalise a number; raise ValidationError with a Norwegian message."""
    if allow_synthetic is None:
        allow_synthetic = settings.ALLOW_SYNTHETIC_IDS
    number = "".join(raw.split())
    if not number.isdigit():
        raise ValidationError(_("A national id has digits only."), code="digits")
    if len(number) != 11:
        raise ValidationError(_("A national id has exactly 11 digits."), code="length")
    if _check_digit(number[:9], _W1) != int(number[9]) or _check_digit(number[:10], _W2) != int(
        number[10]
    ):
        raise ValidationError(
            _("The check digits do not match. Check the number for typing errors."), code="check"
        )
    day, month, year2 = int(number[0:2]), int(number[2:4]), int(number[4:6])
    kind = "fnr"
    if day > 40:
        kind, day = "dnr", day - 40
    if month > 80:
        if not allow_synthetic:
            raise ValidationError(
                _("Synthetic test numbers are not allowed here."), code="synthetic"
            )
        kind, month = "synthetic", month - 80
    elif month > 40:
        kind, month = "hnr", month - 40
    century = _century(year2, int(number[6:9]))
    try:
        if century is None:
            raise ValueError
        birth_date = datetime.date(century + year2, month, day)
    except ValueError:
        raise ValidationError(
            _("The number does not contain a valid date of birth."), code="date"
        ) from None
    return NationalId(number=number, kind=kind, birth_date=birth_date)


def mask(number: str) -> str:
    """Show only the last five digits."""
    return "•" * 6 + number[-5:] if number else ""
