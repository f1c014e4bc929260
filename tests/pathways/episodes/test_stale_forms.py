"""Two people, one form: a stale save never overwrites, not even when it is sent twice.

For each versioned object of the episode (the ettervern plan's parts, the clinician's
assessment, the pathway dates): A and B open the form; A saves; B's save shows the conflict
with A's value and B's text kept; B sending the ORIGINAL stale form again shows the conflict
again and A's change stays; B saving from the conflict screen applies.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.acting import Actor
from pathways.episodes import services as svc
from pathways.episodes import timers
from pathways.models import CrisisPlan, TreatmentEpisode
from pathways.stale import StaleWrite
from pathways.web import display
from tests.factories import make_user
from tests.pathways.episodes.test_services import admit

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode(shared_patient, tsb_clinician, unn_tsb):
    return admit(shared_patient, tsb_clinician, unn_tsb, send=True)


def session(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name, episode, *extra):
    return reverse(f"pathways:{name}", args=[episode.patient_id, episode.pk, *extra])


def days_ago(n):
    return timezone.localdate() - datetime.timedelta(days=n)


def opened_version(response, form="form") -> int:
    return int(response.context[form]["version"].value())


def rebased_version(response) -> int:
    """The version the conflict screen's form carries (what a save from it sends)."""
    return int(response.context["form"]["version"].value())


def assert_conflict(response, *, theirs: str, mine: str):
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["conflict"] is not None
    assert "Endret av noen andre mens du skrev" in body
    assert theirs in body  # what was saved meanwhile
    assert mine in body  # what this person typed is kept


# --- the ettervern plan's parts -----------------------------------------------------------


def test_a_stale_crisis_plan_never_overwrites_even_when_sent_again(
    episode, tsb_clinician, unn_tsb, coordinator
):
    """The crisis plan of the ettervern plan (the patient's one, opened from both sides)."""
    svc.plan_start(episode=episode, actor=Actor(tsb_clinician, unn_tsb))
    path = reverse("pathways:crisis_plan", args=[episode.patient_id])
    a, b = session(coordinator), session(tsb_clinician)
    version = opened_version(a.get(path))
    assert opened_version(b.get(path)) == version

    saved = a.post(path, {"warning_signs": "Slutter å svare.", "version": version})
    assert saved.status_code == 302

    stale_post = {"warning_signs": "Trekker seg unna.", "version": version}
    first = b.post(path, stale_post)
    assert_conflict(first, theirs="Slutter å svare.", mine="Trekker seg unna.")
    assert "Lagret av noen andre" in first.content.decode()
    crisis = CrisisPlan.objects.get(patient_id=episode.patient_id)
    assert crisis.warning_signs == "Slutter å svare."

    again = b.post(path, stale_post)
    assert_conflict(again, theirs="Slutter å svare.", mine="Trekker seg unna.")
    crisis.refresh_from_db()
    assert crisis.warning_signs == "Slutter å svare."

    after_seeing = b.post(
        path, {"warning_signs": "Trekker seg unna.", "version": rebased_version(again)}
    )
    assert after_seeing.status_code == 302
    crisis.refresh_from_db()
    assert crisis.warning_signs == "Trekker seg unna."
    assert crisis.version == version + 2


# --- the clinician's assessment -----------------------------------------------------------


def test_a_stale_assessment_never_overwrites_even_when_sent_again(episode, unn_tsb, tsb_clinician):
    colleague = make_user(unn_tsb)
    path = url("episode_assess", episode)
    a, b = session(tsb_clinician), session(colleague)
    version = opened_version(a.get(path))
    assert opened_version(b.get(path)) == version

    saved = a.post(path, {"assessment": "Stabil og motivert.", "version": version})
    assert saved.status_code == 302

    stale_post = {"assessment": "Trenger en uke til.", "version": version}
    first = b.post(path, stale_post)
    assert_conflict(first, theirs="Stabil og motivert.", mine="Trenger en uke til.")
    episode.refresh_from_db()
    assert episode.assessment == "Stabil og motivert."
    assert episode.assessed_by == tsb_clinician

    again = b.post(path, stale_post)
    assert_conflict(again, theirs="Stabil og motivert.", mine="Trenger en uke til.")
    episode.refresh_from_db()
    assert episode.assessment == "Stabil og motivert."

    after_seeing = b.post(
        path, {"assessment": "Trenger en uke til.", "version": rebased_version(again)}
    )
    assert after_seeing.status_code == 302
    episode.refresh_from_db()
    assert episode.assessment == "Trenger en uke til."
    assert episode.assessed_by == colleague


def test_the_assessment_service_refuses_a_stale_version_twice(episode, tsb_clinician, unn_tsb):
    actor = Actor(tsb_clinician, unn_tsb)
    svc.episode_assess(episode=episode, actor=actor, assessment="Først.", version=1)
    for _ in range(2):
        with pytest.raises(StaleWrite) as stale:
            svc.episode_assess(episode=episode, actor=actor, assessment="Gammel.", version=1)
        assert stale.value.current.assessment == "Først."
        assert stale.value.current_version == 2
    with pytest.raises(StaleWrite):
        svc.episode_assess(episode=episode, actor=actor, assessment="Uten.", version=None)
    assert TreatmentEpisode.objects.get(pk=episode.pk).assessment == "Først."


# --- the pathway dates --------------------------------------------------------------------


def test_stale_pathway_dates_never_move_the_first_attendance(episode, unn_tsb, tsb_clinician):
    colleague = make_user(unn_tsb)
    detail, path = url("episode_detail", episode), url("episode_milestones", episode)
    a, b = session(tsb_clinician), session(colleague)
    version = opened_version(a.get(detail), "milestones_form")
    assert opened_version(b.get(detail), "milestones_form") == version

    right, wrong = days_ago(3), days_ago(4)
    saved = a.post(path, {"first_attendance_on": right.isoformat(), "version": version})
    assert saved.status_code == 302

    stale_post = {
        "first_attendance_on": wrong.isoformat(),
        "clinical_decision_on": "",
        "version": version,
    }
    first = b.post(path, stale_post)
    assert first.status_code == 200 and first.context["conflict"] is not None
    rows = first.context["conflict"]["fields"]
    assert [(label, typed) for label, _stored, typed in rows] == [
        ("Første oppmøte", display(wrong))
    ]
    assert rows[0][1] == display(right)
    assert f'value="{wrong.isoformat()}"' in first.content.decode()
    episode.refresh_from_db()
    assert episode.first_attendance_on == right

    again = b.post(path, stale_post)
    assert again.status_code == 200 and again.context["conflict"] is not None
    episode.refresh_from_db()
    assert episode.first_attendance_on == right

    after_seeing = b.post(path, {**stale_post, "version": rebased_version(again)})
    assert after_seeing.status_code == 302
    episode.refresh_from_db()
    assert episode.first_attendance_on == wrong
    assert episode.milestones_version == version + 2


def test_the_dates_service_refuses_a_stale_version_twice(episode, tsb_clinician, unn_tsb):
    actor = Actor(tsb_clinician, unn_tsb)
    timers.milestones_save(
        episode=episode,
        actor=actor,
        first_attendance_on=days_ago(3),
        clinical_decision_on=None,
        version=1,
    )
    for _ in range(2):
        with pytest.raises(StaleWrite) as stale:
            timers.milestones_save(
                episode=episode,
                actor=actor,
                first_attendance_on=days_ago(4),
                clinical_decision_on=None,
                version=1,
            )
        assert stale.value.current.first_attendance_on == days_ago(3)
    assert TreatmentEpisode.objects.get(pk=episode.pk).first_attendance_on == days_ago(3)
