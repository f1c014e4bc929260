"""Recording and withdrawing consent, adding and ending care-team membership through the pages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from pathways.models import CareTeamMember, Consent

pytestmark = pytest.mark.django_db


def overview(patient):
    return reverse("pathways:patient_overview", args=[patient.pk])


def test_consent_for_a_named_unit_lets_it_see_the_patient(
    login, coordinator, tsb_clinician, unn_tsb, patient
):
    assert login(tsb_clinician).get(overview(patient)).status_code == 404
    client = login(coordinator)
    response = client.post(
        reverse("pathways:consent_new", args=[patient.pk]),
        {
            "scope": Consent.Scope.SHARING,
            "units": [unn_tsb.pk],
            "role": CareTeamMember.Role.TREATING,
            "given_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get(patient=patient, unit=unn_tsb)
    assert consent.recorded_by == coordinator
    member = CareTeamMember.objects.get(patient=patient, unit=unn_tsb, ended_at=None)
    assert member.basis == CareTeamMember.Basis.CONSENT
    assert AuditEvent.objects.filter(patient_id=patient.pk, action="create").exists()
    assert login(tsb_clinician).get(overview(patient)).status_code == 200


def test_sharing_consent_needs_a_unit(login, coordinator, patient):
    response = login(coordinator).post(
        reverse("pathways:consent_new", args=[patient.pk]),
        {"scope": "sharing", "role": "treating", "given_on": "2024-01-01", "note": "<b>x</b>"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["units"]
    assert not Consent.objects.exists()
    # What was typed is kept.
    assert "&lt;b&gt;x&lt;/b&gt;" in response.content.decode()


def _tomorrow() -> str:
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


# Dates relative to today are worked out when the test runs, not when it is collected (a run
# that passes midnight would otherwise try "tomorrow" on the day it has become today).
@pytest.mark.parametrize(
    ("given", "until", "field"),
    [
        (_tomorrow, "", "given_on"),
        ("2024-05-01", "2024-04-01", "valid_until"),
        ("31.02.2024", "", "given_on"),
    ],
)
def test_bad_consent_dates_get_a_message(login, coordinator, unn_tsb, patient, given, until, field):
    given = given() if callable(given) else given
    response = login(coordinator).post(
        reverse("pathways:consent_new", args=[patient.pk]),
        {
            "scope": "sharing",
            "units": [unn_tsb.pk],
            "role": "treating",
            "given_on": given,
            "valid_until": until,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field]


def test_withdrawing_consent_removes_the_units_access_at_once(
    login, coordinator, tsb_clinician, shared_patient, unn_tsb
):
    tsb = login(tsb_clinician)
    assert tsb.get(overview(shared_patient)).status_code == 200
    consent = shared_patient.consents.get()
    client = login(coordinator)
    response = client.post(
        reverse("pathways:consent_withdraw", args=[shared_patient.pk, consent.pk])
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert consent.withdrawn_by == coordinator
    member = CareTeamMember.objects.get(patient=shared_patient, unit=unn_tsb)
    assert member.ended_at is not None  # history kept
    assert login(tsb_clinician).get(overview(shared_patient)).status_code == 404
    page = login(coordinator).get(reverse("pathways:consent_list", args=[shared_patient.pk]))
    assert "Trukket" in page.content.decode()


def test_withdrawing_needs_a_post(login, coordinator, shared_patient):
    consent = shared_patient.consents.get()
    url = reverse("pathways:consent_withdraw", args=[shared_patient.pk, consent.pk])
    assert login(coordinator).get(url).status_code == 405


def test_adding_a_unit_to_the_care_team_records_consent(
    login, coordinator, tsb_intake, unn_intake, patient
):
    response = login(coordinator).post(
        reverse("pathways:care_team_add", args=[patient.pk]),
        {"unit": unn_intake.pk, "role": "informed", "given_on": "2024-03-01"},
    )
    assert response.status_code == 302
    member = CareTeamMember.objects.get(patient=patient, unit=unn_intake, ended_at=None)
    assert member.role == CareTeamMember.Role.INFORMED
    assert member.consent.given_on == datetime.date(2024, 3, 1)
    client = login(tsb_intake)
    assert client.get(overview(patient)).status_code == 200
    assert client.get(reverse("pathways:patient_edit", args=[patient.pk])).status_code == 403


def test_units_already_on_the_team_are_not_offered(login, coordinator, shared_patient, unn_tsb):
    response = login(coordinator).get(reverse("pathways:care_team_add", args=[shared_patient.pk]))
    assert unn_tsb not in response.context["form"].fields["unit"].queryset


def test_ending_membership_keeps_history_and_needs_a_reason(
    login, coordinator, tsb_clinician, shared_patient, unn_tsb
):
    member = CareTeamMember.objects.get(patient=shared_patient, unit=unn_tsb, ended_at=None)
    url = reverse("pathways:care_team_end", args=[shared_patient.pk, member.pk])
    client = login(coordinator)
    response = client.post(url, {"reason": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    response = client.post(url, {"reason": "Behandling avsluttet"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.end_reason == "Behandling avsluttet"
    assert login(tsb_clinician).get(overview(shared_patient)).status_code == 404
    page = login(coordinator).get(reverse("pathways:care_team", args=[shared_patient.pk]))
    assert "Behandling avsluttet" in page.content.decode()


def test_the_last_unit_cannot_leave(login, coordinator, vadso_rus, patient):
    member = CareTeamMember.objects.get(patient=patient, unit=vadso_rus)
    response = login(coordinator).post(
        reverse("pathways:care_team_end", args=[patient.pk, member.pk]), {"reason": "Flyttet"}
    )
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.ended_at is None
