"""The faster {% url %} and |date give exactly Django's strings (config/template_builtins.py)."""

import datetime
import zoneinfo

import pytest
from django.template import Context, Engine
from django.template.defaultfilters import date as django_date
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from config.template_builtins import date as fast_date

FORMATS = [
    "j.n.Y",
    "j.n.Y H:i",
    "H:i",
    "c",
    "Y-m-d",
    "d.m.Y G:i:s",
    "j. F Y",
    "l j. F Y \\k\\l. H:i",
    "SHORT_DATE_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "DATE_FORMAT",
    None,
    "",
]
OSLO = zoneinfo.ZoneInfo("Europe/Oslo")


@settings(max_examples=200, deadline=None)
@given(
    value=st.one_of(
        st.dates(min_value=datetime.date(1, 1, 1)),
        st.datetimes(  # naive, as Django hands a filter a datetime after localtime()
            min_value=datetime.datetime(1900, 1, 1),  # noqa: DTZ001
            max_value=datetime.datetime(2200, 1, 1),  # noqa: DTZ001
        ),
    ),
    fmt=st.sampled_from(FORMATS),
    language=st.sampled_from(["nb", "en"]),
)
def test_date_filter_matches_django(value, fmt, language):
    with translation.override(language):
        assert outcome(fast_date, value, fmt) == outcome(django_date, value, fmt)


def outcome(date_filter, value, fmt):
    """The string, or the error Django raises (a time format for a date)."""
    try:
        return date_filter(value, fmt)
    except TypeError as error:
        return type(error)


@pytest.mark.parametrize("value", [None, "", "not a date", 17])
def test_date_filter_passes_other_values_to_django(value):
    assert fast_date(value, "j.n.Y") == django_date(value, "j.n.Y")


def test_aware_datetimes_are_shown_in_local_time_as_by_django():
    value = datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.UTC)  # 01:30, then 03:30 summer
    engine = Engine.get_default()
    with timezone.override(OSLO), translation.override("nb"):
        fast = engine.from_string('{{ v|date:"j.n.Y H:i" }} {{ v|date:"c" }}')
        ours = fast.render(Context({"v": value}))
        django = (
            Engine(builtins=[])
            .from_string('{{ v|date:"j.n.Y H:i" }} {{ v|date:"c" }}')
            .render(Context({"v": value}))
        )
    assert ours == django == "29.3.2026 01:30 2026-03-29T01:30:00+01:00"


def test_url_tag_gives_reverse_for_integer_arguments():
    engine = Engine.get_default()
    rendered = engine.from_string(
        "{% url 'pathways:patient_overview' pk %}|{% url 'pathways:patient_overview' spk %}|"
        "{% url 'pathways:patient_list' %}|"
        "{% url 'pathways:patient_overview' pk as link %}{{ link }}"
    ).render(Context({"pk": 42, "spk": "43"}))
    one = reverse("pathways:patient_overview", args=[42])
    assert rendered == "|".join(
        [
            one,
            reverse("pathways:patient_overview", args=["43"]),
            reverse("pathways:patient_list"),
            one,
        ]
    )


def test_url_tag_errors_as_django_does_for_a_wrong_arity():
    from django.urls import NoReverseMatch

    engine = Engine.get_default()
    with pytest.raises(NoReverseMatch):
        engine.from_string("{% url 'pathways:patient_overview' 1 2 %}").render(Context({}))
