import datetime

import pytest
from django.core.exceptions import ValidationError

from pathways import nationalid
from pathways.patients.demo_ids import synthetic_id

# Published test fødselsnummer with valid check digits.
VALID_FNR = "01010750160"


@pytest.mark.parametrize(
    ("raw", "kind", "birth"),
    [
        (VALID_FNR, "fnr", datetime.date(2007, 1, 1)),
        (" 010107 50160 ", "fnr", datetime.date(2007, 1, 1)),
    ],
)
def test_it_accepts_valid_numbers(raw, kind, birth):
    parsed = nationalid.parse(raw, allow_synthetic=False)
    assert parsed.kind == kind
    assert parsed.birth_date == birth
    assert parsed.number == VALID_FNR


def _with_checks(date6: str, individual: int = 123) -> str:
    """The first number with valid check digits for a date part, from ``individual`` up."""
    for serial in range(individual, 500):
        first9 = f"{date6}{serial:03d}"
        k1 = nationalid._check_digit(first9, nationalid._W1)
        k2 = None if k1 is None else nationalid._check_digit(first9 + str(k1), nationalid._W2)
        if k2 is not None:
            return f"{first9}{k1}{k2}"
    raise AssertionError("no valid number")


def test_it_accepts_d_numbers():
    number = _with_checks("410185")  # day 1 + 40
    parsed = nationalid.parse(number, allow_synthetic=False)
    assert parsed.kind == "dnr"
    assert parsed.birth_date == datetime.date(1985, 1, 1)


def test_it_accepts_h_numbers():
    number = _with_checks("154585")  # month 5 + 40
    parsed = nationalid.parse(number, allow_synthetic=False)
    assert parsed.kind == "hnr"
    assert parsed.birth_date == datetime.date(1985, 5, 15)


def test_synthetic_numbers_depend_on_the_setting():
    number = synthetic_id(datetime.date(1990, 3, 4))
    assert nationalid.parse(number, allow_synthetic=True).kind == "synthetic"
    assert nationalid.parse(number, allow_synthetic=True).birth_date == datetime.date(1990, 3, 4)
    with pytest.raises(ValidationError) as err:
        nationalid.parse(number, allow_synthetic=False)
    assert err.value.code == "synthetic"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("01010750161", "check"),
        ("0101075016", "length"),
        ("010107501600", "length"),
        ("0101075016a", "digits"),
        ("abcdefghijk", "digits"),
        ("", "digits"),
        ("01-01-07 50160", "digits"),
    ],
)
def test_it_refuses_bad_numbers(raw, code):
    with pytest.raises(ValidationError) as err:
        nationalid.parse(raw, allow_synthetic=False)
    assert err.value.code == code


def test_mask_shows_only_the_last_five_digits():
    assert nationalid.mask(VALID_FNR) == "••••••50160"
