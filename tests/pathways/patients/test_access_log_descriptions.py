"""The access log says what was read or changed, can be narrowed, and prints all of it."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from pypdf import PdfReader

from accounts import audit
from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.models import NextOfKin
from pathways.patients.auditlog import describe
from pathways.patients.services.patients import next_of_kin_save
from tests.factories import make_unit, make_user

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action


def _event(patient, action, *, unit=None, user=None, at=None, **fields):
    return AuditEvent.objects.create(
        patient_id=patient.pk,
        action=action,
        basis=fields.pop("basis", AuditEvent.Basis.CARE_TEAM),
        unit=unit,
        user=user,
        at=at or timezone.now(),
        **fields,
    )


def _pdf_text(response):
    pages = PdfReader(io.BytesIO(response.content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


@pytest.mark.parametrize(
    ("action", "fields", "expected"),
    [
        (Action.VIEW, {"detail": "/pasienter/{pk}/plan/"}, "Lest: Individuell plan"),
        (Action.VIEW, {"detail": "/pasienter/{pk}/plan/tiltak/3/"}, "Lest: Individuell plan"),
        (Action.VIEW, {"detail": "/pasienter/{pk}/parorende/"}, "Lest: Pårørende"),
        (Action.VIEW, {"detail": "/pasienter/{pk}/samtykke/"}, "Lest: Samtykke"),
        (Action.VIEW, {"detail": "/pasienter/{pk}/moter/4/"}, "Lest: Møte"),
        (Action.VIEW, {"detail": "/pasienter/{pk}/moter/"}, "Lest: Ansvarsgruppe"),
        (
            Action.VIEW,
            {"detail": "/pasienter/{pk}/behandling/2/ettervern/"},
            "Lest: Ettervernsplan",
        ),
        (Action.VIEW, {"detail": "/pasienter/{pk}/"}, "Lest: Oversikt"),
        (Action.PRINT, {"detail": "/pasienter/{pk}/plan.pdf"}, "Skrevet ut: Individuell plan"),
        (Action.VIEW, {"object_type": "referrals.referral"}, "Lest: Henvisning"),
        (Action.UPDATE, {"object_type": "pathways.measure"}, "Endret: Individuell plan – tiltak"),
        (Action.CREATE, {"object_type": "pathways.meeting"}, "Opprettet: Møte"),
        (Action.CREATE, {"object_type": "pathways.nextofkin"}, "Opprettet: Pårørende"),
        (Action.UPDATE, {"object_type": "pathways.ettervernplan"}, "Endret: Ettervernsplan"),
        (Action.CREATE, {"object_type": "pathways.consent"}, "Opprettet: Samtykke"),
        # A page we do not know falls back to the object, then to the record itself.
        (
            Action.VIEW,
            {"detail": "/ukjent/", "object_type": "referrals.referral"},
            "Lest: Henvisning",
        ),
        (Action.VIEW, {"detail": "/ukjent/"}, "Lest: Personopplysninger"),
        (Action.UPDATE, {"object_type": "nothing.gone"}, "Endret: Personopplysninger"),
        (Action.BREAK_GLASS, {"object_type": "pathways.breakglassaccess"}, "Nødtilgang"),
    ],
)
def test_each_event_is_described_in_plain_norwegian(patient, action, fields, expected):
    if "detail" in fields:
        fields = {**fields, "detail": fields["detail"].format(pk=patient.pk)}
    event = _event(patient, action, **fields)
    with translation.override("nb"):
        assert describe(event) == expected


def test_the_page_shows_what_was_read_and_changed_with_unit_and_basis(
    login, coordinator, vadso_rus, break_glass_user, patient
):
    client = login(coordinator)
    client.get(reverse("pathways:next_of_kin_list", args=[patient.pk]))
    next_of_kin_save(
        patient=patient,
        actor=Actor(coordinator, vadso_rus),
        instance=NextOfKin(patient=patient, name="Berit Nordmann", relation="Mor"),
    )
    page = client.get(reverse("pathways:access_log", args=[patient.pk])).content.decode()
    assert "Lest: Pårørende" in page
    assert "Opprettet: Pårørende" in page
    assert "Lest: Oversikt" not in page  # nobody opened the overview
    assert "Nødtilgang" in page and "Sarpsborg kommune" in page
    assert "Rus- og psykisk helseenheten" in page and "Behandlingsteam" in page


def test_the_log_can_be_narrowed_to_a_period_and_a_unit(
    login, coordinator, vadso_rus, unn_tsb, tsb_clinician, patient
):
    long_ago = timezone.now() - datetime.timedelta(days=400)
    _event(
        patient,
        Action.VIEW,
        unit=unn_tsb,
        user=tsb_clinician,
        at=long_ago,
        detail=f"/pasienter/{patient.pk}/moter/",
    )
    _event(
        patient,
        Action.VIEW,
        unit=unn_tsb,
        user=tsb_clinician,
        detail=f"/pasienter/{patient.pk}/samtykke/",
    )
    client = login(coordinator)
    url = reverse("pathways:access_log", args=[patient.pk])
    page = client.get(url).content.decode()
    assert "TSB døgn (UNN HF)" in page  # the unit is offered as a choice
    assert "Lest: Ansvarsgruppe" in page and "Lest: Samtykke" in page

    day = timezone.localdate(long_ago)  # the day as the page counts it (Oslo time)
    narrowed = client.get(url, {"fra": day.isoformat(), "til": day.isoformat()})
    text = narrowed.content.decode()
    assert "Lest: Ansvarsgruppe" in text
    assert "Lest: Samtykke" not in text
    assert f"fra={day.isoformat()}" in text  # the PDF link carries the filter

    by_unit = client.get(url, {"enhet": vadso_rus.pk}).content.decode()
    assert "Lest: Samtykke" not in by_unit and "Lest: Ansvarsgruppe" not in by_unit
    assert "Opprettet: Personopplysninger" in by_unit  # the registration, by Vadsø

    wrong = client.get(url, {"fra": "2026-05-02", "til": "2026-05-01", "enhet": "x"})
    assert wrong.status_code == 200
    assert "Sluttdatoen er før startdatoen." in wrong.content.decode()


def test_the_pdf_holds_every_event_of_the_period_not_just_the_first_page(
    login, coordinator, vadso_rus, patient, settings
):
    settings.PAGE_SIZE = 5
    start = (timezone.localtime() - datetime.timedelta(days=30)).replace(hour=8, minute=0)
    for n in range(12):
        _event(
            patient,
            Action.VIEW,
            unit=vadso_rus,
            user=coordinator,
            at=start + datetime.timedelta(hours=n),
            detail=f"/pasienter/{patient.pk}/plan/",
        )
    _event(
        patient,
        Action.VIEW,
        unit=vadso_rus,
        user=coordinator,
        at=start - datetime.timedelta(days=5),
        detail=f"/pasienter/{patient.pk}/moter/",
    )
    client = login(coordinator)
    response = client.get(
        reverse("pathways:access_log_pdf", args=[patient.pk]),
        {"fra": start.date().isoformat(), "til": start.date().isoformat()},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline;")
    text = _pdf_text(response)
    # The twelve reads of one day by one person are one line of the day-by-day part.
    assert "Lest: Individuell plan (12 ganger)" in text
    assert "08:00–19:00" in text
    assert "Ansvarsgruppe" not in text
    assert f"{start:%-d.%-m.%Y}–{start:%-d.%-m.%Y}" in text
    # On screen the same period is paged.
    day = start.date().isoformat()
    screen = client.get(
        reverse("pathways:access_log", args=[patient.pk]), {"fra": day, "til": day}
    ).content.decode()
    assert screen.count("Lest: Individuell plan") == 5
    assert "side=2" in screen and f"fra={start.date().isoformat()}" in screen


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["access_log", "access_log_pdf"])
def test_the_log_costs_the_same_for_1_and_30_events(login, coordinator, patient, name):
    client = login(coordinator)
    url = reverse(f"pathways:{name}", args=[patient.pk]) + "?fra=2000-01-01"
    one = _queries(client, url)
    for n in range(30):
        unit = make_unit()
        user = make_user(unit)
        audit.record(
            user=user,
            unit=unit,
            action=Action.VIEW if n % 2 else Action.UPDATE,
            patient=patient,
            detail=f"/pasienter/{patient.pk}/plan/",
        )
    assert _queries(client, url) == one


def test_the_pdf_starts_with_a_summary_per_month_and_defaults_to_the_last_year(
    login, coordinator, vadso_rus, patient, other_kommune_user, sarpsborg_rus
):
    now = timezone.localtime()
    last_month = now - datetime.timedelta(days=35)
    for n in range(3):
        _event(
            patient,
            Action.VIEW,
            unit=vadso_rus,
            user=coordinator,
            at=now - datetime.timedelta(hours=n),
            detail=f"/pasienter/{patient.pk}/plan/",
        )
    _event(
        patient,
        Action.UPDATE,
        unit=vadso_rus,
        user=coordinator,
        at=last_month,
        object_type="pathways.measure",
    )
    _event(
        patient,
        Action.VIEW,
        unit=sarpsborg_rus,
        user=other_kommune_user,
        at=last_month,
        basis=AuditEvent.Basis.BREAK_GLASS,
        detail=f"/pasienter/{patient.pk}/",
    )
    # Older than a year: outside the default period.
    _event(
        patient,
        Action.VIEW,
        unit=vadso_rus,
        user=coordinator,
        at=now - datetime.timedelta(days=400),
        detail=f"/pasienter/{patient.pk}/moter/",
    )
    text = _pdf_text(login(coordinator).get(reverse("pathways:access_log_pdf", args=[patient.pk])))
    summary, _, detail = text.partition("Dag for dag")
    year_ago = now.date().replace(year=now.year - 1) + datetime.timedelta(days=1)
    assert f"{year_ago:%-d.%-m.%Y}–{now.date():%-d.%-m.%Y}" in summary
    assert "Sammendrag" in summary
    assert "2 personer i 2 enheter" in summary
    assert "Nødtilgang ble brukt 1 gang i perioden." in summary
    assert date_format(now.date(), "F Y").capitalize() in summary
    assert date_format(last_month.date(), "F Y").capitalize() in summary
    assert other_kommune_user.get_full_name() in summary
    assert "Sarpsborg kommune" in summary
    assert "lest 3 ganger" in summary and "endret 1 gang" in summary
    # The day by day part: what each did, emergency access named, the old read left out.
    assert "Endret: Individuell plan – tiltak" in detail
    assert "Lest: Oversikt – Nødtilgang" in detail
    assert "Lest: Ansvarsgruppe" not in text


def test_the_access_log_page_offers_a_print_form_for_the_last_year(login, coordinator, patient):
    page = login(coordinator).get(reverse("pathways:access_log", args=[patient.pk]))
    html = page.content.decode()
    today = timezone.localdate()
    assert f'action="{reverse("pathways:access_log_pdf", args=[patient.pk])}"' in html
    assert f'value="{today.isoformat()}"' in html
    assert 'id="utskrift_fra"' in html


def test_a_printed_day_line_says_each_verb_once_most_frequent_first():
    from pathways.patients.auditlog import _what

    actions = {
        "Endret": {"Møte": 1},
        "Lest": {"Oversikt": 1, "Individuell plan": 4},
        "Nødtilgang": {None: 2},
    }
    assert _what(actions) == (
        "Lest: Individuell plan (4 ganger), Oversikt; Nødtilgang (2 ganger); Endret: Møte"
    )
