"""Each transition, allowed for the right side and role, refused for everyone else."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.acting import Actor
from pathways.access import access_basis
from pathways.models import CareTeamMember, Notification
from pathways.workdays import add_working_days
from referrals import services
from referrals.models import Referral, ReferralEvent
from tests.referrals.conftest import referral_data, send_referral

pytestmark = pytest.mark.django_db
State = Referral.State
today = timezone.localdate


def future(days=30):
    return today() + datetime.timedelta(days=days)


def test_sending_starts_the_ten_working_day_clock_and_puts_the_unit_on_the_care_team(
    referral, unn_intake, tsb_intake
):
    assert referral.state == State.RECEIVED
    assert referral.seniority_date == today()
    assert referral.received_on == today()
    assert referral.assessment_due == add_working_days(today(), 10)
    member = CareTeamMember.objects.active().get(patient=referral.patient, unit=unn_intake)
    assert member.basis == CareTeamMember.Basis.REFERRAL
    assert Notification.objects.filter(user=tsb_intake, patient=referral.patient).exists()
    kinds = list(referral.events.values_list("kind", flat=True))
    assert kinds == ["created", "sent", "received"]


def test_a_draft_does_not_reach_the_receiving_unit(patient, coordinator, vadso_rus, unn_intake):
    draft = services.referral_create(
        patient=patient,
        actor=Actor(coordinator, vadso_rus),
        receiving_unit=unn_intake,
        data=referral_data(),
        send=False,
    )
    assert draft.state == State.DRAFT
    assert access_basis(None, unn_intake, patient.pk) is None


def test_sending_needs_the_patients_consent(patient, coordinator, vadso_rus, unn_intake):
    with pytest.raises(ValidationError) as error:
        send_referral(patient, coordinator, vadso_rus, unn_intake, consent_given_on=None)
    assert "consent_given_on" in error.value.error_dict


def test_a_referral_must_go_to_a_specialist_unit(patient, coordinator, vadso_rus, sarpsborg_rus):
    with pytest.raises(ValidationError) as error:
        send_referral(patient, coordinator, vadso_rus, sarpsborg_rus)
    assert "receiving_unit" in error.value.error_dict


def test_a_unit_outside_the_patients_care_team_cannot_refer(
    patient, other_kommune_user, sarpsborg_rus, unn_intake
):
    # The view refuses first (404); the service refuses an actor without a role in the unit.
    with pytest.raises(PermissionDenied):
        send_referral(patient, other_kommune_user, unn_intake, unn_intake)


def test_the_intake_team_grants_rett_with_a_frist_and_the_referrer_is_told(granted, coordinator):
    assert granted.state == State.GRANTED
    assert granted.start_deadline == future()
    assert granted.assessed_by is not None
    note = Notification.objects.get(user=coordinator, title__contains="frist")
    assert granted.start_deadline.strftime("%d.%m.%Y") in note.title


@pytest.mark.parametrize("who", ["coordinator", "intake_leader", "tsb_clinician", "other_hf_user"])
def test_only_intake_or_clinicians_of_the_receiving_unit_may_assess(request, referral, who):
    user = request.getfixturevalue(who)
    unit = user.memberships.get().unit
    with pytest.raises(PermissionDenied):
        services.referral_grant(
            referral=referral,
            actor=Actor(user, unit),
            start_deadline=future(),
            help_kind="outpatient",
        )
    with pytest.raises(PermissionDenied):
        services.referral_reject(referral=referral, actor=Actor(user, unit), reason="Ikke aktuelt")
    referral.refresh_from_db()
    assert referral.state == State.RECEIVED


def test_a_clinician_of_the_receiving_unit_may_assess(referral, unn_intake):
    from tests.factories import make_user

    clinician = make_user(unn_intake)
    result = services.referral_start_assessment(
        referral=referral, actor=Actor(clinician, unn_intake)
    )
    assert result.state == State.UNDER_ASSESSMENT


def test_a_frist_in_the_past_is_refused(referral, tsb_intake, unn_intake):
    Referral.objects.filter(pk=referral.pk).update(received_on=today() - datetime.timedelta(days=9))
    with pytest.raises(ValidationError) as error:
        services.referral_grant(
            referral=referral,
            actor=Actor(tsb_intake, unn_intake),
            start_deadline=today() - datetime.timedelta(days=1),
            help_kind="outpatient",
        )
    assert error.value.message_dict["start_deadline"] == ["Fristen kan ikke være tilbake i tid."]


def test_a_frist_before_the_received_date_is_refused(referral, tsb_intake, unn_intake):
    Referral.objects.filter(pk=referral.pk).update(received_on=future(5))
    with pytest.raises(ValidationError) as error:
        services.referral_grant(
            referral=referral,
            actor=Actor(tsb_intake, unn_intake),
            start_deadline=future(2),
            help_kind="outpatient",
        )
    assert "start_deadline" in error.value.error_dict


def test_a_planned_appointment_after_the_frist_is_refused(referral, tsb_intake, unn_intake):
    with pytest.raises(ValidationError) as error:
        services.referral_grant(
            referral=referral,
            actor=Actor(tsb_intake, unn_intake),
            start_deadline=future(10),
            help_kind="outpatient",
            planned_appointment=timezone.now() + datetime.timedelta(days=20),
        )
    assert "planned_appointment" in error.value.error_dict


def test_a_rejection_needs_a_reason(referral, tsb_intake, unn_intake):
    with pytest.raises(ValidationError):
        services.referral_reject(
            referral=referral, actor=Actor(tsb_intake, unn_intake), reason="  "
        )


def test_a_rejection_without_forwarding_ends_access_after_the_grace_period(
    referral, tsb_intake, unn_intake, settings
):
    settings.REFERRAL_REJECTED_ACCESS_DAYS = 30
    rejected = services.referral_reject(
        referral=referral, actor=Actor(tsb_intake, unn_intake), reason="Ikke rusproblematikk."
    )
    assert rejected.access_ends_on == future(30)
    now = timezone.now()
    assert services.referral_end_access_due(now) == 0
    assert access_basis(tsb_intake, unn_intake, referral.patient_id) is not None
    later = now + datetime.timedelta(days=31)
    assert services.referral_end_access_due(later) == 1
    assert access_basis(tsb_intake, unn_intake, referral.patient_id) is None
    # History is kept, and a second sweep does nothing.
    assert CareTeamMember.objects.filter(unit=unn_intake, ended_at__isnull=False).exists()
    assert services.referral_end_access_due(later) == 0


def test_forwarding_keeps_the_seniority_date_and_the_whole_history(
    referral, tsb_intake, unn_intake, unn_dps, dps_clinician, coordinator
):
    Referral.objects.filter(pk=referral.pk).update(
        seniority_date=today() - datetime.timedelta(days=6)
    )
    services.referral_request_information(
        referral=referral, actor=Actor(tsb_intake, unn_intake), question="Hvilke diagnoser er satt?"
    )
    new = services.referral_reject(
        referral=referral,
        actor=Actor(tsb_intake, unn_intake),
        reason="Primært psykisk lidelse; hører hjemme i DPS.",
        forward_to=unn_dps,
    )
    assert new.pk != referral.pk
    assert new.receiving_unit == unn_dps
    assert new.seniority_date == today() - datetime.timedelta(days=6)
    assert new.received_on == today()
    assert new.assessment_due == add_working_days(new.seniority_date, 10)
    assert new.forwarded_from_id == referral.pk
    assert new.reason == referral.reason
    assert access_basis(dps_clinician, unn_dps, referral.patient_id) is not None
    # The rejecting unit keeps its access when it forwarded.
    referral.refresh_from_db()
    assert referral.access_ends_on is None
    from referrals.selectors import timeline

    kinds = [e.kind for e in timeline(new)]
    assert kinds[:4] == ["created", "sent", "received", "info_requested"]
    assert "rejected" in kinds and "forwarded" in kinds and kinds[-1] == "received"
    assert Notification.objects.filter(user=coordinator, title__contains=unn_dps.name).exists()


def test_forwarding_to_the_same_unit_is_refused(referral, tsb_intake, unn_intake):
    with pytest.raises(ValidationError) as error:
        services.referral_reject(
            referral=referral,
            actor=Actor(tsb_intake, unn_intake),
            reason="Feil",
            forward_to=unn_intake,
        )
    assert "forward_to" in error.value.error_dict
    referral.refresh_from_db()
    assert referral.state == State.RECEIVED  # nothing half-done


def test_forwarding_to_a_unit_that_already_has_an_open_referral_from_the_referrer_is_refused(
    referral, tsb_intake, unn_intake, unn_dps, coordinator, vadso_rus
):
    # The kommune also referred the patient to the DPS directly.
    direct = send_referral(referral.patient, coordinator, vadso_rus, unn_dps)
    with pytest.raises(ValidationError) as error:
        services.referral_reject(
            referral=referral,
            actor=Actor(tsb_intake, unn_intake),
            reason="Hører hjemme i DPS.",
            forward_to=unn_dps,
        )
    message = " ".join(error.value.error_dict["forward_to"][0].messages)
    assert unn_dps.name in message and "åpen henvisning" in message
    referral.refresh_from_db()
    assert referral.state == State.RECEIVED  # nothing half-done
    # Rejected without forwarding, it still cannot be forwarded there later.
    services.referral_reject(
        referral=referral, actor=Actor(tsb_intake, unn_intake), reason="Hører hjemme i DPS."
    )
    with pytest.raises(ValidationError):
        services.referral_forward(
            referral=referral, actor=Actor(tsb_intake, unn_intake), to_unit=unn_dps
        )
    assert Referral.objects.filter(receiving_unit=unn_dps, state__in=Referral.ACTIVE).count() == 1
    # Once the direct referral is withdrawn, forwarding is open again.
    services.referral_withdraw(
        referral=direct, actor=Actor(coordinator, vadso_rus), reason="Sendt via UNN i stedet."
    )
    new = services.referral_forward(
        referral=referral, actor=Actor(tsb_intake, unn_intake), to_unit=unn_dps
    )
    assert new.receiving_unit == unn_dps


def test_a_rejected_referral_can_be_forwarded_later(referral, tsb_intake, unn_intake, unn_dps):
    services.referral_reject(
        referral=referral, actor=Actor(tsb_intake, unn_intake), reason="Feil sted"
    )
    new = services.referral_forward(
        referral=referral, actor=Actor(tsb_intake, unn_intake), to_unit=unn_dps
    )
    assert new.seniority_date == referral.seniority_date
    referral.refresh_from_db()
    assert referral.access_ends_on is None
    with pytest.raises(services.ReferralConflict):
        services.referral_forward(
            referral=referral, actor=Actor(tsb_intake, unn_intake), to_unit=unn_dps
        )


def test_only_the_referring_unit_withdraws(
    referral, tsb_intake, unn_intake, coordinator, vadso_rus
):
    with pytest.raises(PermissionDenied):
        services.referral_withdraw(
            referral=referral, actor=Actor(tsb_intake, unn_intake), reason="x"
        )
    withdrawn = services.referral_withdraw(
        referral=referral, actor=Actor(coordinator, vadso_rus), reason="Pasienten har flyttet."
    )
    assert withdrawn.state == State.WITHDRAWN
    assert Notification.objects.filter(
        user=tsb_intake, title="Henvisning trukket: Ola Nordmann", body="Pasienten har flyttet."
    ).exists()


def test_a_withdrawal_needs_a_reason(referral, coordinator, vadso_rus):
    with pytest.raises(ValidationError):
        services.referral_withdraw(
            referral=referral, actor=Actor(coordinator, vadso_rus), reason=""
        )


def test_a_withdrawn_referral_cannot_be_assessed(
    referral, coordinator, vadso_rus, tsb_intake, unn_intake
):
    services.referral_withdraw(
        referral=referral, actor=Actor(coordinator, vadso_rus), reason="Flyttet"
    )
    with pytest.raises(services.ReferralConflict) as error:
        services.referral_grant(
            referral=referral,
            actor=Actor(tsb_intake, unn_intake),
            start_deadline=future(),
            help_kind="outpatient",
        )
    assert error.value.message == "Henvisningen er trukket av henvisende enhet."


def test_asking_for_information_keeps_the_clock_and_the_referrer_answers(
    referral, tsb_intake, unn_intake, coordinator, vadso_rus
):
    due = referral.assessment_due
    question = services.referral_request_information(
        referral=referral, actor=Actor(tsb_intake, unn_intake), question="Legg ved epikrise."
    )
    referral.refresh_from_db()
    assert referral.assessment_due == due
    assert referral.state == State.RECEIVED
    assert Notification.objects.filter(user=coordinator, body="Legg ved epikrise.").exists()
    with pytest.raises(PermissionDenied):
        services.referral_answer_information(
            info_request=question, actor=Actor(tsb_intake, unn_intake), answer="Svar"
        )
    services.referral_answer_information(
        info_request=question, actor=Actor(coordinator, vadso_rus), answer="Epikrise fra UNN 2024."
    )
    question.refresh_from_db()
    assert question.answer == "Epikrise fra UNN 2024." and not question.is_open
    with pytest.raises(services.ReferralConflict):
        services.referral_answer_information(
            info_request=question, actor=Actor(coordinator, vadso_rus), answer="Igjen"
        )


def test_the_kommune_asks_nothing_of_the_intake_team(referral, coordinator, vadso_rus):
    with pytest.raises(PermissionDenied):
        services.referral_request_information(
            referral=referral, actor=Actor(coordinator, vadso_rus), question="?"
        )


def test_treatment_start_is_recorded_by_the_receiving_unit(
    granted, tsb_intake, unn_intake, coordinator, vadso_rus
):
    with pytest.raises(PermissionDenied):
        services.referral_start_treatment(
            referral=granted, actor=Actor(coordinator, vadso_rus), on=today()
        )
    with pytest.raises(ValidationError):
        services.referral_start_treatment(
            referral=granted, actor=Actor(tsb_intake, unn_intake), on=future(1)
        )
    started = services.referral_start_treatment(
        referral=granted, actor=Actor(tsb_intake, unn_intake), on=today()
    )
    assert started.state == State.TREATMENT_STARTED
    assert started.treatment_started_on == today()
    # The treatment episode is still open: closing says what happens to it.
    with pytest.raises(ValidationError) as unanswered:
        services.referral_close(
            referral=started, actor=Actor(tsb_intake, unn_intake), reason="Utskrevet"
        )
    assert "episode_action" in unanswered.value.message_dict
    closed = services.referral_close(
        referral=started,
        actor=Actor(tsb_intake, unn_intake),
        reason="Utskrevet",
        episode_action="keep",
    )
    assert closed.state == State.CLOSED


def test_fristbrudd_is_marked_and_helfo_recorded(granted, tsb_intake, unn_intake, intake_leader):
    assert not granted.frist_breach
    with pytest.raises(PermissionDenied):
        services.referral_record_helfo_notified(
            referral=granted, actor=Actor(tsb_intake, unn_intake), on=today()
        )
    marked = services.referral_mark_frist_at_risk(
        referral=granted, actor=Actor(tsb_intake, unn_intake), note="Ingen ledig døgnplass"
    )
    assert marked.frist_breach
    assert Notification.objects.filter(user=intake_leader, urgent=True).exists()
    recorded = services.referral_record_helfo_notified(
        referral=marked, actor=Actor(intake_leader, unn_intake), on=today()
    )
    assert recorded.helfo_notified_on == today()
    assert recorded.helfo_notified_by == intake_leader
    assert recorded.events.filter(kind=ReferralEvent.Kind.HELFO_NOTIFIED).exists()


def test_a_passed_frist_is_a_breach(granted):
    Referral.objects.filter(pk=granted.pk).update(
        start_deadline=today() - datetime.timedelta(days=1)
    )
    granted.refresh_from_db()
    assert granted.frist_passed and granted.frist_breach


def test_the_kommune_records_waiting_time_follow_up_on_a_granted_referral(
    referral, granted, coordinator, vadso_rus, tsb_intake, unn_intake
):
    data = {
        "contact_frequency": "Hjemmebesøk hver uke",
        "stabilisation": "Fast døgnrytme, avtale med fastlege om nedtrapping",
        "motivation": "Motiverende samtaler",
        "practical_help": "Hjelp med husleie via NAV",
        "responsible": "Kari Nilsen, ruskonsulent",
    }
    with pytest.raises(PermissionDenied):
        services.referral_record_follow_up(
            referral=granted, actor=Actor(tsb_intake, unn_intake), data=data
        )
    follow_up = services.referral_record_follow_up(
        referral=granted, actor=Actor(coordinator, vadso_rus), data=data
    )
    assert follow_up.responsible == "Kari Nilsen, ruskonsulent"
    assert granted.events.filter(kind="follow_up").exists()


def test_follow_up_is_only_for_granted_referrals(referral, coordinator, vadso_rus):
    with pytest.raises(services.ReferralConflict):
        services.referral_record_follow_up(
            referral=referral,
            actor=Actor(coordinator, vadso_rus),
            data={"contact_frequency": "Ukentlig", "responsible": "Kari"},
        )


def test_a_stale_form_is_refused_not_saved_over(referral, tsb_intake, unn_intake):
    version = referral.version
    services.referral_start_assessment(referral=referral, actor=Actor(tsb_intake, unn_intake))
    with pytest.raises(services.ReferralConflict) as error:
        services.referral_grant(
            referral=referral,
            actor=Actor(tsb_intake, unn_intake),
            start_deadline=future(),
            help_kind="outpatient",
            version=version,
        )
    assert error.value.current.state == State.UNDER_ASSESSMENT


def test_the_second_assessor_is_told_it_was_already_assessed(referral, tsb_intake, unn_intake):
    from tests.factories import make_user

    other = make_user(unn_intake, role="intake")
    version = referral.version
    services.referral_grant(
        referral=referral,
        actor=Actor(tsb_intake, unn_intake),
        start_deadline=future(),
        help_kind="outpatient",
        version=version,
    )
    with pytest.raises(services.ReferralConflict):
        services.referral_reject(
            referral=referral, actor=Actor(other, unn_intake), reason="Avslag", version=version
        )
    referral.refresh_from_db()
    assert referral.state == State.GRANTED


def test_under_23_is_derived_from_the_birth_date(vadso_rus, coordinator, unn_intake):
    from tests.factories import make_patient

    young = make_patient(
        vadso_rus, by=coordinator, birth_date=today().replace(year=today().year - 20)
    )
    referral = send_referral(young, coordinator, vadso_rus, unn_intake)
    assert referral.under_23
    assert services.under_23_frist_warning(referral, add_working_days(today(), 70))
    assert not services.under_23_frist_warning(referral, future(10))


def test_every_change_is_audited(referral, tsb_intake, unn_intake):
    from accounts.models import AuditEvent

    services.referral_start_assessment(referral=referral, actor=Actor(tsb_intake, unn_intake))
    event = AuditEvent.objects.filter(
        patient_id=referral.patient_id, object_type="referrals.referral", user=tsb_intake
    ).first()
    assert event is not None and event.action == "update"
