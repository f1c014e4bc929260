"""The access ladder for the patient pages, from every role."""

import pytest
from django.urls import reverse

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.models import CareTeamMember
from pathways.patients.services.careteam import care_team_end

pytestmark = pytest.mark.django_db


def overview(patient):
    return reverse("pathways:patient_overview", args=[patient.pk])


def edit(patient):
    return reverse("pathways:patient_edit", args=[patient.pk])


def test_anonymous_is_sent_to_login(client, patient):
    response = client.get(overview(patient))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_registering_unit_sees_and_edits(login, coordinator, colleague, patient):
    for user in (coordinator, colleague):
        client = login(user)
        assert client.get(overview(patient)).status_code == 200
        assert client.get(edit(patient)).status_code == 200


def test_it_hides_patients_of_other_kommuner(login, other_kommune_user, patient):
    client = login(other_kommune_user)
    assert client.get(overview(patient)).status_code == 404
    assert client.get(edit(patient)).status_code == 404


def test_another_helseforetak_gets_404(login, other_hf_user, shared_patient):
    assert login(other_hf_user).get(overview(shared_patient)).status_code == 404


def test_a_missing_patient_looks_like_a_hidden_one(login, coordinator):
    assert login(coordinator).get("/pasienter/999999/").status_code == 404


def test_a_specialist_unit_on_the_care_team_sees_the_patient(login, tsb_clinician, shared_patient):
    assert login(tsb_clinician).get(overview(shared_patient)).status_code == 200


def test_a_unit_kept_informed_reads_but_may_not_edit(login, tsb_clinician, shared_patient, unn_tsb):
    CareTeamMember.objects.filter(patient=shared_patient, unit=unn_tsb).update(
        role=CareTeamMember.Role.INFORMED
    )
    from pathways.access import sync_unit_access

    sync_unit_access(shared_patient, unn_tsb)
    client = login(tsb_clinician)
    assert client.get(overview(shared_patient)).status_code == 200
    assert client.get(edit(shared_patient)).status_code == 403


def test_leaving_the_care_team_removes_access_at_once(
    login, tsb_clinician, coordinator, vadso_rus, shared_patient, unn_tsb
):
    client = login(tsb_clinician)
    assert client.get(overview(shared_patient)).status_code == 200
    member = CareTeamMember.objects.get(patient=shared_patient, unit=unn_tsb, ended_at=None)
    care_team_end(member=member, actor=Actor(coordinator, vadso_rus), reason="Avsluttet")
    assert client.get(overview(shared_patient)).status_code == 404
    assert CareTeamMember.objects.filter(patient=shared_patient, unit=unn_tsb).exists()


def test_withdrawn_consent_removes_access(
    login, tsb_clinician, coordinator, vadso_rus, shared_patient
):
    from pathways.patients.services.careteam import consent_withdraw

    client = login(tsb_clinician)
    assert client.get(overview(shared_patient)).status_code == 200
    consent = shared_patient.consents.get()
    consent_withdraw(consent=consent, actor=Actor(coordinator, vadso_rus))
    assert client.get(overview(shared_patient)).status_code == 404


def test_viewing_the_overview_writes_an_audit_event(login, coordinator, vadso_rus, patient):
    login(coordinator).get(overview(patient))
    event = AuditEvent.objects.filter(patient_id=patient.pk, action="view").latest("at")
    assert event.user == coordinator
    assert event.unit == vadso_rus
    assert event.basis == "care_team"
    assert event.request_id


def test_the_patient_list_shows_only_the_units_patients(
    login, coordinator, other_kommune_user, patient
):
    assert patient.last_name in login(coordinator).get("/pasienter/").content.decode()
    assert patient.last_name not in login(other_kommune_user).get("/pasienter/").content.decode()
