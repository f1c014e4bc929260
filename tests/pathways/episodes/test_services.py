"""The rules of admission, utskrivningsklar, discharge, the ettervern plan and transitions."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import AuditEvent, ServiceUnit
from pathways.crisis import services as crisis_svc
from pathways.episodes import services as svc
from pathways.models import (
    CareTeamMember,
    CrisisPlan,
    EttervernPlan,
    FollowUpAppointment,
    KommuneMessage,
    KommuneMove,
    Notification,
    PlanningMeeting,
    TreatmentEpisode,
)
from pathways.stale import StaleWrite
from tests.factories import make_org, make_unit, make_user

pytestmark = pytest.mark.django_db

Kind = TreatmentEpisode.Kind


def admit(patient, clinician, unit, *, days_ago=10, send=False, kind=Kind.DOGN, planned=5):
    return svc.episode_start(
        patient=patient,
        actor=Actor(clinician, unit),
        kind=kind,
        started_at=timezone.now() - datetime.timedelta(days=days_ago),
        planned_end=timezone.localdate() + datetime.timedelta(days=planned),
        send_admission_message=send,
    )


def make_ready(episode, clinician, unit):
    svc.episode_assess(
        episode=episode,
        actor=Actor(clinician, unit),
        assessment="Klar for utreise.",
        version=episode.assessment_version,
    )
    meeting = svc.planning_meeting_call(
        episode=episode,
        actor=Actor(clinician, unit),
        starts_at=timezone.now() + datetime.timedelta(days=1),
        place="Teams",
        participants="Kari, ruskonsulent\nSara, lege",
    )
    hold_planning_meeting(meeting)
    return svc.episode_declare_ready(episode=episode, actor=Actor(clinician, unit))


def hold_planning_meeting(meeting, *, hours_ago: float = 1):
    """Time passes: the meeting called ahead has taken place (only then does it count)."""
    held = timezone.now() - datetime.timedelta(hours=hours_ago)
    PlanningMeeting.objects.filter(pk=meeting.pk).update(starts_at=held)
    meeting.starts_at = held
    return meeting


def fill_plan(plan, *, clinician, unit, coordinator, kommune_unit):
    svc.plan_save_part(
        plan=plan,
        part="specialist",
        actor=Actor(clinician, unit),
        version=plan.specialist_version,
        data={
            "summary": "Stabil.",
            "medication": "Ingen.",
            "risk": "Overdoserisiko etter utskrivning.",
            "risk_communicated": True,
            "return_kind": EttervernPlan.Return.NONE,
        },
    )
    svc.plan_save_part(
        plan=plan,
        part="kommune",
        actor=Actor(coordinator, kommune_unit),
        version=plan.kommune_version,
        data={
            "housing": "Egen leilighet.",
            "economy": "Sosialhjelp innvilget.",
            "activity": "Arbeidstrening.",
            "first_appointment_at": timezone.now() + datetime.timedelta(days=6),
            "fastlege_appointment_at": timezone.now() + datetime.timedelta(days=9),
        },
    )
    write_crisis_plan(plan.patient, Actor(coordinator, kommune_unit))
    plan.refresh_from_db()
    return plan


def write_crisis_plan(patient, actor, warning_signs="Isolerer seg."):
    """The patient's crisis plan with warning signs and someone to call."""
    crisis = CrisisPlan.objects.for_patient(patient)
    crisis_svc.crisis_plan_save(
        patient=patient,
        actor=actor,
        version=crisis.version if crisis else 1,
        data={"warning_signs": warning_signs},
    )
    crisis_svc.crisis_contact_add(
        patient=patient, actor=actor, data={"name": "Kari", "phone": "78 94 23 00"}
    )


@pytest.fixture
def episode(shared_patient, tsb_clinician, unn_tsb):
    return admit(shared_patient, tsb_clinician, unn_tsb)


# --- admission ----------------------------------------------------------------------------


def test_a_dogn_admission_sends_the_notice_to_the_kommune_and_notifies_its_users(
    shared_patient, tsb_clinician, unn_tsb, coordinator, colleague, vadso_rus
):
    episode = admit(shared_patient, tsb_clinician, unn_tsb, send=True)
    message = KommuneMessage.objects.get(episode=episode)
    assert message.kind == KommuneMessage.Kind.ADMISSION
    assert message.to_unit == vadso_rus
    assert message.from_unit == unn_tsb
    assert message.read_at is None
    notified = set(
        Notification.objects.filter(kind="discharge_admission").values_list("user", flat=True)
    )
    assert notified == {coordinator.pk, colleague.pk}


def test_the_admission_notice_is_not_sent_twice(episode, tsb_clinician, unn_tsb):
    svc.admission_message_send(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    with pytest.raises(ValidationError, match="allerede|already"):
        svc.admission_message_send(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    assert KommuneMessage.objects.filter(episode=episode).count() == 1


def test_nav_on_the_care_team_does_not_get_the_notice(
    shared_patient, tsb_clinician, unn_tsb, coordinator, vadso_rus, vadso
):
    from pathways.patients.services.careteam import care_team_add

    nav = make_unit(vadso, ServiceUnit.Kind.NAV, "NAV Vadsø")
    care_team_add(
        patient=shared_patient,
        unit=nav,
        role=CareTeamMember.Role.TREATING,
        basis=CareTeamMember.Basis.CONSENT,
        actor=Actor(coordinator),
    )
    episode = admit(shared_patient, tsb_clinician, unn_tsb, send=True)
    assert [m.to_unit for m in episode.messages.all()] == [vadso_rus]


def test_only_the_treating_unit_starts_treatment(shared_patient, coordinator, vadso_rus):
    with pytest.raises(PermissionDenied):
        admit(shared_patient, coordinator, vadso_rus)


def test_a_specialist_unit_outside_the_care_team_cannot_start_treatment(
    shared_patient, other_hf_user, other_hf_unit
):
    with pytest.raises(PermissionDenied):
        admit(shared_patient, other_hf_user, other_hf_unit)


# --- utskrivningsklar ---------------------------------------------------------------------


def test_utskrivningsklar_is_refused_without_assessment_and_meeting(
    episode, tsb_clinician, unn_tsb
):
    with pytest.raises(ValidationError) as refused:
        svc.episode_declare_ready(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    text = " ".join(refused.value.messages)
    assert "assessment" in text or "vurdering" in text
    assert "planning meeting" in text or "planleggingsmøte" in text
    episode.refresh_from_db()
    assert episode.ready_at is None
    assert not KommuneMessage.objects.filter(kind=KommuneMessage.Kind.READY).exists()


def test_utskrivningsklar_is_refused_with_assessment_but_no_meeting_for_tsb(
    episode, tsb_clinician, unn_tsb
):
    svc.episode_assess(
        episode=episode, actor=Actor(tsb_clinician, unn_tsb), assessment="Klar.", version=1
    )
    reasons = svc.ready_refusal_reasons(episode)
    assert len(reasons) == 1
    assert not svc.joint_planning_meeting_held(episode)
    with pytest.raises(ValidationError):
        svc.episode_declare_ready(episode=episode, actor=Actor(tsb_clinician, unn_tsb))


def test_utskrivningsklar_with_assessment_and_meeting_tells_the_kommune(
    episode, tsb_clinician, unn_tsb, vadso_rus, coordinator
):
    sent = make_ready(episode, tsb_clinician, unn_tsb)
    assert [m.to_unit for m in sent] == [vadso_rus]
    assert sent[0].kind == KommuneMessage.Kind.READY
    episode.refresh_from_db()
    assert episode.ready_at is not None
    assert svc.joint_planning_meeting_held(episode)
    assert Notification.objects.filter(user=coordinator, kind="discharge_ready").exists()


def test_a_joint_meeting_from_another_feature_counts(episode, tsb_clinician, unn_tsb, monkeypatch):
    monkeypatch.setattr(svc, "JOINT_MEETING_SOURCES", [lambda e: e.pk == episode.pk])
    assert svc.joint_planning_meeting_held(episode)


def test_only_a_clinician_records_the_assessment(episode, unn_tsb):
    intake = make_user(unn_tsb, role="intake")
    with pytest.raises(PermissionDenied):
        svc.episode_assess(
            episode=episode, actor=Actor(intake, unn_tsb), assessment="Klar.", version=1
        )


# --- the kommune's answer -----------------------------------------------------------------


def test_the_kommune_answers_can_receive_from_a_date_and_the_specialist_is_told(
    episode, tsb_clinician, unn_tsb, coordinator, vadso_rus
):
    message = make_ready(episode, tsb_clinician, unn_tsb)[0]
    day = timezone.localdate() + datetime.timedelta(days=3)
    svc.message_answer(
        message=message,
        actor=Actor(coordinator, vadso_rus),
        answer="can_receive",
        can_receive_from=day,
    )
    message.refresh_from_db()
    assert message.answer == "can_receive"
    assert message.can_receive_from == day
    assert message.read_at is not None
    assert message.answered_by == coordinator
    note = Notification.objects.get(user=tsb_clinician, kind="discharge_answer")
    assert day.strftime("%d.%m.%Y") in note.title


def test_cannot_receive_needs_a_reason(episode, tsb_clinician, unn_tsb, coordinator, vadso_rus):
    message = make_ready(episode, tsb_clinician, unn_tsb)[0]
    with pytest.raises(ValidationError):
        svc.message_answer(
            message=message, actor=Actor(coordinator, vadso_rus), answer="cannot_receive"
        )
    svc.message_answer(
        message=message,
        actor=Actor(coordinator, vadso_rus),
        answer="cannot_receive",
        reason="Ingen bolig før 1. mars.",
    )
    message.refresh_from_db()
    assert message.answer_reason == "Ingen bolig før 1. mars."
    assert message.can_receive_from is None


def test_can_receive_needs_a_date(episode, tsb_clinician, unn_tsb, coordinator, vadso_rus):
    message = make_ready(episode, tsb_clinician, unn_tsb)[0]
    with pytest.raises(ValidationError):
        svc.message_answer(
            message=message, actor=Actor(coordinator, vadso_rus), answer="can_receive"
        )


def test_only_the_receiving_unit_answers(episode, tsb_clinician, unn_tsb):
    message = make_ready(episode, tsb_clinician, unn_tsb)[0]
    with pytest.raises(PermissionDenied):
        svc.message_answer(
            message=message,
            actor=Actor(tsb_clinician, unn_tsb),
            answer="can_receive",
            can_receive_from=timezone.localdate(),
        )


def test_opening_the_messages_marks_them_read(
    episode, tsb_clinician, unn_tsb, coordinator, vadso_rus
):
    svc.admission_message_send(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    assert svc.messages_mark_read(episode=episode, actor=Actor(coordinator, vadso_rus)) == 1
    assert svc.messages_mark_read(episode=episode, actor=Actor(coordinator, vadso_rus)) == 0
    assert KommuneMessage.objects.get(episode=episode).read_by == coordinator


# --- discharge ----------------------------------------------------------------------------


def test_an_unplanned_discharge_tells_the_kommune_at_once_marked_urgent(
    episode, tsb_clinician, unn_tsb, coordinator, vadso_rus
):
    svc.episode_end(
        episode=episode, actor=Actor(tsb_clinician, unn_tsb), end_kind="unplanned", note="Reiste."
    )
    episode.refresh_from_db()
    assert episode.end_kind == "unplanned"
    message = KommuneMessage.objects.get(episode=episode, kind=KommuneMessage.Kind.UNPLANNED)
    assert message.urgent
    assert message.to_unit == vadso_rus
    assert (message.sent_at - episode.ended_at) < datetime.timedelta(minutes=1)
    note = Notification.objects.get(user=coordinator, kind="discharge_unplanned")
    assert note.urgent


def test_a_planned_dogn_discharge_needs_utskrivningsklar_first(episode, tsb_clinician, unn_tsb):
    with pytest.raises(ValidationError):
        svc.episode_end(
            episode=episode,
            actor=Actor(tsb_clinician, unn_tsb),
            end_kind="planned",
            without_plan_reason="x",
        )
    episode.refresh_from_db()
    assert episode.ended_at is None


def test_a_planned_discharge_without_a_signed_plan_needs_a_reason(episode, tsb_clinician, unn_tsb):
    make_ready(episode, tsb_clinician, unn_tsb)
    with pytest.raises(ValidationError) as refused:
        svc.episode_end(episode=episode, actor=Actor(tsb_clinician, unn_tsb), end_kind="planned")
    assert "without_plan_reason" in refused.value.message_dict
    svc.episode_end(
        episode=episode,
        actor=Actor(tsb_clinician, unn_tsb),
        end_kind="planned",
        without_plan_reason="Pasienten ønsket å reise før planen var klar.",
    )
    episode.refresh_from_db()
    assert episode.without_plan_reason.startswith("Pasienten")


def test_a_planned_discharge_with_a_signed_plan_books_the_first_appointment(
    episode, tsb_clinician, unn_tsb, coordinator, vadso_rus
):
    plan = svc.plan_start(episode=episode, actor=Actor(coordinator, vadso_rus))
    fill_plan(
        plan, clinician=tsb_clinician, unit=unn_tsb, coordinator=coordinator, kommune_unit=vadso_rus
    )
    svc.plan_sign(plan=plan, actor=Actor(tsb_clinician, unn_tsb))
    svc.plan_sign(plan=plan, actor=Actor(coordinator, vadso_rus))
    make_ready(episode, tsb_clinician, unn_tsb)
    svc.episode_end(episode=episode, actor=Actor(tsb_clinician, unn_tsb), end_kind="planned")
    first = FollowUpAppointment.objects.get(episode=episode)
    assert first.is_first_kommune
    assert first.unit == vadso_rus


def test_the_kommune_cannot_discharge(episode, coordinator, vadso_rus):
    with pytest.raises(PermissionDenied):
        svc.episode_end(episode=episode, actor=Actor(coordinator, vadso_rus), end_kind="unplanned")


# --- the ettervern plan -------------------------------------------------------------------


def test_each_side_edits_only_its_own_part(episode, tsb_clinician, unn_tsb, coordinator, vadso_rus):
    plan = svc.plan_start(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    with pytest.raises(PermissionDenied):
        svc.plan_save_part(
            plan=plan,
            part="kommune",
            actor=Actor(tsb_clinician, unn_tsb),
            data={"housing": "x"},
            version=1,
        )
    with pytest.raises(PermissionDenied):
        svc.plan_save_part(
            plan=plan,
            part="specialist",
            actor=Actor(coordinator, vadso_rus),
            data={"summary": "x"},
            version=1,
        )
    # There is no crisis part of the ettervern plan any more: the crisis plan is the patient's.
    with pytest.raises(PermissionDenied):
        svc.plan_save_part(
            plan=plan,
            part="crisis",
            actor=Actor(coordinator, vadso_rus),
            data={"crisis_contacts": "Kari"},
            version=1,
        )


def test_a_stale_save_is_refused_and_the_other_part_is_not_affected(
    episode, tsb_clinician, unn_tsb, coordinator, vadso_rus
):
    plan = svc.plan_start(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    svc.plan_save_part(
        plan=plan,
        part="kommune",
        actor=Actor(coordinator, vadso_rus),
        data={"housing": "A"},
        version=1,
    )
    # The specialist part has its own version: no conflict across parts.
    svc.plan_save_part(
        plan=plan,
        part="specialist",
        actor=Actor(tsb_clinician, unn_tsb),
        data={"summary": "S"},
        version=1,
    )
    with pytest.raises(StaleWrite) as stale:
        svc.plan_save_part(
            plan=plan,
            part="kommune",
            actor=Actor(coordinator, vadso_rus),
            data={"housing": "B"},
            version=1,
        )
    assert stale.value.current.housing == "A"
    plan.refresh_from_db()
    assert plan.housing == "A"
    assert plan.summary == "S"


def test_the_checklist_counts_items_in_place(
    episode, tsb_clinician, unn_tsb, coordinator, vadso_rus
):
    plan = svc.plan_start(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    assert svc.plan_progress(plan) == (0, 10)
    plan = fill_plan(
        plan, clinician=tsb_clinician, unit=unn_tsb, coordinator=coordinator, kommune_unit=vadso_rus
    )
    assert svc.plan_progress(plan) == (10, 10)
    assert svc.first_appointment_warning(plan) == ""


def test_the_first_appointment_warns_when_later_than_the_setting(
    episode, tsb_clinician, unn_tsb, coordinator, vadso_rus, settings
):
    plan = svc.plan_start(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    assert svc.first_appointment_warning(plan)  # missing
    late = timezone.now() + datetime.timedelta(days=5 + 12)
    svc.plan_save_part(
        plan=plan,
        part="kommune",
        actor=Actor(coordinator, vadso_rus),
        data={"first_appointment_at": late},
        version=1,
    )
    plan.refresh_from_db()
    assert "7" in svc.first_appointment_warning(plan)
    settings.ETTERVERN_FIRST_APPOINTMENT_DAYS = 14
    assert svc.first_appointment_warning(plan) == ""


def test_the_prison_variant_adds_the_release_item(episode, tsb_clinician, unn_tsb):
    plan = svc.plan_start(
        episode=episode, actor=Actor(tsb_clinician, unn_tsb), variant=EttervernPlan.Variant.PRISON
    )
    keys = [item.key for item in svc.plan_checklist(plan)]
    assert keys[-1] == "release"
    assert svc.plan_progress(plan) == (0, 11)


def test_sign_off_needs_each_side_complete_and_the_right_people(
    episode, tsb_clinician, unn_tsb, coordinator, vadso_rus
):
    plan = svc.plan_start(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    with pytest.raises(ValidationError):
        svc.plan_sign(plan=plan, actor=Actor(tsb_clinician, unn_tsb))
    plan = fill_plan(
        plan, clinician=tsb_clinician, unit=unn_tsb, coordinator=coordinator, kommune_unit=vadso_rus
    )
    intake = make_user(unn_tsb, role="intake")
    with pytest.raises(ValidationError):
        svc.plan_sign(plan=plan, actor=Actor(intake, unn_tsb))
    svc.plan_sign(plan=plan, actor=Actor(tsb_clinician, unn_tsb))
    with pytest.raises(ValidationError):
        svc.plan_sign(plan=plan, actor=Actor(tsb_clinician, unn_tsb))
    plan.refresh_from_db()
    assert not plan.is_signed
    svc.plan_sign(plan=plan, actor=Actor(coordinator, vadso_rus))
    plan.refresh_from_db()
    assert plan.is_signed
    assert plan.kommune_signed_by == coordinator
    assert AuditEvent.objects.filter(object_type="pathways.ettervernplan").count() >= 5


def test_a_change_after_sign_off_clears_the_signatures(
    episode, tsb_clinician, unn_tsb, coordinator, vadso_rus
):
    plan = fill_plan(
        svc.plan_start(episode=episode, actor=Actor(tsb_clinician, unn_tsb)),
        clinician=tsb_clinician,
        unit=unn_tsb,
        coordinator=coordinator,
        kommune_unit=vadso_rus,
    )
    svc.plan_sign(plan=plan, actor=Actor(tsb_clinician, unn_tsb))
    svc.plan_sign(plan=plan, actor=Actor(coordinator, vadso_rus))
    plan.refresh_from_db()
    svc.plan_save_part(
        plan=plan,
        part="kommune",
        actor=Actor(coordinator, vadso_rus),
        data={"housing": "Hos søster første uke."},
        version=plan.kommune_version,
    )
    plan.refresh_from_db()
    assert plan.specialist_signed_at is None and plan.kommune_signed_at is None


def test_a_plan_cannot_be_signed_after_discharge(
    episode, tsb_clinician, unn_tsb, coordinator, vadso_rus
):
    plan = fill_plan(
        svc.plan_start(episode=episode, actor=Actor(tsb_clinician, unn_tsb)),
        clinician=tsb_clinician,
        unit=unn_tsb,
        coordinator=coordinator,
        kommune_unit=vadso_rus,
    )
    svc.episode_end(episode=episode, actor=Actor(tsb_clinician, unn_tsb), end_kind="unplanned")
    plan.refresh_from_db()
    with pytest.raises(ValidationError):
        svc.plan_sign(plan=plan, actor=Actor(coordinator, vadso_rus))


# --- after discharge ----------------------------------------------------------------------


def test_a_no_show_alerts_the_coordinating_kommune(
    episode, tsb_clinician, unn_tsb, coordinator, colleague, vadso_rus
):
    svc.episode_end(episode=episode, actor=Actor(tsb_clinician, unn_tsb), end_kind="unplanned")
    appointment = svc.follow_up_add(
        episode=episode,
        actor=Actor(colleague, vadso_rus),
        at=timezone.now() - datetime.timedelta(hours=2),
        with_whom="Kari, ruskonsulent",
    )
    svc.follow_up_record(appointment=appointment, actor=Actor(colleague, vadso_rus), attended=False)
    appointment.refresh_from_db()
    assert appointment.attended is False
    alert = Notification.objects.get(user=coordinator, kind="discharge_no_show")
    assert alert.urgent


def test_an_appointment_in_the_future_cannot_be_marked(
    episode, tsb_clinician, unn_tsb, coordinator, vadso_rus
):
    appointment = svc.follow_up_add(
        episode=episode,
        actor=Actor(coordinator, vadso_rus),
        at=timezone.now() + datetime.timedelta(days=2),
        with_whom="Kari",
    )
    with pytest.raises(ValidationError):
        svc.follow_up_record(
            appointment=appointment, actor=Actor(coordinator, vadso_rus), attended=True
        )


def test_the_specialist_does_not_record_attendance(
    episode, tsb_clinician, unn_tsb, coordinator, vadso_rus
):
    appointment = svc.follow_up_add(
        episode=episode,
        actor=Actor(coordinator, vadso_rus),
        at=timezone.now() - datetime.timedelta(hours=1),
        with_whom="Kari",
    )
    with pytest.raises(PermissionDenied):
        svc.follow_up_record(
            appointment=appointment, actor=Actor(tsb_clinician, unn_tsb), attended=True
        )


# --- transitions --------------------------------------------------------------------------


def test_a_move_adds_the_new_kommune_and_the_old_one_leaves_after_handover(
    shared_patient, coordinator, vadso_rus, other_kommune_user, sarpsborg_rus
):
    today = timezone.localdate()
    move = svc.kommune_move_start(
        patient=shared_patient,
        actor=Actor(coordinator, vadso_rus),
        to_unit=sarpsborg_rus,
        handover_date=today + datetime.timedelta(days=3),
        consent_given_on=today,
    )
    assert (
        CareTeamMember.objects.active().filter(patient=shared_patient, unit=sarpsborg_rus).exists()
    )
    assert Notification.objects.filter(user=other_kommune_user).exists()
    with pytest.raises(ValidationError):
        svc.kommune_move_complete(move=move)
    KommuneMove.objects.filter(pk=move.pk).update(handover_date=today)
    move.refresh_from_db()
    assert svc.kommune_moves_complete_due() == 1
    assert (
        not CareTeamMember.objects.active().filter(patient=shared_patient, unit=vadso_rus).exists()
    )
    shared_patient.refresh_from_db()
    assert shared_patient.home_kommune == sarpsborg_rus.organisation
    assert svc.kommune_moves_complete_due() == 0


def test_a_transfer_ends_the_episode_starts_a_new_one_and_moves_the_plan(
    episode, tsb_clinician, unn_tsb, coordinator, vadso_rus, unn
):
    plan = svc.plan_start(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    dps = make_unit(unn, ServiceUnit.Kind.DPS, "DPS Tromsø")
    with pytest.raises(ValidationError):
        svc.episode_transfer(
            episode=episode, actor=Actor(tsb_clinician, unn_tsb), to_unit=dps, kind=Kind.DOGN
        )
    new = svc.episode_transfer(
        episode=episode,
        actor=Actor(tsb_clinician, unn_tsb),
        to_unit=dps,
        kind=Kind.DOGN,
        consent_given_on=timezone.localdate(),
    )
    episode.refresh_from_db()
    plan.refresh_from_db()
    assert episode.end_kind == "transferred"
    assert episode.transferred_to == new
    assert new.unit == dps and new.ended_at is None
    assert plan.episode == new
    assert KommuneMessage.objects.filter(
        episode=episode, kind="transfer", to_unit=vadso_rus
    ).exists()
    assert CareTeamMember.objects.active().filter(patient=episode.patient, unit=dps).exists()


def test_a_transfer_to_a_kommune_unit_is_refused(episode, tsb_clinician, unn_tsb):
    kommune_unit = make_unit(make_org("Tana kommune"))
    with pytest.raises(ValidationError):
        svc.episode_transfer(
            episode=episode,
            actor=Actor(tsb_clinician, unn_tsb),
            to_unit=kommune_unit,
            kind=Kind.DOGN,
        )
