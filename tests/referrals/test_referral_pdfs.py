"""The referral and the answer letter as PDF: the text is extracted and checked."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.acting import Actor
from accounts.models import AuditEvent
from referrals import services

pytestmark = pytest.mark.django_db


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(page.extract_text() for page in reader.pages)


def test_the_answer_letter_states_the_decision_and_the_frist(login, granted, coordinator):
    response = login(coordinator).get(reverse("referrals:answer_pdf", args=[granted.pk]))
    assert response["Content-Disposition"] == f'inline; filename="svar-{granted.pk}.pdf"'
    text = pdf_text(response)
    assert "Ola Nordmann" in text
    assert granted.start_deadline.strftime("%-d.%-m.%Y") in text
    assert "Helfo" in text
    assert AuditEvent.objects.filter(user=coordinator, action="print").exists()


def test_the_answer_letter_to_a_rejection_says_where_it_was_forwarded(
    login, referral, tsb_intake, unn_intake, unn_dps
):
    services.referral_reject(
        referral=referral,
        actor=Actor(tsb_intake, unn_intake),
        reason="Hører hjemme i psykisk helsevern.",
        forward_to=unn_dps,
    )
    text = pdf_text(login(tsb_intake).get(reverse("referrals:answer_pdf", args=[referral.pk])))
    assert "Hører hjemme i psykisk helsevern." in text
    assert unn_dps.name in text


def test_there_is_no_answer_letter_before_the_assessment(login, referral, tsb_intake):
    assert (
        login(tsb_intake).get(reverse("referrals:answer_pdf", args=[referral.pk])).status_code
        == 404
    )


def test_the_referral_pdf_holds_the_referral(login, referral, tsb_intake):
    text = pdf_text(login(tsb_intake).get(reverse("referrals:pdf", args=[referral.pk])))
    assert "Økende alkoholbruk" in text
    assert referral.seniority_date.strftime("%-d.%-m.%Y") in text


def test_the_answer_letter_speaks_to_the_patient_and_says_where_to_meet(
    login, granted, coordinator
):
    unit = granted.receiving_unit
    unit.phone = "77 62 60 00"
    unit.postal_address = "Postboks 100, 9038 Tromsø"
    unit.visiting_address = "Åsgårdvegen 9, 9016 Tromsø"
    unit.visiting_instructions = "Meld deg i ekspedisjonen, bygg 2."
    unit.save()
    text = pdf_text(login(coordinator).get(reverse("referrals:answer_pdf", args=[granted.pk])))
    assert "henvisningen din" in text
    assert "henvisningen for" not in text
    assert "Hvor du skal møte" in text
    assert "Åsgårdvegen 9, 9016 Tromsø" in text
    assert "Meld deg i ekspedisjonen, bygg 2." in text
    assert "Postboks 100, 9038 Tromsø" in text
    assert "77 62 60 00" in text


def test_the_answer_letter_without_a_visiting_address_says_it_will_come(
    login, granted, coordinator
):
    text = pdf_text(login(coordinator).get(reverse("referrals:answer_pdf", args=[granted.pk])))
    assert "Vi forteller deg hvor du skal møte i brevet med timen." in text
