"""The national patient pathway timers for TSB (calendar days), their page and reminders."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import AuditEvent
from pathways.episodes import services as dsvc
from pathways.episodes import timers
from pathways.models import Notification, TreatmentEpisode
from pathways.notifications import reminders
from tests.pathways.episodes.test_services import admit

pytestmark = pytest.mark.django_db
Kind = TreatmentEpisode.Kind


def days_ago(n):
    return timezone.localdate() - datetime.timedelta(days=n)


def timer(episode, key, **kw):
    episode.refresh_from_db()
    return next(t for t in timers.episode_timers(episode, **kw) if t.key == key)


def set_dates(episode, by, unit, first, decision=None):
    return timers.milestones_save(
        episode=episode,
        actor=Actor(by, unit),
        first_attendance_on=first,
        clinical_decision_on=decision,
        version=TreatmentEpisode.objects.get(pk=episode.pk).milestones_version,
    )


@pytest.fixture
def dogn(shared_patient, tsb_clinician, unn_tsb):
    return admit(shared_patient, tsb_clinician, unn_tsb, days_ago=30)


@pytest.fixture
def poli(shared_patient, tsb_clinician, unn_tsb):
    return admit(shared_patient, tsb_clinician, unn_tsb, days_ago=30, kind=Kind.POLIKLINIKK)


# --- first attendance to clinical decision ------------------------------------------------


def test_an_episode_starts_the_decision_timer_on_its_first_day(dogn):
    assert dogn.first_attendance_on == days_ago(30)
    decision = timer(dogn, "decision")
    assert decision.limit == 7 and decision.day == 30 and decision.state == "overdue"


def test_the_decision_timer_is_21_days_outpatient_and_7_inpatient(
    dogn, poli, tsb_clinician, unn_tsb
):
    set_dates(poli, tsb_clinician, unn_tsb, days_ago(5))
    set_dates(dogn, tsb_clinician, unn_tsb, days_ago(5))
    outpatient, inpatient = timer(poli, "decision"), timer(dogn, "decision")
    assert (outpatient.limit, outpatient.day, outpatient.state) == (21, 5, "running")
    assert outpatient.text == "dag 5 av 21"
    assert (inpatient.limit, inpatient.state) == (7, "soon")
    assert inpatient.text == "dag 5 av 7"


def test_a_decision_in_time_is_met_and_a_late_one_missed(dogn, tsb_clinician, unn_tsb):
    set_dates(dogn, tsb_clinician, unn_tsb, days_ago(20), days_ago(14))
    assert timer(dogn, "decision").state == "met"
    assert timer(dogn, "decision").text == "gjort på dag 6 av 7"
    set_dates(dogn, tsb_clinician, unn_tsb, days_ago(20), days_ago(10))
    assert timer(dogn, "decision").state == "missed"


def test_the_limits_are_settings(poli, tsb_clinician, unn_tsb, settings):
    settings.PATHWAY_DECISION_DAYS_OUTPATIENT = 4
    set_dates(poli, tsb_clinician, unn_tsb, days_ago(5))
    assert timer(poli, "decision").state == "overdue"


# --- decision to first evaluation, and between evaluations --------------------------------


def test_the_first_evaluation_is_due_7_days_after_the_decision(dogn, tsb_clinician, unn_tsb):
    set_dates(dogn, tsb_clinician, unn_tsb, days_ago(12), days_ago(8))
    first = timer(dogn, "first_evaluation")
    assert (first.day, first.limit, first.state) == (8, 7, "overdue")
    timers.evaluation_add(episode=dogn, actor=Actor(tsb_clinician, unn_tsb), held_on=days_ago(3))
    first = timer(dogn, "first_evaluation")
    assert first.state == "met" and first.day == 5


def test_evaluations_are_due_every_42_days_inpatient_and_56_outpatient(
    dogn, poli, tsb_clinician, unn_tsb
):
    for episode in (dogn, poli):
        set_dates(episode, tsb_clinician, unn_tsb, days_ago(29), days_ago(28))
        timers.evaluation_add(
            episode=episode, actor=Actor(tsb_clinician, unn_tsb), held_on=days_ago(27)
        )
    dogn.refresh_from_db()
    assert dogn.last_evaluation_on == days_ago(27)
    assert timer(dogn, "evaluation").limit == 42
    assert timer(poli, "evaluation").limit == 56
    assert timer(dogn, "evaluation").text == "dag 27 av 42"
    # A newer evaluation restarts the interval; an older one does not.
    timers.evaluation_add(episode=dogn, actor=Actor(tsb_clinician, unn_tsb), held_on=days_ago(2))
    timers.evaluation_add(episode=dogn, actor=Actor(tsb_clinician, unn_tsb), held_on=days_ago(20))
    assert timer(dogn, "evaluation").day == 2


def test_before_any_evaluation_the_interval_has_not_started(dogn):
    assert timer(dogn, "evaluation").state == "not_started"
    assert timer(dogn, "evaluation").text == "Ikke startet"


def test_timers_stop_when_the_treatment_ends(dogn, tsb_clinician, unn_tsb):
    dsvc.episode_end(episode=dogn, actor=Actor(tsb_clinician, unn_tsb), end_kind="unplanned")
    assert timer(dogn, "decision").state == "stopped"


# --- end of detoxification to the next treatment ------------------------------------------


def test_the_next_treatment_is_due_3_days_after_detoxification(
    shared_patient, tsb_clinician, unn_tsb
):
    detox = admit(shared_patient, tsb_clinician, unn_tsb, days_ago=12, kind=Kind.AVRUSNING)
    assert timer(detox, "after_detox").state == "not_started"
    dsvc.episode_end(
        episode=detox,
        actor=Actor(tsb_clinician, unn_tsb),
        end_kind="unplanned",
        ended_at=timezone.now() - datetime.timedelta(days=5),
    )
    after = timer(detox, "after_detox")
    assert (after.limit, after.day, after.state) == (3, 5, "overdue")
    admit(shared_patient, tsb_clinician, unn_tsb, days_ago=3, kind=Kind.DOGN)
    after = timer(detox, "after_detox")
    assert after.state == "met" and after.day == 2


def test_only_detoxification_has_the_after_detox_timer(dogn):
    assert [t.key for t in timers.episode_timers(dogn)] == [
        "decision",
        "first_evaluation",
        "evaluation",
    ]


# --- validation and rights ----------------------------------------------------------------


def test_the_dates_are_checked(dogn, tsb_clinician, unn_tsb):
    with pytest.raises(ValidationError) as error:
        set_dates(dogn, tsb_clinician, unn_tsb, days_ago(5), days_ago(6))
    assert "clinical_decision_on" in error.value.message_dict
    with pytest.raises(ValidationError):
        set_dates(dogn, tsb_clinician, unn_tsb, days_ago(-2))
    with pytest.raises(ValidationError):
        set_dates(dogn, tsb_clinician, unn_tsb, None, days_ago(1))
    with pytest.raises(ValidationError):
        timers.evaluation_add(
            episode=dogn, actor=Actor(tsb_clinician, unn_tsb), held_on=days_ago(1)
        )
    set_dates(dogn, tsb_clinician, unn_tsb, days_ago(10), days_ago(5))
    with pytest.raises(ValidationError):
        timers.evaluation_add(
            episode=dogn, actor=Actor(tsb_clinician, unn_tsb), held_on=days_ago(6)
        )


def test_only_the_treating_unit_records_the_dates(dogn, coordinator, vadso_rus):
    with pytest.raises(PermissionDenied):
        set_dates(dogn, coordinator, vadso_rus, days_ago(5))
    with pytest.raises(PermissionDenied):
        timers.evaluation_add(
            episode=dogn, actor=Actor(coordinator, vadso_rus), held_on=days_ago(1)
        )


# --- the episode page ---------------------------------------------------------------------


def url(name, episode):
    return reverse(f"pathways:{name}", args=[episode.patient_id, episode.pk])


def test_the_episode_page_shows_the_timers_and_the_form_to_the_treating_unit(
    login, poli, tsb_clinician, unn_tsb, coordinator
):
    set_dates(poli, tsb_clinician, unn_tsb, days_ago(5))
    page = login(tsb_clinician).get(url("episode_detail", poli)).content.decode()
    assert "dag 5 av 21" in page
    assert url("episode_milestones", poli) in page
    kommune = login(coordinator).get(url("episode_detail", poli)).content.decode()
    assert "dag 5 av 21" in kommune
    assert url("episode_milestones", poli) not in kommune


def test_the_form_saves_the_dates_and_the_evaluation(login, poli, tsb_clinician):
    client = login(tsb_clinician)
    response = client.post(
        url("episode_milestones", poli),
        {
            "first_attendance_on": days_ago(9).isoformat(),
            "clinical_decision_on": days_ago(4),
            "version": 1,
        },
    )
    assert response.status_code == 302
    poli.refresh_from_db()
    assert poli.clinical_decision_on == days_ago(4)
    response = client.post(
        url("episode_evaluation", poli), {"held_on": days_ago(1).isoformat(), "note": "Bra"}
    )
    assert response.status_code == 302
    assert poli.evaluations.get().note == "Bra"
    assert AuditEvent.objects.filter(object_type__icontains="evaluation").exists()
    page = client.get(url("episode_detail", poli)).content.decode()
    assert "gjort på dag 5 av 21" in page and "dag 1 av 56" in page


def test_a_wrong_date_keeps_what_was_typed_with_a_message(login, poli, tsb_clinician):
    response = login(tsb_clinician).post(
        url("episode_milestones", poli),
        {
            "first_attendance_on": days_ago(3).isoformat(),
            "clinical_decision_on": "2001-01-01",
            "version": 1,
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Beslutningen kan ikke være før første oppmøte." in text
    assert 'value="2001-01-01"' in text


def test_access_to_the_forms(client, login, poli, coordinator, other_hf_user):
    target = url("episode_milestones", poli)
    assert client.get(target).status_code == 302
    assert login(other_hf_user).get(target).status_code == 404
    assert login(coordinator).post(target, {"first_attendance_on": "2020-01-01"}).status_code == 403
    poli.refresh_from_db()
    assert poli.first_attendance_on == days_ago(30)


# --- reminders ----------------------------------------------------------------------------


def sent(rule):
    return list(Notification.objects.filter(kind=rule).values_list("title", "user_id"))


def test_the_decision_reminder_warns_then_chases_once_each(poli, tsb_clinician, unn_tsb):
    set_dates(poli, tsb_clinician, unn_tsb, days_ago(10))
    assert reminders.sweep(rules=["pathway_decision"]) == 0
    set_dates(poli, tsb_clinician, unn_tsb, days_ago(19))
    assert reminders.sweep(rules=["pathway_decision"]) == 1
    assert reminders.sweep(rules=["pathway_decision"]) == 0
    assert sent("pathway_decision") == [
        ("Klinisk beslutning må tas innen 2 dager (dag 19)", tsb_clinician.pk)
    ]
    later = timezone.now() + datetime.timedelta(days=3)
    assert reminders.sweep(now=later, rules=["pathway_decision"]) == 1
    set_dates(poli, tsb_clinician, unn_tsb, days_ago(19), days_ago(1))
    assert reminders.sweep(now=later, rules=["pathway_decision"]) == 0


def test_the_first_evaluation_reminder(dogn, tsb_clinician, unn_tsb):
    set_dates(dogn, tsb_clinician, unn_tsb, days_ago(12), days_ago(8))
    assert reminders.sweep(rules=["pathway_first_evaluation"]) == 1
    timers.evaluation_add(episode=dogn, actor=Actor(tsb_clinician, unn_tsb), held_on=days_ago(1))
    later = timezone.now() + datetime.timedelta(days=1)
    assert reminders.sweep(now=later, rules=["pathway_first_evaluation"]) == 0


def test_the_evaluation_interval_reminder(dogn, poli, tsb_clinician, unn_tsb):
    for episode in (dogn, poli):
        set_dates(episode, tsb_clinician, unn_tsb, days_ago(29), days_ago(28))
        timers.evaluation_add(
            episode=episode, actor=Actor(tsb_clinician, unn_tsb), held_on=days_ago(28)
        )
    in_14 = timezone.now() + datetime.timedelta(days=14)
    # Day 42 of 42 inpatient: warned; day 42 of 56 outpatient: not yet.
    assert reminders.sweep(now=in_14, rules=["pathway_evaluation"]) == 1
    assert Notification.objects.get(kind="pathway_evaluation").url == url("episode_detail", dogn)


def test_the_after_detox_reminder(shared_patient, tsb_clinician, unn_tsb):
    detox = admit(shared_patient, tsb_clinician, unn_tsb, days_ago=12, kind=Kind.AVRUSNING)
    dsvc.episode_end(
        episode=detox,
        actor=Actor(tsb_clinician, unn_tsb),
        end_kind="unplanned",
        ended_at=timezone.now() - datetime.timedelta(days=4),
    )
    assert reminders.sweep(rules=["pathway_after_detox"]) == 1
    note = Notification.objects.get(kind="pathway_after_detox")
    assert "avrusning" in note.title and note.user == tsb_clinician


def test_no_after_detox_reminder_when_treatment_continued(shared_patient, tsb_clinician, unn_tsb):
    detox = admit(shared_patient, tsb_clinician, unn_tsb, days_ago=12, kind=Kind.AVRUSNING)
    dsvc.episode_end(
        episode=detox,
        actor=Actor(tsb_clinician, unn_tsb),
        end_kind="unplanned",
        ended_at=timezone.now() - datetime.timedelta(days=4),
    )
    admit(shared_patient, tsb_clinician, unn_tsb, days_ago=3, kind=Kind.DOGN)
    assert reminders.sweep(rules=["pathway_after_detox"]) == 0
