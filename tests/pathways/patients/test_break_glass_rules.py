"""Emergency access asks for a real explanation and tells the patient's koordinator."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from accounts.acting import Actor
from pathways.models import BreakGlassAccess, Notification
from pathways.notifications.kinds import OTHER, label_for
from pathways.notifications.services import digest_text, urgent_text
from pathways.patients.services.breakglass import break_glass_open, explanation_error
from tests.pathways.plan.setup import appoint

pytestmark = pytest.mark.django_db

REAL = "Pasienten er innlagt akutt og trenger kriseplanen"


def ask(client, patient, explanation):
    return client.post(
        reverse("pathways:break_glass"),
        {
            "national_id": patient.national_id,
            "reason": BreakGlassAccess.Reason.EMERGENCY,
            "explanation": explanation,
        },
    )


@pytest.mark.parametrize(
    "explanation",
    ["x", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "ab ab ab ab ab ab ab ab ab ab", "Akutt", "   "],
)
def test_a_token_explanation_is_refused_beside_the_field(
    explanation, login, other_kommune_user, patient
):
    response = ask(login(other_kommune_user), patient, explanation)
    assert response.status_code == 200
    assert not BreakGlassAccess.objects.exists()
    errors = response.context["form"].errors["explanation"]
    assert errors
    if explanation.strip():
        assert "Skriv en reell begrunnelse på minst 20 tegn" in errors[0]
        page = response.content.decode()
        assert "Skriv en reell begrunnelse på minst 20 tegn" in page
    assert "Minst 20 tegn: hva som har skjedd" in response.content.decode()


def test_the_service_refuses_a_token_explanation_too(patient, other_kommune_user, sarpsborg_rus):
    with pytest.raises(ValidationError) as error:
        break_glass_open(
            patient=patient,
            actor=Actor(other_kommune_user, sarpsborg_rus),
            reason=BreakGlassAccess.Reason.OTHER,
            explanation="." * 40,
        )
    assert "explanation" in error.value.error_dict
    assert not BreakGlassAccess.objects.exists()


def test_a_real_explanation_opens_the_record(login, other_kommune_user, patient):
    response = ask(login(other_kommune_user), patient, REAL)
    assert response.status_code == 302
    assert BreakGlassAccess.objects.get().explanation == REAL


def test_the_rule_in_words():
    assert explanation_error(REAL) is None
    assert explanation_error("Møtt opp på legevakt, ruset") is None
    assert explanation_error("aaaaaaaaaaaaaaaaaaaaaaaaaaa")
    assert explanation_error("kort")


def test_the_koordinator_is_told_without_the_patients_name_in_any_mail(
    patient, coordinator, vadso_rus, other_kommune_user, sarpsborg_rus
):
    appoint(patient, coordinator, vadso_rus)
    Notification.objects.all().delete()
    break_glass_open(
        patient=patient,
        actor=Actor(other_kommune_user, sarpsborg_rus),
        reason=BreakGlassAccess.Reason.EMERGENCY,
        explanation=REAL,
    )
    note = Notification.objects.get()
    assert note.user == coordinator and note.kind == "break_glass_used"
    assert note.patient == patient
    assert note.url == reverse("pathways:access_log", args=[patient.pk])
    assert patient.first_name not in note.title and patient.last_name not in note.title
    assert label_for(note.kind) != str(OTHER)
    with translation.override("nb"):
        for subject, body in (urgent_text(note), digest_text([note], note.created_at.date())):
            for text in (subject, body):
                assert patient.first_name not in text and patient.last_name not in text
                assert patient.national_id not in text
        assert "Nødtilgang til dine pasienter" in urgent_text(note)[1]


def test_no_koordinator_no_notice(patient, other_kommune_user, sarpsborg_rus):
    Notification.objects.all().delete()
    break_glass_open(
        patient=patient,
        actor=Actor(other_kommune_user, sarpsborg_rus),
        reason=BreakGlassAccess.Reason.EMERGENCY,
        explanation=REAL,
    )
    assert not Notification.objects.exists()
