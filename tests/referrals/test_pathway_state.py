"""State flows along the pathway: admission takes the referral off the waiting list and puts
the treating unit on the care team; discharge completes the referral and tells the kommune."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import Membership, ServiceUnit
from pathways.episodes import services as episodes
from pathways.models import (
    CareTeamMember,
    Consent,
    KommuneMessage,
    Notification,
    TreatmentEpisode,
)
from pathways.patients.services.careteam import consent_record, consent_withdraw
from referrals import rules, selectors, services
from referrals.models import Referral, ReferralEvent
from tests.factories import make_unit, make_user
from tests.referrals.conftest import send_referral

pytestmark = pytest.mark.django_db
State = Referral.State
today = timezone.localdate


def start_at_dogn(referral, tsb_intake, unn_intake, unn_tsb):
    return services.referral_start_treatment(
        referral=referral, actor=Actor(tsb_intake, unn_intake), on=today(), unit=unn_tsb
    )


def members(patient, unit):
    return CareTeamMember.objects.active().filter(patient=patient, unit=unit)


def test_intake_starts_the_stay_at_the_dogn_unit_which_joins_the_care_team(
    granted, tsb_intake, unn_intake, unn_tsb, tsb_clinician, login
):
    started = start_at_dogn(granted, tsb_intake, unn_intake, unn_tsb)
    assert started.state == State.TREATMENT_STARTED
    assert started.treatment_episode.unit == unn_tsb
    member = members(granted.patient, unn_tsb).get()
    assert member.basis == CareTeamMember.Basis.REFERRAL
    assert member.role == CareTeamMember.Role.TREATING
    # The døgn clinician opens the patient (no 404 until someone adds the unit).
    response = login(tsb_clinician).get(
        reverse("pathways:patient_overview", args=[granted.patient_id])
    )
    assert response.status_code == 200


def test_a_unit_of_another_organisation_cannot_be_chosen(
    granted, tsb_intake, unn_intake, other_hf_unit
):
    with pytest.raises(ValidationError):
        start_at_dogn(granted, tsb_intake, unn_intake, other_hf_unit)
    assert Referral.objects.get(pk=granted.pk).state == State.GRANTED


def test_an_outsider_still_sees_nothing(
    granted, tsb_intake, unn_intake, unn_tsb, other_hf_user, login
):
    start_at_dogn(granted, tsb_intake, unn_intake, unn_tsb)
    response = login(other_hf_user).get(
        reverse("pathways:patient_overview", args=[granted.patient_id])
    )
    assert response.status_code == 404


def test_withdrawn_consent_for_the_unit_is_honoured(
    granted, tsb_intake, unn_intake, unn_tsb, coordinator, vadso_rus
):
    patient = granted.patient
    [consent] = consent_record(
        patient=patient,
        actor=Actor(coordinator, vadso_rus),
        scope=Consent.Scope.SHARING,
        given_on=today(),
        units=[unn_tsb],
        role=CareTeamMember.Role.TREATING,
    )
    consent_withdraw(consent=consent, actor=Actor(coordinator, vadso_rus))
    with pytest.raises(ValidationError) as refused:
        start_at_dogn(granted, tsb_intake, unn_intake, unn_tsb)
    assert "trukket tilbake samtykket" in str(refused.value)
    assert not members(patient, unn_tsb).exists()
    assert not TreatmentEpisode.objects.filter(patient=patient).exists()
    assert Referral.objects.get(pk=granted.pk).state == State.GRANTED


def test_admission_takes_the_referral_off_the_waiting_list_and_stops_the_frist_rules(
    granted, tsb_intake, unn_intake, unn_tsb
):
    Referral.objects.filter(pk=granted.pk).update(start_deadline=today() - datetime.timedelta(1))
    assert list(selectors.unit_referrals(unn_intake, selectors.WAITING)) == [granted]
    assert [d.obj for d in rules.frist_passed(timezone.now())] == [granted]
    start_at_dogn(Referral.objects.get(pk=granted.pk), tsb_intake, unn_intake, unn_tsb)
    assert not selectors.unit_referrals(unn_intake, selectors.WAITING).exists()
    assert selectors.tab_counts(unn_intake)[selectors.WAITING] == 0
    assert list(rules.frist_passed(timezone.now())) == []
    assert list(rules.frist_soon(timezone.now())) == []


def test_an_episode_started_on_the_episode_page_moves_the_granted_referral(
    granted, tsb_intake, unn_intake
):
    """The receiving unit registers the admission directly (not from the referral)."""
    episode = episodes.episode_start(
        patient=granted.patient,
        actor=Actor(tsb_intake, unn_intake),
        kind=TreatmentEpisode.Kind.DOGN,
        started_at=timezone.now(),
    )
    referral = Referral.objects.get(pk=granted.pk)
    assert referral.state == State.TREATMENT_STARTED
    assert referral.treatment_episode == episode
    assert referral.treatment_started_on == today()
    assert members(granted.patient, unn_intake).get().basis == CareTeamMember.Basis.REFERRAL


def test_an_emergency_admission_is_basis_admission_and_can_be_linked_afterwards(
    referral, tsb_intake, unn_intake, unn_tsb, tsb_clinician, dps_clinician, unn_dps
):
    """Admitted at the døgn unit while the referral still awaits assessment."""
    episode = episodes.episode_start(
        patient=referral.patient,
        actor=Actor(tsb_intake, unn_intake),
        kind=TreatmentEpisode.Kind.DOGN,
        started_at=timezone.now(),
        unit=unn_tsb,
    )
    assert members(referral.patient, unn_tsb).get().basis == CareTeamMember.Basis.ADMISSION
    assert Referral.objects.get(pk=referral.pk).state == State.RECEIVED
    assert list(services.linkable_referrals(episode)) == [referral]
    # A DPS clinician of the same organisation is neither the treating nor the receiving unit.
    with pytest.raises(PermissionDenied):
        services.referral_link_episode(
            referral=referral, episode=episode, actor=Actor(dps_clinician, unn_dps)
        )
    linked = services.referral_link_episode(
        referral=referral, episode=episode, actor=Actor(tsb_clinician, unn_tsb)
    )
    assert linked.state == State.TREATMENT_STARTED
    assert linked.treatment_episode == episode
    assert not selectors.unit_referrals(unn_intake, selectors.INCOMING).exists()
    assert list(services.linkable_referrals(episode)) == []


def test_unplanned_discharge_completes_the_referral_and_tells_the_kommune_at_once(
    granted, tsb_intake, unn_intake, unn_tsb, tsb_clinician
):
    episode = start_at_dogn(granted, tsb_intake, unn_intake, unn_tsb).treatment_episode
    episodes.episode_end(
        episode=episode,
        actor=Actor(tsb_clinician, unn_tsb),
        end_kind=TreatmentEpisode.EndKind.UNPLANNED,
        note="Reiste på dagen.",
    )
    referral = Referral.objects.get(pk=granted.pk)
    assert referral.state == State.COMPLETED
    assert referral.ended_at is not None
    assert referral.events.filter(kind=ReferralEvent.Kind.COMPLETED).exists()
    assert not referral.frist_breach
    message = KommuneMessage.objects.get(episode=episode)
    assert message.kind == KommuneMessage.Kind.UNPLANNED
    assert message.urgent


def test_a_transfer_carries_the_referral_to_the_new_episode(
    granted, tsb_intake, unn_intake, unn_tsb, tsb_clinician, coordinator, vadso_rus
):
    episode = start_at_dogn(granted, tsb_intake, unn_intake, unn_tsb).treatment_episode
    new = episodes.episode_transfer(
        episode=episode,
        actor=Actor(tsb_clinician, unn_tsb),
        to_unit=unn_intake,
        kind=TreatmentEpisode.Kind.POLIKLINIKK,
    )
    referral = Referral.objects.get(pk=granted.pk)
    assert referral.state == State.TREATMENT_STARTED
    assert referral.treatment_episode == new
    assert KommuneMessage.objects.filter(
        episode=episode, kind=KommuneMessage.Kind.TRANSFER
    ).exists()


def test_the_overview_shows_the_pathways_state(
    granted, tsb_intake, unn_intake, unn_tsb, tsb_clinician, coordinator, login
):
    episode = start_at_dogn(granted, tsb_intake, unn_intake, unn_tsb).treatment_episode
    episodes.episode_end(
        episode=episode,
        actor=Actor(tsb_clinician, unn_tsb),
        end_kind=TreatmentEpisode.EndKind.UNPLANNED,
    )
    response = login(coordinator).get(
        reverse("pathways:patient_overview", args=[granted.patient_id])
    )
    page = response.content.decode()
    assert "Behandling fullført" in page
    assert "Utskrevet (ikke planlagt) " + timezone.localdate().strftime("%-d.%-m.%Y") in page
    assert "Planlagt utskrivning" not in page


# --- pages -------------------------------------------------------------------------------


def test_intake_chooses_the_dogn_unit_on_the_start_page(
    granted, tsb_intake, unn_tsb, tsb_clinician, login
):
    client = login(tsb_intake)
    url = reverse("referrals:start_treatment", args=[granted.pk])
    page = client.get(url).content.decode()
    assert "TSB døgn" in page
    response = client.post(url, {"on": today().strftime("%d.%m.%Y"), "unit": unn_tsb.pk})
    assert response.status_code == 302
    referral = Referral.objects.get(pk=granted.pk)
    assert referral.treatment_episode.unit == unn_tsb
    episode_url = reverse(
        "pathways:episode_detail", args=[granted.patient_id, referral.treatment_episode_id]
    )
    assert login(tsb_clinician).get(episode_url).status_code == 200


def test_closing_with_an_open_treatment_asks_what_happens_to_it(
    granted, tsb_intake, unn_intake, unn_tsb, tsb_clinician, login
):
    start_at_dogn(granted, tsb_intake, unn_intake, unn_tsb)
    url = reverse("referrals:close", args=[granted.pk])
    client = login(tsb_intake)
    assert "What happens to it" in client.get(url).content.decode() or (
        "Hva skjer med den" in client.get(url).content.decode()
    )
    response = client.post(url, {"reason": "Henvisningen er ferdig behandlet."})
    assert response.status_code == 200  # shown again: the question is not answered
    assert Referral.objects.get(pk=granted.pk).state == State.TREATMENT_STARTED
    # The intake team is not where the treatment takes place: it cannot discharge.
    response = client.post(url, {"reason": "Ferdig.", "episode_action": "end_unplanned"})
    assert response.status_code == 200
    assert Referral.objects.get(pk=granted.pk).treatment_episode.ended_at is None
    response = client.post(url, {"reason": "Ferdig.", "episode_action": "keep"})
    assert response.status_code == 302
    referral = Referral.objects.get(pk=granted.pk)
    assert referral.state == State.CLOSED
    assert referral.treatment_episode.ended_at is None
    assert tsb_clinician.notifications.filter(title__contains="stays open").exists() or (
        tsb_clinician.notifications.filter(title__contains="forblir åpen").exists()
    )


def test_the_treating_unit_ends_the_treatment_when_closing(
    granted, tsb_intake, unn_intake, unn_tsb, tsb_clinician
):
    """The døgn unit receives its own referral: closing it can end the stay at once."""
    episode = start_at_dogn(granted, tsb_intake, unn_intake, unn_tsb).treatment_episode
    Referral.objects.filter(pk=granted.pk).update(receiving_unit=unn_tsb)
    closed = services.referral_close(
        referral=granted,
        actor=Actor(tsb_clinician, unn_tsb),
        reason="Avbrutt.",
        episode_action="end_unplanned",
    )
    assert closed.state == State.COMPLETED
    assert closed.closed_reason == "Avbrutt."
    episode.refresh_from_db()
    assert episode.end_kind == TreatmentEpisode.EndKind.UNPLANNED
    assert KommuneMessage.objects.get(episode=episode).urgent


def test_linking_an_emergency_admission_on_the_episode_page(
    referral, tsb_intake, unn_intake, unn_tsb, tsb_clinician, coordinator, login
):
    episode = episodes.episode_start(
        patient=referral.patient,
        actor=Actor(tsb_intake, unn_intake),
        kind=TreatmentEpisode.Kind.DOGN,
        started_at=timezone.now(),
        unit=unn_tsb,
    )
    detail = reverse("pathways:episode_detail", args=[referral.patient_id, episode.pk])
    link = reverse("referrals:link_episode", args=[referral.patient_id, episode.pk])
    clinician = login(tsb_clinician)
    assert link in clinician.get(detail).content.decode()
    # The kommune sees the episode but does not link it.
    kommune = login(coordinator)
    assert link not in kommune.get(detail).content.decode()
    assert kommune.get(link).status_code == 403
    clinician = login(tsb_clinician)
    assert clinician.get(link).status_code == 200
    response = clinician.post(link, {"referral": referral.pk})
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).treatment_episode == episode
    # Linked: the link page leads back to the episode, which shows the referral.
    assert clinician.get(link)["Location"] == detail
    assert reverse("referrals:detail", args=[referral.pk]) in clinician.get(detail).content.decode()


def test_an_outsider_cannot_reach_the_link_page(
    referral, tsb_intake, unn_intake, other_hf_user, login
):
    episode = episodes.episode_start(
        patient=referral.patient,
        actor=Actor(tsb_intake, unn_intake),
        kind=TreatmentEpisode.Kind.DOGN,
        started_at=timezone.now(),
    )
    # The intake unit's own admission linked the received referral? Only granted ones are.
    assert Referral.objects.get(pk=referral.pk).state == State.RECEIVED
    link = reverse("referrals:link_episode", args=[referral.patient_id, episode.pk])
    assert login(other_hf_user).get(link).status_code == 404


def test_a_stay_that_began_before_the_referral_arrived_is_not_linked_by_itself(
    granted, tsb_intake, unn_intake
):
    episode = episodes.episode_start(
        patient=granted.patient,
        actor=Actor(tsb_intake, unn_intake),
        kind=TreatmentEpisode.Kind.DOGN,
        started_at=timezone.now() - datetime.timedelta(days=3),
    )
    assert Referral.objects.get(pk=granted.pk).state == State.GRANTED
    # The unit links it by hand when it belongs to the stay.
    assert list(services.linkable_referrals(episode)) == [granted]


def emergency_stay_at_intake(referral, tsb_intake, unn_intake):
    """Admitted at the receiving unit itself while the referral waits, not linked to it."""
    return episodes.episode_start(
        patient=referral.patient,
        actor=Actor(tsb_intake, unn_intake),
        kind=TreatmentEpisode.Kind.AVRUSNING,
        started_at=timezone.now() - datetime.timedelta(hours=2),
        unit=unn_intake,
    )


def test_withdrawing_during_an_open_stay_asks_and_the_treating_unit_keeps_its_access(
    referral, coordinator, vadso_rus, tsb_intake, unn_intake
):
    stay = emergency_stay_at_intake(referral, tsb_intake, unn_intake)
    kommune = Actor(coordinator, vadso_rus)
    with pytest.raises(ValidationError) as error:
        services.referral_withdraw(referral=referral, actor=kommune, reason="Ordnet lokalt.")
    assert unn_intake.name in " ".join(error.value.error_dict["episode_action"][0].messages)
    assert Referral.objects.get(pk=referral.pk).state == State.RECEIVED  # nothing done

    services.referral_withdraw(
        referral=referral, actor=kommune, reason="Ordnet lokalt.", episode_action="keep"
    )
    told = Notification.objects.filter(
        user=tsb_intake, title__contains="behandlingen hos dere er fortsatt åpen"
    )
    assert told.get().urgent
    event = ReferralEvent.objects.filter(referral=referral, kind="withdrawn").get()
    assert "behandlingen forblir åpen" in event.text
    # The grace period runs out while the stay is open: the unit stays on the care team.
    later = timezone.now() + datetime.timedelta(days=60)
    services.referral_end_access_due(later)
    assert members(referral.patient, unn_intake).exists()
    stay.refresh_from_db()
    assert stay.ended_at is None


def test_the_withdraw_form_asks_about_the_open_stay_and_keeps_the_reason(
    login, referral, coordinator, tsb_intake, unn_intake
):
    emergency_stay_at_intake(referral, tsb_intake, unn_intake)
    url = reverse("referrals:withdraw", args=[referral.pk])
    client = login(coordinator)
    assert "Pasienten er i behandling" in client.get(url).content.decode()
    response = client.post(url, {"reason": "Ordnet lokalt."})
    assert response.status_code == 200
    assert "Si hva som skjer med den åpne behandlingen." in response.content.decode()
    assert "Ordnet lokalt." in response.content.decode()
    response = client.post(url, {"reason": "Ordnet lokalt.", "episode_action": "keep"})
    assert response.status_code == 302
    assert Referral.objects.get(pk=referral.pk).state == State.WITHDRAWN


def test_withdrawing_with_no_stay_open_asks_nothing(referral, coordinator, vadso_rus):
    services.referral_withdraw(
        referral=referral, actor=Actor(coordinator, vadso_rus), reason="Ordnet lokalt."
    )
    assert Referral.objects.get(pk=referral.pk).state == State.WITHDRAWN


def grant(referral, tsb_intake, unn_intake):
    return services.referral_grant(
        referral=referral,
        actor=Actor(tsb_intake, unn_intake),
        start_deadline=today() + datetime.timedelta(days=30),
        help_kind="inpatient",
    )


def test_a_transfer_into_a_unit_with_a_granted_referral_takes_it_off_the_waiting_list(
    shared_patient, coordinator, vadso_rus, tsb_intake, unn_intake, unn_tsb, tsb_clinician
):
    patient = shared_patient
    # Admitted as an emergency at døgn, no referral; a referral to the intake unit is granted.
    stay = episodes.episode_start(
        patient=patient,
        actor=Actor(tsb_clinician, unn_tsb),
        kind=TreatmentEpisode.Kind.DOGN,
        started_at=timezone.now() - datetime.timedelta(days=3),
    )
    waiting = grant(
        send_referral(patient, coordinator, vadso_rus, unn_intake), tsb_intake, unn_intake
    )
    assert waiting.state == State.GRANTED
    new = episodes.episode_transfer(
        episode=stay,
        actor=Actor(tsb_clinician, unn_tsb),
        to_unit=unn_intake,
        kind=TreatmentEpisode.Kind.POLIKLINIKK,
    )
    waiting.refresh_from_db()
    assert waiting.state == State.TREATMENT_STARTED
    assert waiting.treatment_episode == new
    assert not selectors.unit_referrals(unn_intake, selectors.WAITING).filter(pk=waiting.pk)


def test_a_second_granted_referral_to_the_unit_is_answered_by_the_same_stay(
    patient, coordinator, vadso_rus, tsb_intake, unn_intake, unn_tsb, tsb_clinician
):
    gp_office = make_unit(vadso_rus.organisation, ServiceUnit.Kind.FASTLEGE, "Vadsø legekontor")
    gp = make_user(gp_office, Membership.Role.COORDINATOR, username="fastlegen")
    first = grant(
        send_referral(patient, coordinator, vadso_rus, unn_intake), tsb_intake, unn_intake
    )
    second = grant(send_referral(patient, gp, gp_office, unn_intake), tsb_intake, unn_intake)
    started = start_at_dogn(first, tsb_intake, unn_intake, unn_tsb)
    second.refresh_from_db()
    assert started.state == State.TREATMENT_STARTED
    assert second.state == State.CLOSED
    assert vadso_rus.name in second.closed_reason and unn_tsb.name in second.closed_reason
    assert second.treatment_started_on == today()
    assert not selectors.unit_referrals(unn_intake, selectors.WAITING).exists()
    assert Notification.objects.filter(user=gp, title__contains=unn_tsb.name).exists()
    # The stay ends: the first completes; the second stays closed, never back on a list.
    episodes.episode_end(
        episode=started.treatment_episode,
        actor=Actor(tsb_clinician, unn_tsb),
        end_kind=TreatmentEpisode.EndKind.UNPLANNED,
    )
    assert Referral.objects.get(pk=first.pk).state == State.COMPLETED
    assert Referral.objects.get(pk=second.pk).state == State.CLOSED
