"""/min/samtykker/: the patient sees, withdraws and gives consent; the care-team rules apply."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent
from pathways.models import CareTeamMember, Consent
from tests.pathways.portal.conftest import portal_client

pytestmark = pytest.mark.django_db


def _consent(patient, unit):
    return Consent.objects.get(patient=patient, unit=unit, scope=Consent.Scope.SHARING)


def test_the_patient_sees_each_consent(shared_patient, unn_tsb, patient_client):
    consent = _consent(shared_patient, unn_tsb)
    Consent.objects.filter(pk=consent.pk).update(valid_until=timezone.localdate().replace(2099))
    page = patient_client.get("/min/samtykker/").content.decode()
    assert "TSB døgn" in page and "UNN HF" in page
    assert "Deling av pasientforløpet med enheten" in page
    assert "31. desember 2099" in page or "2099" in page
    assert f"/min/samtykker/{consent.pk}/trekk-tilbake/" in page
    read = AuditEvent.objects.filter(patient_id=shared_patient.pk, action="view").latest("at")
    assert read.basis == AuditEvent.Basis.PATIENT and read.detail == "/min/: consents"


def test_a_consent_near_expiry_is_shown_to_the_patient(shared_patient, unn_tsb, patient_client):
    soon = timezone.localdate() + datetime.timedelta(days=10)
    Consent.objects.filter(patient=shared_patient, unit=unn_tsb).update(valid_until=soon)
    page = patient_client.get("/min/samtykker/").content.decode()
    assert "Snart slutt" in page
    assert "TSB døgn går ut" in page
    start = patient_client.get("/min/").content.decode()
    assert "1 går snart ut" in start


def test_withdrawing_asks_first_then_the_unit_loses_access_at_once(
    shared_patient, unn_tsb, tsb_clinician, patient_client
):
    staff = Client()
    staff.force_login(tsb_clinician)
    assert staff.get(f"/pasienter/{shared_patient.pk}/").status_code == 200
    consent = _consent(shared_patient, unn_tsb)
    url = f"/min/samtykker/{consent.pk}/trekk-tilbake/"
    confirm = patient_client.get(url).content.decode()
    assert "Trekke tilbake samtykket?" in confirm
    consent.refresh_from_db()
    assert consent.withdrawn_at is None  # looking is not withdrawing
    response = patient_client.post(url, {})
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert not CareTeamMember.objects.active().filter(patient=shared_patient, unit=unn_tsb)
    assert staff.get(f"/pasienter/{shared_patient.pk}/").status_code == 404
    events = AuditEvent.objects.filter(patient_id=shared_patient.pk, action="update")
    withdrawn = events.get(object_type="pathways.consent")
    assert withdrawn.basis == AuditEvent.Basis.PATIENT
    assert withdrawn.unit is None
    left = events.get(object_type="pathways.careteammember")
    assert left.basis == AuditEvent.Basis.PATIENT
    # A withdrawn consent cannot be withdrawn again.
    assert patient_client.get(url).status_code == 404


def test_the_patient_gives_consent_again_and_the_unit_is_back(
    shared_patient, unn_tsb, tsb_clinician, patient_client
):
    consent = _consent(shared_patient, unn_tsb)
    patient_client.post(f"/min/samtykker/{consent.pk}/trekk-tilbake/", {})
    form = patient_client.get("/min/samtykker/nytt/").content.decode()
    assert "TSB døgn (UNN HF)" in form
    response = patient_client.post(
        "/min/samtykker/nytt/", {"unit": unn_tsb.pk, "scope": Consent.Scope.SHARING}
    )
    assert response.status_code == 302
    given = Consent.objects.in_force().get(patient=shared_patient, unit=unn_tsb)
    assert given.recorded_by.portal_accesses.exists()
    member = CareTeamMember.objects.active().get(patient=shared_patient, unit=unn_tsb)
    assert member.consent == given
    assert member.role == CareTeamMember.Role.TREATING
    created = AuditEvent.objects.get(
        patient_id=shared_patient.pk,
        action="create",
        object_type="pathways.consent",
        basis=AuditEvent.Basis.PATIENT,
    )
    assert created.object_id == str(given.pk)
    staff = Client()
    staff.force_login(tsb_clinician)
    assert staff.get(f"/pasienter/{shared_patient.pk}/").status_code == 200


def test_an_end_before_today_is_refused_beside_the_field(shared_patient, unn_tsb, patient_client):
    response = patient_client.post(
        "/min/samtykker/nytt/",
        {"unit": unn_tsb.pk, "scope": Consent.Scope.SHARING, "valid_until": "2001-01-01"},
    )
    assert response.status_code == 200
    assert "2001-01-01" in response.content.decode()
    assert Consent.objects.filter(patient=shared_patient).count() == 1


def test_a_unit_the_patient_has_never_had_is_not_offered(
    shared_patient, other_hf_unit, patient_client
):
    response = patient_client.post(
        "/min/samtykker/nytt/", {"unit": other_hf_unit.pk, "scope": Consent.Scope.SHARING}
    )
    assert response.status_code == 200
    assert not Consent.objects.filter(unit=other_hf_unit).exists()


def test_another_patients_consent_is_not_found(
    shared_patient, patient_client, vadso_rus, coordinator, unn_tsb
):
    from accounts.acting import Actor
    from pathways.patients.services.careteam import consent_record
    from tests.factories import make_patient

    other = make_patient(vadso_rus, by=coordinator)
    [theirs] = consent_record(
        patient=other,
        actor=Actor(coordinator, vadso_rus),
        scope=Consent.Scope.SHARING,
        given_on=timezone.localdate(),
        units=[unn_tsb],
    )
    url = f"/min/samtykker/{theirs.pk}/trekk-tilbake/"
    assert patient_client.get(url).status_code == 404
    assert patient_client.post(url, {}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.withdrawn_at is None


@pytest.mark.parametrize(
    "url", ["/min/samtykker/", "/min/samtykker/nytt/", "/min/samtykker/1/trekk-tilbake/"]
)
def test_only_the_patient_reaches_the_consent_pages(
    url, relative_client, coordinator, shared_patient
):
    assert relative_client.get(url).status_code == 404
    staff = Client()
    staff.force_login(coordinator)
    assert staff.get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"] == "/min/innlogging/"


def test_the_list_costs_the_same_queries_with_more_consents(
    shared_patient,
    patient_client,
    coordinator,
    vadso_rus,
    unn_tsb,
    unn_intake,
    django_assert_num_queries,
):
    from accounts.acting import Actor
    from pathways.patients.services.careteam import consent_record

    patient_client.get("/min/samtykker/")
    with django_assert_num_queries(7) as first:
        patient_client.get("/min/samtykker/")
    consent_record(
        patient=shared_patient,
        actor=Actor(coordinator, vadso_rus),
        scope=Consent.Scope.INDIVIDUAL_PLAN,
        given_on=timezone.localdate(),
        units=[unn_tsb, unn_intake],
    )
    with django_assert_num_queries(len(first.captured_queries)):
        patient_client.get("/min/samtykker/")


def test_a_closed_access_cannot_withdraw(shared_patient, unn_tsb, patient_access, client):
    from accounts.acting import Actor
    from pathways.portal.services import portal_access_end

    patient = portal_client(client, patient_access)
    portal_access_end(
        actor=Actor(patient_access.opened_by, shared_patient.registered_by_unit),
        portal_access=patient_access,
        reason="Slutt",
    )
    consent = _consent(shared_patient, unn_tsb)
    response = patient.post(f"/min/samtykker/{consent.pk}/trekk-tilbake/", {})
    assert response.status_code == 302 and response["Location"] == "/min/innlogging/"
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_withdrawn_consents_come_after_those_in_force(
    shared_patient, unn_tsb, unn_intake, coordinator, vadso_rus, patient_client
):
    from accounts.acting import Actor
    from pathways.patients.services.careteam import consent_record, consent_withdraw

    actor = Actor(coordinator, vadso_rus)
    consent_withdraw(consent=_consent(shared_patient, unn_tsb), actor=actor)
    consent_record(
        patient=shared_patient,
        actor=actor,
        scope=Consent.Scope.SHARING,
        given_on=timezone.localdate() - datetime.timedelta(days=400),
        units=[unn_intake],
    )
    page = patient_client.get("/min/samtykker/").content.decode()
    assert page.index("TSB inntaksteam") < page.index("TSB døgn")
