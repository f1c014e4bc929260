"""Dates in running text are written like on the pages: 2.1.2027, not 02.01.2027."""

import datetime
import zoneinfo

from django.template import Context, Template
from django.utils import translation

from pathways.dates import short_date, short_datetime

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")


def test_a_date_is_written_without_leading_zeros_in_bokmal():
    with translation.override("nb"):
        assert short_date(datetime.date(2027, 1, 2)) == "2.1.2027"
        assert short_date(datetime.date(2027, 11, 12)) == "12.11.2027"


def test_a_time_is_written_in_local_time():
    utc = datetime.datetime(2027, 1, 2, 8, 5, tzinfo=datetime.UTC)
    with translation.override("nb"):
        assert short_datetime(utc) == "2.1.2027 09:05"
        assert short_date(datetime.datetime(2027, 1, 1, 23, 30, tzinfo=datetime.UTC)) == "2.1.2027"


def test_templates_using_the_short_formats_agree_with_the_pages():
    when = datetime.datetime(2027, 1, 2, 9, 5, tzinfo=OSLO)
    template = Template('{{ d|date:"SHORT_DATETIME_FORMAT" }}|{{ d|date:"j.n.Y H:i" }}')
    with translation.override("nb"):
        short, page = template.render(Context({"d": when})).split("|")
    assert short == page == "2.1.2027 09:05"
