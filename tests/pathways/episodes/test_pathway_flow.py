"""State flows along the pathway, the episode side: every discharge tells the kommune, the
treating unit joins the care team at admission, the overview shows each phase as it stands."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import Membership, ServiceUnit
from pathways.episodes import services as svc
from pathways.models import CareTeamMember, Consent, KommuneMessage, Notification, TreatmentEpisode
from pathways.patients.services.careteam import consent_record, consent_withdraw
from tests.factories import make_unit, make_user
from tests.pathways.episodes.test_services import admit, make_ready

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode(shared_patient, tsb_clinician, unn_tsb):
    return admit(shared_patient, tsb_clinician, unn_tsb)


@pytest.fixture
def unn_lar(unn):
    return make_unit(unn, ServiceUnit.Kind.LAR, "LAR")


def test_a_planned_discharge_sends_the_kommune_the_discharge_notice(
    episode, tsb_clinician, unn_tsb, coordinator, vadso_rus
):
    make_ready(episode, tsb_clinician, unn_tsb)
    svc.episode_end(
        episode=episode,
        actor=Actor(tsb_clinician, unn_tsb),
        end_kind="planned",
        without_plan_reason="Planen signeres etter utreise.",
    )
    message = KommuneMessage.objects.get(episode=episode, kind=KommuneMessage.Kind.DISCHARGED)
    assert message.to_unit == vadso_rus
    assert message.from_unit == unn_tsb
    assert not message.urgent
    assert message.get_kind_display() == "Melding om utskrevet pasient"
    assert Notification.objects.filter(user=coordinator, kind="discharge_discharged").exists()


def test_an_outpatient_planned_end_also_tells_the_kommune(shared_patient, tsb_clinician, unn_tsb):
    episode = admit(shared_patient, tsb_clinician, unn_tsb, kind=TreatmentEpisode.Kind.POLIKLINIKK)
    svc.episode_end(episode=episode, actor=Actor(tsb_clinician, unn_tsb), end_kind="planned")
    assert KommuneMessage.objects.filter(
        episode=episode, kind=KommuneMessage.Kind.DISCHARGED
    ).exists()


def test_leaving_early_is_the_urgent_unplanned_message_and_no_discharge_notice_twice(
    episode, tsb_clinician, unn_tsb
):
    svc.episode_end(episode=episode, actor=Actor(tsb_clinician, unn_tsb), end_kind="unplanned")
    kinds = list(KommuneMessage.objects.filter(episode=episode).values_list("kind", "urgent"))
    assert kinds == [(KommuneMessage.Kind.UNPLANNED, True)]


def test_a_unit_of_the_same_organisation_joins_the_care_team_on_admission(
    shared_patient, tsb_clinician, unn_tsb, unn_lar
):
    lar_doctor = make_user(unn_lar, Membership.Role.CLINICIAN, username="lar")
    episode = svc.episode_start(
        patient=shared_patient,
        actor=Actor(tsb_clinician, unn_tsb),
        kind=TreatmentEpisode.Kind.LAR,
        started_at=timezone.now(),
        unit=unn_lar,
    )
    assert episode.unit == unn_lar
    member = CareTeamMember.objects.active().get(patient=shared_patient, unit=unn_lar)
    assert member.basis == CareTeamMember.Basis.ADMISSION
    assert member.role == CareTeamMember.Role.TREATING
    assert svc.perms.is_treating_unit(Actor(lar_doctor, unn_lar), episode)


def test_withdrawn_consent_keeps_the_unit_off_the_team_and_says_why(
    shared_patient, tsb_clinician, unn_tsb, unn_lar, coordinator, vadso_rus
):
    [consent] = consent_record(
        patient=shared_patient,
        actor=Actor(coordinator, vadso_rus),
        scope=Consent.Scope.SHARING,
        given_on=timezone.localdate(),
        units=[unn_lar],
        role=CareTeamMember.Role.TREATING,
    )
    consent_withdraw(consent=consent, actor=Actor(coordinator, vadso_rus))
    with pytest.raises(ValidationError) as refused:
        svc.episode_start(
            patient=shared_patient,
            actor=Actor(tsb_clinician, unn_tsb),
            kind=TreatmentEpisode.Kind.LAR,
            started_at=timezone.now(),
            unit=unn_lar,
        )
    assert "unit" in refused.value.message_dict
    assert "LAR" in refused.value.message_dict["unit"][0]
    assert not CareTeamMember.objects.active().filter(patient=shared_patient, unit=unn_lar)
    # New consent after the withdrawal: the patient has changed their mind.
    consent_record(
        patient=shared_patient,
        actor=Actor(coordinator, vadso_rus),
        scope=Consent.Scope.SHARING,
        given_on=timezone.localdate(),
        units=[unn_lar],
        role=CareTeamMember.Role.TREATING,
    )
    svc.episode_start(
        patient=shared_patient,
        actor=Actor(tsb_clinician, unn_tsb),
        kind=TreatmentEpisode.Kind.LAR,
        started_at=timezone.now(),
        unit=unn_lar,
    )


def test_another_organisations_unit_cannot_be_chosen(
    shared_patient, tsb_clinician, unn_tsb, other_hf_unit
):
    with pytest.raises(ValidationError):
        svc.episode_start(
            patient=shared_patient,
            actor=Actor(tsb_clinician, unn_tsb),
            kind=TreatmentEpisode.Kind.DOGN,
            started_at=timezone.now(),
            unit=other_hf_unit,
        )


def test_status_labels_say_what_happened():
    episode = TreatmentEpisode(ended_at=timezone.now(), end_kind="planned")
    assert str(episode.status_label) == "Utskrevet"
    episode.end_kind = "unplanned"
    assert str(episode.status_label) == "Utskrevet (ikke planlagt)"
    episode.end_kind = "transferred"
    assert str(episode.status_label) == str(episode.get_end_kind_display())


@pytest.mark.parametrize("who", ["coordinator", "tsb_clinician"])
def test_the_overview_says_utskrevet_with_the_date_never_planned(
    who, episode, tsb_clinician, unn_tsb, login, request
):
    make_ready(episode, tsb_clinician, unn_tsb)
    svc.episode_end(
        episode=episode,
        actor=Actor(tsb_clinician, unn_tsb),
        end_kind="planned",
        without_plan_reason="Planen signeres etter utreise.",
    )
    ended = TreatmentEpisode.objects.get(pk=episode.pk).ended_at
    client = login(request.getfixturevalue(who))
    page = client.get(reverse("pathways:patient_overview", args=[episode.patient_id]))
    text = page.content.decode()
    assert f"Utskrevet {timezone.localtime(ended):%-d.%-m.%Y}" in text
    assert "Planlagt utskrivning" not in text
    detail = client.get(reverse("pathways:episode_detail", args=[episode.patient_id, episode.pk]))
    assert "Planlagt utskrivning" not in detail.content.decode().split("<h2", 2)[1]


def test_the_kommune_sees_the_discharge_notice_on_the_episode_page(
    episode, tsb_clinician, unn_tsb, coordinator, login
):
    svc.episode_end(episode=episode, actor=Actor(tsb_clinician, unn_tsb), end_kind="unplanned")
    page = login(coordinator).get(
        reverse("pathways:episode_detail", args=[episode.patient_id, episode.pk])
    )
    assert page.status_code == 200
    assert "Utskrevet (ikke planlagt)" in page.content.decode()
    assert KommuneMessage.objects.get(episode=episode).read_at is not None


def test_a_move_during_treatment_is_a_message_to_the_new_kommune(
    episode, tsb_clinician, coordinator, vadso_rus, other_kommune_user, sarpsborg_rus, login
):
    today = timezone.localdate()
    svc.kommune_move_start(
        patient=episode.patient,
        actor=Actor(coordinator, vadso_rus),
        to_unit=sarpsborg_rus,
        handover_date=today + datetime.timedelta(days=3),
        consent_given_on=today,
    )
    message = KommuneMessage.objects.get(episode=episode, kind=KommuneMessage.Kind.MOVED)
    assert message.to_unit == sarpsborg_rus
    assert message.from_unit == vadso_rus
    assert Notification.objects.filter(user=tsb_clinician, kind="discharge_moved").exists()
    page = login(other_kommune_user).get(
        reverse("pathways:episode_detail", args=[episode.patient_id, episode.pk])
    )
    assert "Flytting til en annen kommune" in page.content.decode()
    # From now on the treating unit's notices reach the new kommune too.
    svc.episode_end(episode=episode, actor=Actor(tsb_clinician, episode.unit), end_kind="unplanned")
    assert KommuneMessage.objects.filter(
        episode=episode, kind=KommuneMessage.Kind.UNPLANNED, to_unit=sarpsborg_rus
    ).exists()


def test_a_move_without_treatment_sends_no_episode_message(
    shared_patient, coordinator, vadso_rus, sarpsborg_rus
):
    svc.kommune_move_start(
        patient=shared_patient,
        actor=Actor(coordinator, vadso_rus),
        to_unit=sarpsborg_rus,
        handover_date=timezone.localdate(),
        consent_given_on=timezone.localdate(),
    )
    assert not KommuneMessage.objects.exists()


def test_the_start_page_registers_an_emergency_admission_at_a_sister_unit(
    shared_patient, tsb_clinician, unn_lar, other_hf_user, login
):
    url = reverse("pathways:episode_new", args=[shared_patient.pk])
    assert login(other_hf_user).get(url).status_code == 404
    client = login(tsb_clinician)
    assert "LAR" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "kind": TreatmentEpisode.Kind.LAR,
            "started_at": timezone.localtime().strftime("%d.%m.%Y %H:%M"),
            "unit": unn_lar.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    episode = TreatmentEpisode.objects.get(patient=shared_patient)
    assert episode.unit == unn_lar
    assert CareTeamMember.objects.active().get(patient=shared_patient, unit=unn_lar).basis == (
        CareTeamMember.Basis.ADMISSION
    )
