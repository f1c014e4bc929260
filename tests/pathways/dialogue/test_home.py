"""'Til behandling': threads waiting for my unit's answer, and my unit's questions whose
answer-by date has passed."""

import pytest
from django.urls import reverse

from accounts.acting import Actor
from pathways.dialogue import services as dialogue
from pathways.models import CareTeamMember, DialogueThread
from pathways.patients.services.careteam import care_team_end
from tests.kept import forget_kept
from tests.pathways.dialogue.conftest import ask, in_days

pytestmark = pytest.mark.django_db


def dialogue_group(client) -> str:
    html = client.get("/").content.decode()
    start = html.index('<h2 id="dialog">')
    return html[start : html.index("</section>", start)]


def test_the_asked_unit_sees_the_question_waiting(login, thread, tsb_clinician):
    group = dialogue_group(login(tsb_clinician))
    url = reverse("pathways:dialogue_thread", args=[thread.patient_id, thread.pk])
    assert "Svar: Legemidler ved utskriving" in group
    assert f'href="{url}"' in group
    assert "Fra Rus- og psykisk helseenheten" in group and "svar innen" in group
    assert "Svarfristen er passert" not in group


def test_the_asking_unit_sees_it_once_the_answer_by_date_has_passed(
    login, thread, coordinator, tsb_clinician
):
    assert "Legemidler" not in dialogue_group(login(coordinator))
    DialogueThread.objects.filter(pk=thread.pk).update(answer_by=in_days(-1))
    group = dialogue_group(login(coordinator))
    assert "Ikke besvart ennå: Legemidler ved utskriving" in group
    assert "Svarfristen er passert" in group
    assert "Svarfristen er passert" in dialogue_group(login(tsb_clinician))


def test_an_answered_thread_leaves_the_home_page(
    login, thread, tsb_clinician, unn_tsb, coordinator
):
    DialogueThread.objects.filter(pk=thread.pk).update(answer_by=in_days(-1))
    dialogue.thread_reply(thread=thread, actor=Actor(tsb_clinician, unn_tsb), text="Metadon.")
    for user in (tsb_clinician, coordinator):
        assert "Legemidler" not in dialogue_group(login(user))


def test_a_third_unit_and_a_unit_that_left_the_team_see_nothing(
    login, thread, nav_user, tsb_clinician, unn_tsb, coordinator, vadso_rus
):
    assert "Legemidler" not in dialogue_group(login(nav_user))
    member = CareTeamMember.objects.get(patient=thread.patient, unit=unn_tsb, ended_at=None)
    care_team_end(member=member, actor=Actor(coordinator, vadso_rus), reason="Avsluttet")
    assert "Legemidler" not in dialogue_group(login(tsb_clinician))


def test_the_group_costs_the_same_for_one_thread_and_many(
    login,
    thread,
    team_patient,
    coordinator,
    vadso_rus,
    unn_tsb,
    tsb_clinician,
    nav_user,
    vadso_nav,
    django_assert_num_queries,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(tsb_clinician)
    client.get("/")
    forget_kept()  # the render's queries, not the kept page's
    with CaptureQueriesContext(connection) as one:
        client.get("/")
    for n in range(6):
        ask(team_patient, coordinator, vadso_rus, unn_tsb, subject=f"Spørsmål {n}")
        ask(team_patient, nav_user, vadso_nav, unn_tsb, subject=f"NAV {n}")
    # One query per thread (its patient, its units) would be a dozen more here.
    forget_kept()
    with django_assert_num_queries(len(one)):
        group = dialogue_group(client)
    assert group.count("<li id=") == 13
