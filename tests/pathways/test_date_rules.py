"""The date rules of docs/date-rules.md: one test per rule at the service (so every path obeys
it), and for a representative set the form page that shows the message beside its field with
what was typed kept."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import Membership
from pathways.dates import DateRules
from pathways.episodes import services as dsvc
from pathways.meetings import services as msvc
from pathways.models import (
    ActionItem,
    Consent,
    EttervernPlan,
    FollowUpAppointment,
    Goal,
    KommuneMessage,
    LifeArea,
    Meeting,
    Patient,
    PlanningMeeting,
    TreatmentEpisode,
)
from pathways.patients.services.careteam import consent_record
from pathways.patients.services.patients import patient_register, patient_update
from pathways.plan import services as psvc
from referrals import services as rsvc
from tests.factories import make_patient, make_user
from tests.pathways.episodes.test_services import admit, hold_planning_meeting
from tests.pathways.meetings.fixtures import *  # noqa: F403  (fixtures)
from tests.pathways.meetings.fixtures import at, hold
from tests.pathways.plan.setup import add_goal, add_measure, start_plan
from tests.referrals.conftest import send_referral

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)


def today():
    return timezone.localdate()


def refused(call, field: str) -> str:
    """The message the service puts beside ``field`` (and the call must refuse)."""
    with pytest.raises(ValidationError) as error:
        call()
    assert field in error.value.error_dict, error.value
    return " ".join(error.value.error_dict[field][0].messages)


# --- the helper -----------------------------------------------------------------------------


def test_the_helper_reports_every_field_at_once():
    rules = DateRules()
    rules.not_future("a", today() + DAY).not_past("b", today() - DAY)
    rules.not_before("c", today(), today() + DAY, "before %(date)s")
    with pytest.raises(ValidationError) as error:
        rules.check()
    assert set(error.value.error_dict) == {"a", "b", "c"}


def test_the_helper_lets_empty_dates_and_a_moment_of_clock_skew_pass():
    DateRules().not_future("a", None).not_past("b", None).not_before(
        "c", None, today(), "x"
    ).check()
    DateRules().not_future("a", timezone.now() + datetime.timedelta(minutes=2)).check()
    DateRules().not_past("a", timezone.now() - datetime.timedelta(minutes=2)).check()


def test_a_date_and_time_is_compared_with_a_date_by_the_norwegian_day():
    late_evening = timezone.make_aware(datetime.datetime.combine(today(), datetime.time(23, 30)))
    DateRules().not_before("a", today(), late_evening, "x %(date)s").check()
    with pytest.raises(ValidationError):
        DateRules().after("a", today(), late_evening, "x %(date)s").check()


# --- patients and consent ---------------------------------------------------------------------


def _person(**extra):
    data = {"first_name": "Kari", "last_name": "Nordmann", "birth_date": datetime.date(1980, 5, 1)}
    data.update(extra)
    return data


@pytest.mark.parametrize(
    "birth_date, words",
    [
        (3, "fram i tid"),
        (-130 * 366, "125 år"),
    ],
)
def test_a_birth_date_is_not_in_the_future_nor_absurdly_old(
    birth_date, words, coordinator, vadso_rus
):
    birth_date = today() + birth_date * DAY
    message = refused(
        lambda: patient_register(
            actor=Actor(coordinator, vadso_rus), data=_person(birth_date=birth_date)
        ),
        "birth_date",
    )
    assert words in message
    assert not Patient.objects.filter(first_name="Kari").exists()


def test_changing_the_birth_date_obeys_the_same_rule(patient, coordinator, vadso_rus):
    refused(
        lambda: patient_update(
            patient=patient,
            actor=Actor(coordinator, vadso_rus),
            data={"birth_date": datetime.date(1850, 1, 1)},
            version=patient.version,
        ),
        "birth_date",
    )


def test_the_patient_form_shows_an_absurd_birth_year_beside_the_field(
    login, coordinator, vadso_rus
):
    # Without a national id the birth date is typed (with one it follows from the number).
    patient = make_patient(vadso_rus, by=coordinator, national_id=None, id_kind=Patient.IdKind.NONE)
    url = reverse("pathways:patient_edit", args=[patient.pk])
    form = login(coordinator).get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(birth_date="1850-01-01")
    response = login(coordinator).post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "Sjekk årstallet" in str(errors.get("birth_date") or errors)
    assert 'value="1850-01-01"' in response.content.decode()


def test_consent_is_not_given_in_the_future(patient, coordinator, vadso_rus, unn_tsb):
    refused(
        lambda: consent_record(
            patient=patient,
            actor=Actor(coordinator, vadso_rus),
            scope=Consent.Scope.SHARING,
            given_on=today() + DAY,
            units=[unn_tsb],
        ),
        "given_on",
    )


def test_consent_is_not_valid_until_before_it_was_given(patient, coordinator, vadso_rus, unn_tsb):
    refused(
        lambda: consent_record(
            patient=patient,
            actor=Actor(coordinator, vadso_rus),
            scope=Consent.Scope.SHARING,
            given_on=today() - DAY,
            valid_until=today() - 2 * DAY,
            units=[unn_tsb],
        ),
        "valid_until",
    )
    assert not Consent.objects.filter(patient=patient, unit=unn_tsb).exists()


# --- episodes -----------------------------------------------------------------------------


@pytest.fixture
def episode(shared_patient, tsb_clinician, unn_tsb):
    return admit(shared_patient, tsb_clinician, unn_tsb, send=True, days_ago=10)


def as_clinician(tsb_clinician, unn_tsb):
    return Actor(tsb_clinician, unn_tsb)


def test_an_episode_does_not_start_in_the_future(shared_patient, tsb_clinician, unn_tsb):
    refused(
        lambda: dsvc.episode_start(
            patient=shared_patient,
            actor=Actor(tsb_clinician, unn_tsb),
            kind="dogn",
            started_at=timezone.now() + DAY,
        ),
        "started_at",
    )


def test_the_planned_discharge_is_not_before_the_start(episode, tsb_clinician, unn_tsb):
    refused(
        lambda: dsvc.episode_set_planned_end(
            episode=episode,
            actor=Actor(tsb_clinician, unn_tsb),
            planned_end=timezone.localdate(episode.started_at) - DAY,
        ),
        "planned_end",
    )


@pytest.mark.parametrize("when", ["before the start", "in the future"])
def test_the_discharge_is_during_the_stay_and_not_ahead(when, episode, tsb_clinician, unn_tsb):
    ended_at = episode.started_at - DAY if when == "before the start" else timezone.now() + DAY
    refused(
        lambda: dsvc.episode_end(
            episode=episode,
            actor=Actor(tsb_clinician, unn_tsb),
            end_kind="unplanned",
            ended_at=ended_at,
        ),
        "ended_at",
    )


def call_meeting(episode, by, unit, starts_at):
    return dsvc.planning_meeting_call(
        episode=episode,
        actor=Actor(by, unit),
        starts_at=starts_at,
        place="Teams",
        participants="Kari, ruskonsulent",
    )


def test_no_invitation_goes_out_for_a_planning_meeting_in_the_past(episode, tsb_clinician, unn_tsb):
    message = refused(
        lambda: call_meeting(episode, tsb_clinician, unn_tsb, timezone.now() - 3 * DAY),
        "starts_at",
    )
    assert "passert" in message
    assert not PlanningMeeting.objects.exists()


def assess(episode, by, unit):
    dsvc.episode_assess(episode=episode, actor=Actor(by, unit), assessment="Klar.", version=1)


def test_a_planning_meeting_still_ahead_does_not_count_towards_utskrivningsklar(
    episode, tsb_clinician, unn_tsb
):
    assess(episode, tsb_clinician, unn_tsb)
    call_meeting(episode, tsb_clinician, unn_tsb, timezone.now() + 2 * DAY)
    assert not dsvc.joint_planning_meeting_held(episode)
    with pytest.raises(ValidationError) as error:
        dsvc.episode_declare_ready(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    assert "ikke holdt ennå" in " ".join(error.value.messages)
    episode.refresh_from_db()
    assert episode.ready_at is None


def test_a_planning_meeting_that_took_place_during_the_stay_counts(episode, tsb_clinician, unn_tsb):
    assess(episode, tsb_clinician, unn_tsb)
    meeting = call_meeting(episode, tsb_clinician, unn_tsb, timezone.now() + 2 * DAY)
    hold_planning_meeting(meeting)
    assert dsvc.joint_planning_meeting_held(episode)
    assert dsvc.episode_declare_ready(episode=episode, actor=Actor(tsb_clinician, unn_tsb))


def test_a_planning_meeting_before_the_admission_does_not_count(episode, tsb_clinician, unn_tsb):
    assess(episode, tsb_clinician, unn_tsb)
    meeting = call_meeting(episode, tsb_clinician, unn_tsb, timezone.now() + 2 * DAY)
    PlanningMeeting.objects.filter(pk=meeting.pk).update(starts_at=episode.started_at - DAY)
    assert not dsvc.joint_planning_meeting_held(episode)
    reasons = " ".join(dsvc.ready_refusal_reasons(episode))
    assert "under oppholdet" in reasons


def test_the_planning_meeting_form_shows_the_past_time_beside_the_field(
    login, episode, tsb_clinician
):
    url = reverse("pathways:planning_meeting_new", args=[episode.patient_id, episode.pk])
    past = timezone.localtime() - 2 * DAY
    typed = past.strftime("%Y-%m-%dT%H:%M")
    response = login(tsb_clinician).post(
        url, {"starts_at": typed, "place": "Teams", "participants": "Kari"}
    )
    assert response.status_code == 200
    assert "passert" in " ".join(response.context["form"].errors["starts_at"])
    assert typed in response.content.decode()
    assert not PlanningMeeting.objects.exists()


@pytest.fixture
def ready_message(episode, tsb_clinician, unn_tsb):
    assess(episode, tsb_clinician, unn_tsb)
    hold_planning_meeting(call_meeting(episode, tsb_clinician, unn_tsb, timezone.now() + DAY))
    [message] = dsvc.episode_declare_ready(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    return message


def test_kommunen_kan_ta_imot_fra_is_not_in_the_past(ready_message, coordinator, vadso_rus):
    message = refused(
        lambda: dsvc.message_answer(
            message=ready_message,
            actor=Actor(coordinator, vadso_rus),
            answer=KommuneMessage.Answer.CAN_RECEIVE,
            can_receive_from=today() - DAY,
        ),
        "can_receive_from",
    )
    assert "passert" in message
    ready_message.refresh_from_db()
    assert ready_message.answered_at is None
    dsvc.message_answer(
        message=ready_message,
        actor=Actor(coordinator, vadso_rus),
        answer=KommuneMessage.Answer.CAN_RECEIVE,
        can_receive_from=today(),
    )


def test_the_answer_form_shows_a_past_date_beside_the_field(
    login, ready_message, coordinator, episode
):
    url = reverse(
        "pathways:message_answer", args=[episode.patient_id, episode.pk, ready_message.pk]
    )
    typed = (today() - 3 * DAY).isoformat()
    response = login(coordinator).post(
        url, {"answer": "can_receive", "can_receive_from": typed, "answer_reason": ""}
    )
    assert response.status_code == 200
    assert "passert" in " ".join(response.context["form"].errors["can_receive_from"])
    assert typed in response.content.decode()


@pytest.fixture
def ettervern(episode, tsb_clinician, unn_tsb):
    return dsvc.plan_start(episode=episode, actor=Actor(tsb_clinician, unn_tsb))


def specialist_data(**extra):
    data = {name: "" for name in EttervernPlan.SPECIALIST_FIELDS}
    data.update(risk_communicated=False, return_unit=None, return_valid_until=None)
    data.update(extra)
    return data


@pytest.mark.parametrize(
    "field, value",
    [
        ("return_unit", "unit"),
        ("return_conditions", "Kan ringe avdelingen ved tilbakefall."),
        ("return_valid_until", 30),
    ],
)
def test_no_way_back_agreed_carries_no_unit_conditions_or_date(
    field, value, ettervern, tsb_clinician, unn_tsb
):
    if field == "return_unit":
        value = unn_tsb
    elif field == "return_valid_until":
        value = today() + value * DAY
    message = refused(
        lambda: dsvc.plan_save_part(
            plan=ettervern,
            part="specialist",
            actor=Actor(tsb_clinician, unn_tsb),
            data=specialist_data(return_kind=EttervernPlan.Return.NONE, **{field: value}),
            version=ettervern.specialist_version,
        ),
        field,
    )
    assert "ikke avtalt" in message
    ettervern.refresh_from_db()
    assert ettervern.return_kind == ""


def test_an_open_return_is_not_valid_until_a_past_date(ettervern, tsb_clinician, unn_tsb):
    refused(
        lambda: dsvc.plan_save_part(
            plan=ettervern,
            part="specialist",
            actor=Actor(tsb_clinician, unn_tsb),
            data=specialist_data(
                return_kind=EttervernPlan.Return.OPEN_RETURN,
                return_unit=unn_tsb,
                return_valid_until=today() - DAY,
            ),
            version=ettervern.specialist_version,
        ),
        "return_valid_until",
    )


def test_the_specialist_part_shows_the_way_back_rule_beside_the_field(
    login, ettervern, episode, tsb_clinician, unn_tsb
):
    url = reverse("pathways:ettervern_edit", args=[episode.patient_id, episode.pk, "spesialist"])
    response = login(tsb_clinician).post(
        url,
        {
            "version": ettervern.specialist_version,
            "summary": "Stabil.",
            "return_kind": EttervernPlan.Return.NONE,
            "return_unit": unn_tsb.pk,
            "return_conditions": "Ring avdelingen.",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "ikke avtalt" in " ".join(errors["return_unit"])
    assert "ikke avtalt" in " ".join(errors["return_conditions"])
    assert "Ring avdelingen." in response.content.decode()


@pytest.mark.parametrize("field", ["first_appointment_at", "fastlege_appointment_at"])
def test_the_kommune_parts_appointments_are_not_before_the_stay(
    field, ettervern, episode, coordinator, vadso_rus
):
    data = {name: "" for name in EttervernPlan.KOMMUNE_FIELDS}
    data.update(first_appointment_at=None, fastlege_appointment_at=None, release_date=None)
    data[field] = episode.started_at - 2 * DAY
    refused(
        lambda: dsvc.plan_save_part(
            plan=ettervern,
            part="kommune",
            actor=Actor(coordinator, vadso_rus),
            data=data,
            version=ettervern.kommune_version,
        ),
        field,
    )


def test_a_follow_up_after_discharge_is_not_before_the_discharge(
    episode, tsb_clinician, unn_tsb, coordinator, vadso_rus
):
    dsvc.episode_end(
        episode=episode,
        actor=Actor(tsb_clinician, unn_tsb),
        end_kind="unplanned",
        ended_at=timezone.now() - 2 * DAY,
    )
    episode.refresh_from_db()
    message = refused(
        lambda: dsvc.follow_up_add(
            episode=episode,
            actor=Actor(coordinator, vadso_rus),
            at=episode.ended_at - DAY,
            with_whom="Kari",
        ),
        "at",
    )
    assert "etter utskrivningen" in message
    assert not FollowUpAppointment.objects.exists()
    dsvc.follow_up_add(
        episode=episode, actor=Actor(coordinator, vadso_rus), at=timezone.now(), with_whom="Kari"
    )


def test_a_follow_up_during_the_stay_is_not_before_it(episode, coordinator, vadso_rus):
    refused(
        lambda: dsvc.follow_up_add(
            episode=episode,
            actor=Actor(coordinator, vadso_rus),
            at=episode.started_at - DAY,
            with_whom="Kari",
        ),
        "at",
    )


def test_a_follow_up_is_recorded_only_once_its_time_has_come(episode, coordinator, vadso_rus):
    appointment = dsvc.follow_up_add(
        episode=episode, actor=Actor(coordinator, vadso_rus), at=timezone.now() + DAY, with_whom="K"
    )
    with pytest.raises(ValidationError):
        dsvc.follow_up_record(
            appointment=appointment, actor=Actor(coordinator, vadso_rus), attended=True
        )


def test_the_handover_to_a_new_kommune_is_not_in_the_past(
    shared_patient, coordinator, vadso_rus, sarpsborg_rus
):
    refused(
        lambda: dsvc.kommune_move_start(
            patient=shared_patient,
            actor=Actor(coordinator, vadso_rus),
            to_unit=sarpsborg_rus,
            handover_date=today() - DAY,
            consent_given_on=today(),
        ),
        "handover_date",
    )


# --- the individuell plan ---------------------------------------------------------------------


@pytest.fixture
def ip(shared_patient, coordinator, vadso_rus):
    return start_plan(shared_patient, coordinator, vadso_rus)


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"period_end": -1}, "period_end"),
        ({"next_revision_on": 0}, "next_revision_on"),
        ({"period_start": -60, "next_revision_on": -1}, "next_revision_on"),
    ],
    ids=["end before start", "revision not after start", "revision in the past"],
)
def test_the_plan_period_runs_forwards_and_its_revision_lies_ahead(
    extra, field, shared_patient, coordinator, vadso_rus
):
    dates = {name: today() + days * DAY for name, days in extra.items()}
    refused(lambda: start_plan(shared_patient, coordinator, vadso_rus, **dates), field)


def basics(plan, **extra):
    data = {
        "status": plan.status,
        "owner_unit": plan.owner_unit,
        "period_start": plan.period_start,
        "period_end": plan.period_end,
        "next_revision_on": plan.next_revision_on,
    }
    data.update(extra)
    return data


def test_a_passed_revision_date_may_stay_but_not_be_set(ip, coordinator, vadso_rus):
    actor = Actor(coordinator, vadso_rus)
    type(ip).objects.filter(pk=ip.pk).update(
        period_start=today() - 200 * DAY, next_revision_on=today() - 10 * DAY
    )
    ip.refresh_from_db()
    psvc.plan_update_section(
        plan=ip,
        actor=actor,
        section="basics",
        data=basics(ip, period_end=today() + 100 * DAY),
        base_version=ip.version,
    )
    ip.refresh_from_db()
    refused(
        lambda: psvc.plan_update_section(
            plan=ip,
            actor=actor,
            section="basics",
            data=basics(ip, next_revision_on=today() - 5 * DAY),
            base_version=ip.version,
        ),
        "next_revision_on",
    )


def test_the_patient_did_not_go_through_the_plan_in_the_future(ip, coordinator, vadso_rus):
    refused(
        lambda: psvc.plan_update_section(
            plan=ip,
            actor=Actor(coordinator, vadso_rus),
            section="participation",
            data={
                "patient_reviewed_on": today() + DAY,
                "patient_agreed": True,
                "participation_note": "",
            },
            base_version=ip.version,
        ),
        "patient_reviewed_on",
    )


def test_a_goal_is_not_due_before_the_plan_that_made_it(ip, coordinator, vadso_rus):
    message = refused(
        lambda: add_goal(ip, coordinator, vadso_rus, target_date=ip.period_start - DAY),
        "target_date",
    )
    assert "planperioden" in message
    assert not Goal.objects.filter(plan=ip).exists()


def test_the_goal_form_shows_the_target_date_beside_the_field(
    login, ip, coordinator, shared_patient
):
    url = reverse("pathways:plan_goal_new", args=[shared_patient.pk])
    form = login(coordinator).get(url).context["form"]
    prefix = form.prefix + "-" if form.prefix else ""
    typed = (ip.period_start - 10 * DAY).isoformat()
    ip.refresh_from_db()
    response = login(coordinator).post(
        url,
        {
            f"{prefix}version": ip.version,
            f"{prefix}life_area": LifeArea.HOUSING,
            f"{prefix}text": "Egen leilighet",
            f"{prefix}status": "active",
            f"{prefix}target_date": typed,
        },
    )
    assert response.status_code == 200
    assert "planperioden" in " ".join(response.context["form"].errors["target_date"])
    assert typed in response.content.decode()


def test_progress_is_not_noted_in_the_future(ip, coordinator, vadso_rus):
    goal = add_goal(ip, coordinator, vadso_rus)
    refused(
        lambda: psvc.goal_progress_add(
            goal=goal, actor=Actor(coordinator, vadso_rus), noted_on=today() + DAY, text="Bra"
        ),
        "noted_on",
    )


def test_a_self_rating_is_not_dated_in_the_future(ip, coordinator, vadso_rus):
    refused(
        lambda: psvc.area_save(
            plan=ip,
            actor=Actor(coordinator, vadso_rus),
            life_area=LifeArea.HOUSING,
            resources="",
            needs="",
            score=3,
            rated_on=today() + DAY,
            base_version=ip.version,
        ),
        "rated_on",
    )


@pytest.mark.parametrize(
    "start_on, end_on",
    [
        (0, -1),
        (-400, -30),
    ],
    ids=["end before start", "ends before the plan period"],
)
def test_a_measure_does_not_end_before_it_starts_or_before_the_plan(
    start_on, end_on, ip, coordinator, vadso_rus
):
    start_on, end_on = today() + start_on * DAY, today() + end_on * DAY
    refused(
        lambda: add_measure(ip, coordinator, vadso_rus, start_on=start_on, end_on=end_on),
        "end_on",
    )


def test_a_measure_may_have_started_before_the_plan(ip, coordinator, vadso_rus):
    measure = add_measure(ip, coordinator, vadso_rus, start_on=today() - 400 * DAY, end_on=None)
    assert measure.start_on < ip.period_start


def test_an_evaluation_is_not_held_in_the_future_and_revision_follows_it(
    ip, coordinator, vadso_rus
):
    actor = Actor(coordinator, vadso_rus)

    def evaluate(held_on, next_revision_on):
        return psvc.evaluation_add(
            plan=ip,
            actor=actor,
            data={
                "held_on": held_on,
                "participants": "Ola, Kari",
                "what_worked": "Bolig",
                "what_changes": "",
                "next_revision_on": next_revision_on,
            },
        )

    refused(lambda: evaluate(today() + DAY, today() + 100 * DAY), "held_on")
    refused(lambda: evaluate(today(), today()), "next_revision_on")


# --- meetings -----------------------------------------------------------------------------


def test_no_invitation_goes_out_for_a_meeting_in_the_past(group, coordinator, vadso_rus):
    message = refused(
        lambda: msvc.meeting_plan(
            group=group, actor=Actor(coordinator, vadso_rus), starts_at=at(-2), place="Vadsø"
        ),
        "starts_at",
    )
    assert "passert" in message
    assert not Meeting.objects.exists()


def test_a_meeting_that_took_place_is_recorded_with_no_one_invited(group, coordinator, vadso_rus):
    meeting = msvc.meeting_plan(
        group=group,
        actor=Actor(coordinator, vadso_rus),
        starts_at=at(-2),
        place="Vadsø",
        invite=[],
    )
    assert not meeting.invitations.exists()


def test_a_meeting_is_not_moved_into_the_past(planned, coordinator, vadso_rus):
    refused(
        lambda: msvc.meeting_change(
            meeting=planned,
            actor=Actor(coordinator, vadso_rus),
            version=planned.version,
            starts_at=at(-1),
            duration_minutes=60,
            place="Vadsø",
            digital_link="",
        ),
        "starts_at",
    )
    planned.refresh_from_db()
    assert planned.starts_at == at(7)


def test_the_meeting_form_shows_the_past_date_beside_the_date(
    login, group, coordinator, shared_patient
):
    url = reverse("pathways:meeting_new", args=[shared_patient.pk])
    typed = (today() - 3 * DAY).isoformat()
    response = login(coordinator).post(
        url,
        {
            "date": typed,
            "time": "10:00",
            "duration_minutes": 60,
            "place": "Vadsø rådhus",
            "invite": [m.pk for m in group.members.active()],
        },
    )
    assert response.status_code == 200
    assert "passert" in " ".join(response.context["form"].errors["date"])
    assert typed in response.content.decode()


def _record_minutes(meeting, by, unit):
    return msvc.minutes_record(
        meeting=meeting,
        actor=Actor(by, unit),
        version=meeting.version,
        attendance={},
        agenda_notes={a.pk: ("Notat", "") for a in meeting.agenda.all()},
        general_notes="Skrevet før møtet.",
    )


def test_minutes_are_not_written_for_a_meeting_still_ahead(planned, coordinator, vadso_rus):
    with pytest.raises(ValidationError) as error:
        _record_minutes(planned, coordinator, vadso_rus)
    assert "ikke funnet sted" in " ".join(error.value.messages)
    with pytest.raises(ValidationError):
        msvc.action_item_add(
            meeting=planned,
            actor=Actor(coordinator, vadso_rus),
            what="Søke bolig",
            due_date=today() + 30 * DAY,
            responsible_user=coordinator,
        )
    planned.refresh_from_db()
    # Nothing was saved, and the meeting is not held (a held meeting counts on the pathway).
    assert planned.state == Meeting.State.PLANNED
    assert planned.general_notes == ""
    assert not ActionItem.objects.exists()


def test_minutes_are_written_from_the_moment_the_meeting_begins(planned, coordinator, vadso_rus):
    Meeting.objects.filter(pk=planned.pk).update(starts_at=timezone.now() + 2 * MINUTE)
    planned.refresh_from_db()
    assert _record_minutes(planned, coordinator, vadso_rus).state == Meeting.State.HELD


def test_the_minutes_page_of_a_meeting_ahead_says_when_and_offers_no_form(
    login, planned, coordinator, shared_patient
):
    client = login(coordinator)
    detail = reverse("pathways:meeting_detail", args=[shared_patient.pk, planned.pk])
    minutes = reverse("pathways:minutes_edit", args=[shared_patient.pk, planned.pk])
    assert minutes not in client.get(detail).content.decode()
    response = client.get(minutes, follow=True)
    assert response.redirect_chain[-1][0] == detail
    assert "når møtet har begynt" in response.content.decode()
    response = client.post(minutes, {"version": planned.version, "general_notes": "x"})
    planned.refresh_from_db()
    assert planned.state == Meeting.State.PLANNED


def test_an_action_is_not_due_before_the_meeting_that_agreed_it(planned, coordinator, vadso_rus):
    held = hold(planned, coordinator, vadso_rus)
    message = refused(
        lambda: msvc.action_item_add(
            meeting=held,
            actor=Actor(coordinator, vadso_rus),
            what="Søke bolig",
            due_date=timezone.localdate(held.starts_at) - DAY,
            responsible_user=coordinator,
        ),
        "due_date",
    )
    assert "møtet" in message
    assert not ActionItem.objects.exists()


def test_the_action_form_shows_the_due_date_beside_the_field(
    login, planned, coordinator, vadso_rus, shared_patient
):
    held = hold(planned, coordinator, vadso_rus)
    member = held.group.members.get(user=coordinator)
    url = reverse("pathways:action_item_add", args=[shared_patient.pk, held.pk])
    typed = (timezone.localdate(held.starts_at) - 2 * DAY).isoformat()
    response = login(coordinator).post(
        url,
        {
            "action-what": "Søke bolig",
            "action-responsible": f"m{member.pk}",
            "action-due_date": typed,
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "møtet" in " ".join(form.errors["due_date"])
    assert typed in response.content.decode()


def test_the_next_meeting_is_proposed_after_this_one(planned, coordinator, vadso_rus):
    held = hold(planned, coordinator, vadso_rus)
    refused(
        lambda: msvc.minutes_publish(
            meeting=held,
            actor=Actor(coordinator, vadso_rus),
            version=held.version,
            next_meeting_proposed=timezone.localdate(held.starts_at),
        ),
        "next_meeting_proposed",
    )
    held.refresh_from_db()
    assert held.published_at is None


# --- referrals ----------------------------------------------------------------------------


@pytest.fixture
def referral(patient, coordinator, vadso_rus, unn_intake, tsb_intake):
    return send_referral(patient, coordinator, vadso_rus, unn_intake)


def test_the_referrals_consent_is_not_given_in_the_future(
    patient, coordinator, vadso_rus, unn_intake
):
    refused(
        lambda: send_referral(
            patient, coordinator, vadso_rus, unn_intake, consent_given_on=today() + DAY
        ),
        "consent_given_on",
    )


def test_received_and_seniority_dates_are_set_on_sending_and_kept_on_forwarding(
    referral, tsb_intake, unn_intake, unn_tsb
):
    assert referral.received_on == referral.seniority_date == today()
    assert referral.assessment_due > referral.seniority_date


@pytest.mark.parametrize(
    "start_deadline, appointment_days, field",
    [
        (-1, None, "start_deadline"),
        (10, -1, "planned_appointment"),
        (10, 20, "planned_appointment"),
    ],
    ids=["frist in the past", "appointment in the past", "appointment after the frist"],
)
def test_the_frist_and_the_first_appointment_make_sense(
    start_deadline, appointment_days, field, referral, tsb_intake, unn_intake
):
    appointment = (
        None
        if appointment_days is None
        else timezone.now() + datetime.timedelta(days=appointment_days)
    )
    refused(
        lambda: rsvc.referral_grant(
            referral=referral,
            actor=Actor(tsb_intake, unn_intake),
            start_deadline=today() + start_deadline * DAY,
            help_kind="inpatient",
            planned_appointment=appointment,
        ),
        field,
    )


@pytest.fixture
def granted(referral, tsb_intake, unn_intake):
    return rsvc.referral_grant(
        referral=referral,
        actor=Actor(tsb_intake, unn_intake),
        start_deadline=today() + 30 * DAY,
        help_kind="inpatient",
    )


@pytest.mark.parametrize("days", [1, -1], ids=["in the future", "before it was received"])
def test_treatment_starts_neither_ahead_nor_before_the_referral_came(
    days, granted, tsb_intake, unn_intake
):
    refused(
        lambda: rsvc.referral_start_treatment(
            referral=granted, actor=Actor(tsb_intake, unn_intake), on=today() + days * DAY
        ),
        "on",
    )


@pytest.mark.parametrize("days", [1, -1], ids=["in the future", "before it was received"])
def test_helfo_is_notified_neither_ahead_nor_before_the_referral_came(
    days, granted, tsb_intake, unn_intake
):
    marked = rsvc.referral_mark_frist_at_risk(
        referral=granted, actor=Actor(tsb_intake, unn_intake), note="Ingen ledig plass"
    )
    leader = make_user(unn_intake, Membership.Role.LEADER, username="unnleder")
    refused(
        lambda: rsvc.referral_record_helfo_notified(
            referral=marked, actor=Actor(leader, unn_intake), on=today() + days * DAY
        ),
        "on",
    )
    marked.refresh_from_db()
    assert marked.helfo_notified_on is None


# --- rules that had their test elsewhere or none --------------------------------------------


def test_free_places_are_not_free_from_a_past_day(unn, unn_intake, tsb_intake):
    from referrals.models import TreatmentPlace
    from referrals.placement.services import capacity_update
    from tests.referrals.test_placement import make_place

    place = make_place(unn, "Kollektivet")
    message = refused(
        lambda: capacity_update(
            place=place,
            actor=Actor(tsb_intake, unn_intake),
            free_places=2,
            free_from=today() - DAY,
            expected_wait_days=0,
            version=place.capacity_version,
        ),
        "free_from",
    )
    assert "tilbake i tid" in message
    assert TreatmentPlace.objects.get(pk=place.pk).free_places == place.free_places


def test_the_statistics_period_is_at_most_three_years():
    from pathways.episodes.forms import StatisticsForm

    long = StatisticsForm({"start": "2020-01-01", "end": "2023-06-01", "notice_days": 7})
    assert "tre år" in " ".join(long.errors["end"])
    assert StatisticsForm({"start": "2021-01-01", "end": "2023-12-31", "notice_days": 7}).is_valid()


def test_the_access_log_filter_does_not_end_before_it_starts():
    from pathways.patients.forms import AccessLogFilterForm

    form = AccessLogFilterForm({"fra": "2026-05-02", "til": "2026-05-01"})
    assert not form.is_valid() and form.errors["til"]
    assert form.filters() == {}  # an invalid filter shows the whole log beside the error
    assert AccessLogFilterForm({"fra": "2026-05-01", "til": "2026-05-01"}).is_valid()


def test_linking_a_stay_that_began_before_the_referral_dates_the_start_on_the_receipt(
    shared_patient, coordinator, vadso_rus, tsb_clinician, unn_tsb
):
    stay = dsvc.episode_start(
        patient=shared_patient,
        actor=Actor(tsb_clinician, unn_tsb),
        kind=TreatmentEpisode.Kind.DOGN,
        started_at=timezone.now() - 3 * DAY,
    )
    referral = send_referral(shared_patient, coordinator, vadso_rus, unn_tsb)
    linked = rsvc.referral_link_episode(
        referral=referral, episode=stay, actor=Actor(tsb_clinician, unn_tsb)
    )
    assert linked.treatment_started_on == linked.received_on == today()
    assert linked.treatment_episode == stay
