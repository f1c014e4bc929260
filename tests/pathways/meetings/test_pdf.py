"""The minutes and invitation PDFs hold the real content."""

import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.acting import Actor
from pathways.meetings import services as svc
from tests.pathways.meetings.fixtures import *  # noqa: F403  (fixtures)
from tests.pathways.meetings.fixtures import at

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_the_minutes_pdf_has_attendance_notes_decisions_actions_and_signature(
    login, coordinator, vadso_rus, published
):
    svc.minutes_addendum(
        meeting=published, actor=Actor(coordinator, vadso_rus), text="Rettet dato."
    )
    url = reverse("pathways:minutes_pdf", args=[published.patient_id, published.pk])
    response = login(coordinator).get(url)
    assert response["Content-Disposition"].startswith('inline; filename="referat-')
    text = text_of(response)
    assert "Referat fra ansvarsgruppemøte" in text
    assert "Ola Nordmann" in text
    assert "Nina NAV (NAV-veileder)" in text and "Til stede" in text
    assert "Status bolig" in text and "Ola har fått leilighet." in text
    # An ansvarsgruppe agrees; it makes no vedtak (a word with legal meaning).
    assert "Avtalt: NAV søker bostøtte." in text
    assert "Vedtak" not in text and "vedtak" not in text
    assert "Ikke utført" in text  # the action items' state, read as a state
    assert "Sende epikrise til fastlege" in text and "Søke om bostøtte" in text
    assert "Foreslått neste møte" in text
    assert "Rettet dato." in text
    assert "Dato og signatur, koordinator" in text


def test_a_planned_meeting_has_no_minutes_pdf(login, coordinator, planned):
    url = reverse("pathways:minutes_pdf", args=[planned.patient_id, planned.pk])
    assert login(coordinator).get(url).status_code == 404


def test_the_invitation_pdf_lists_time_place_agenda_and_follow_ups(
    login, coordinator, vadso_rus, group, published
):
    from tests.pathways.meetings.fixtures import at

    nxt = svc.meeting_plan(
        group=group,
        actor=Actor(coordinator, vadso_rus),
        starts_at=at(40),
        place="Vadsø rådhus",
        agenda=["Ettervern"],
    )
    url = reverse("pathways:invitation_pdf", args=[nxt.patient_id, nxt.pk])
    response = login(coordinator).get(url)
    assert response["Content-Disposition"].startswith('inline; filename="innkalling-')
    text = text_of(response)
    assert "Innkalling til ansvarsgruppemøte" in text
    assert "Vadsø rådhus" in text
    assert "Oppfølging fra forrige møte" in text
    assert "Søke om bostøtte" in text and "Ettervern" in text
    assert "Ola Nordmann (Pasienten)" in text, text


def test_typed_numbers_do_not_double_the_agenda_numbering(login, coordinator, vadso_rus, group):
    meeting = svc.meeting_plan(
        group=group,
        actor=Actor(coordinator, vadso_rus),
        starts_at=at(7),
        duration_minutes=60,
        place="Vadsø rådhus",
        agenda=["1. Bolig", "2) Økonomi", "- Kriseplan", "", "1.5 mg dose drøftes"],
    )
    titles = [a.title for a in meeting.agenda.order_by("position")]
    assert titles == ["Bolig", "Økonomi", "Kriseplan", "1.5 mg dose drøftes"]
    page = login(coordinator).get(
        reverse("pathways:meeting_detail", args=[meeting.patient_id, meeting.pk])
    )
    html = page.content.decode()
    assert re.search(r"<li>\s*Bolig", html)
    assert "1. Bolig" not in html
