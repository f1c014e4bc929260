"""List rows rendered with Jinja2 (config/jinja.py, templates/jinja2/): escaped as Django
templates escape, dates and URLs as Django's, every string translated, and the page's CSRF
token in each row's form."""

import datetime
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.template import engines
from django.template.defaultfilters import date as django_date
from django.urls import reverse
from django.utils import timezone, translation

from config.jinja import date, url
from pathways.models import Notification

ROOT = Path(__file__).resolve().parents[1]
ROWS = sorted((ROOT / "templates" / "jinja2").rglob("*.jinja"))


def test_there_are_row_templates():
    assert len(ROWS) >= 6


def test_every_string_of_the_rows_is_in_the_norwegian_catalogue():
    with (ROOT / "locale/nb/LC_MESSAGES/django.po").open("rb") as f:
        translated = {m.id: m.string for m in read_po(f, locale="nb") if m.id}
    for path in ROWS:
        for text in re.findall(r'_\("([^"]+)"\)', path.read_text()):
            assert translated.get(text), f"{path.name}: {text!r} has no Norwegian"


def test_dates_and_urls_are_django_s():
    when = datetime.datetime(2026, 11, 28, 23, 30, tzinfo=datetime.UTC)  # 00:30 in Oslo
    with translation.override("nb"):
        for fmt in ("j.n.Y", "c", "SHORT_DATETIME_FORMAT", "j. F Y H:i"):
            assert date(when, fmt) == django_date(timezone.localtime(when), fmt)
        assert date(datetime.date(2026, 3, 5), "j.n.Y") == "5.3.2026"
        assert date(None, "j.n.Y") == ""
    assert url("referrals:detail", 12) == reverse("referrals:detail", args=[12])
    assert url("tasks") == reverse("tasks")


def test_a_misspelt_name_is_an_error_not_an_empty_cell():
    from jinja2 import UndefinedError

    template = engines["jinja2"].from_string("{{ row.titel }}")
    with pytest.raises(UndefinedError):
        template.render({"row": {}})


@pytest.mark.django_db
def test_a_notification_s_text_is_escaped_and_its_form_carries_the_page_token(login, coordinator):
    Notification.objects.create(
        user=coordinator, kind="test", title='<script>alert("x")</script>', body="A & B"
    )
    page = login(coordinator).get(reverse("notifications:list")).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page or (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    )
    assert "A &amp; B" in page
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page))
    assert len(tokens) == 1, "one token for the page, as {% csrf_token %} gives"
