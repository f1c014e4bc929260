"""'Til behandling': where login lands; what waits for each person, one group per kind of work,
each line saying what is needed and linking to the place to do it."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.acting import Actor
from accounts.models import Membership
from pathways.episodes import services as episodes
from pathways.models import (
    BreakGlassAccess,
    CareTeamMember,
    CoordinatorAssignment,
    IndividualPlan,
    KommuneMessage,
    TreatmentEpisode,
)
from pathways.patients.services.breakglass import break_glass_open
from pathways.patients.services.careteam import care_team_add
from referrals import services as referrals
from referrals.models import Referral
from tests.factories import make_patient, make_user
from tests.kept import forget_kept
from tests.pathways.plan.setup import add_measure, start_plan
from tests.referrals.conftest import send_referral

pytestmark = pytest.mark.django_db

HOME = "/"
TODAY = timezone.localdate


def days(n):
    return TODAY() + datetime.timedelta(days=n)


def page(client) -> str:
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def group(html, key) -> str:
    """The part of the page for one group (its section)."""
    start = html.index(f'<h2 id="{key}">')
    return html[start : html.index("</section>", start)]


def share_with_tsb(patient, coordinator, vadso_rus, unn_tsb):
    care_team_add(
        patient=patient,
        unit=unn_tsb,
        role=CareTeamMember.Role.TREATING,
        basis=CareTeamMember.Basis.CONSENT,
        actor=Actor(coordinator, vadso_rus),
    )


def ready_message(patient, tsb_clinician, unn_tsb, vadso_rus, *, urgent=False):
    episode = episodes.episode_start(
        patient=patient,
        actor=Actor(tsb_clinician, unn_tsb),
        kind=TreatmentEpisode.Kind.DOGN,
        started_at=timezone.now() - datetime.timedelta(days=10),
    )
    return KommuneMessage.objects.create(
        episode=episode,
        patient=patient,
        kind=KommuneMessage.Kind.READY,
        from_unit=unn_tsb,
        to_unit=vadso_rus,
        sent_by=tsb_clinician,
        urgent=urgent,
    )


def test_anonymous_is_sent_to_login(client):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_page_is_til_behandling_and_its_header_link_is_current(login, coordinator):
    html = page(login(coordinator))
    assert "<h1>Til behandling" in html
    assert f'<a href="{HOME}" aria-current="page">Til behandling</a>' in html
    assert "Ingenting venter på deg nå." in html


# --- messages to the kommune ------------------------------------------------------------


def test_an_utskrivningsklar_waiting_for_an_answer_opens_the_answer_form(
    login, shared_patient, coordinator, colleague, vadso_rus, tsb_clinician, unn_tsb
):
    message = ready_message(shared_patient, tsb_clinician, unn_tsb, vadso_rus, urgent=True)
    answer = reverse(
        "pathways:message_answer", args=[shared_patient.pk, message.episode_id, message.pk]
    )
    for user in (coordinator, colleague):
        messages = group(page(login(user)), "meldinger")
        assert f'<a href="{answer}">Svar: Utskrivningsklar</a>' in messages
        assert "Ola Nordmann" in messages and "Fra TSB døgn" in messages
        assert "Haster" in messages and "1 venter, 1 forfalt eller haster." in messages
    assert login(coordinator).get(answer).status_code == 200
    KommuneMessage.objects.filter(pk=message.pk).update(
        answered_at=timezone.now(), answer="cannot_receive", answer_reason="Ingen bolig ennå"
    )
    assert "Ingen meldinger venter på svar." in page(login(coordinator))


def test_messages_that_ask_nothing_or_belong_to_an_ended_stay_wait_for_nothing(
    login, shared_patient, coordinator, vadso_rus, tsb_clinician, unn_tsb
):
    message = ready_message(shared_patient, tsb_clinician, unn_tsb, vadso_rus)
    KommuneMessage.objects.filter(pk=message.pk).update(kind=KommuneMessage.Kind.ADMISSION)
    assert "Ingen meldinger venter på svar." in page(login(coordinator))
    KommuneMessage.objects.filter(pk=message.pk).update(kind=KommuneMessage.Kind.READY)
    TreatmentEpisode.objects.filter(pk=message.episode_id).update(
        ended_at=timezone.now(), end_kind="planned"
    )
    assert "Ingen meldinger venter på svar." in page(login(coordinator))


def test_other_units_do_not_see_the_message(
    login, shared_patient, vadso_rus, tsb_clinician, unn_tsb, other_kommune_user
):
    ready_message(shared_patient, tsb_clinician, unn_tsb, vadso_rus)
    assert "Svar: Utskrivningsklar" not in page(login(other_kommune_user))
    # The specialist unit sends messages; it has no group for answering them.
    assert 'id="meldinger"' not in page(login(tsb_clinician))


# --- referrals ----------------------------------------------------------------------------


def test_a_request_for_information_waits_for_the_referrer(
    login, patient, coordinator, vadso_rus, unn_intake, tsb_intake, other_kommune_user
):
    referral = send_referral(patient, coordinator, vadso_rus, unn_intake)
    asked = referrals.referral_request_information(
        referral=referral, actor=Actor(tsb_intake, unn_intake), question="Siste blodprøver?"
    )
    url = reverse("referrals:answer", args=[referral.pk, asked.pk])
    section = group(page(login(coordinator)), "opplysninger")
    assert f'<a href="{url}">Svar på forespørselen om opplysninger</a>' in section
    assert "Siste blodprøver?" in section and "Ola Nordmann" in section
    assert login(coordinator).get(url).status_code == 200
    assert "Siste blodprøver?" not in page(login(tsb_intake))
    assert "Siste blodprøver?" not in page(login(other_kommune_user))
    referrals.referral_answer_information(
        info_request=asked, actor=Actor(coordinator, vadso_rus), answer="Sendt i dag."
    )
    assert "Ingen forespørsler om opplysninger venter" in page(login(coordinator))


def test_referrals_near_their_deadline_wait_at_the_receiving_unit(
    login, patient, coordinator, vadso_rus, unn_intake, tsb_intake
):
    referral = send_referral(patient, coordinator, vadso_rus, unn_intake)
    client = login(tsb_intake)
    # Ten working days ahead: not yet.
    assert "Ingen henvisninger har frist snart." in page(client)
    Referral.objects.filter(pk=referral.pk).update(assessment_due=days(0))
    section = group(page(client), "henvisninger")
    detail = reverse("referrals:detail", args=[referral.pk])
    assert f'<a href="{detail}">Vurder henvisningen</a>' in section
    assert "fra Rus- og psykisk helseenheten" in section
    Referral.objects.filter(pk=referral.pk).update(assessment_due=days(-1))
    assert "Vurderingsfristen gikk ut" in group(page(client), "henvisninger")
    referrals.referral_grant(
        referral=Referral.objects.get(pk=referral.pk),
        actor=Actor(tsb_intake, unn_intake),
        start_deadline=days(30),
        help_kind="inpatient",
    )
    assert "Ingen henvisninger har frist snart." in page(client)
    Referral.objects.filter(pk=referral.pk).update(start_deadline=days(5))
    assert "Start behandlingen" in group(page(client), "henvisninger")
    Referral.objects.filter(pk=referral.pk).update(start_deadline=days(-1))
    section = group(page(client), "henvisninger")
    assert "Fristen er passert: varsle Helfo" in section and "Forfalt" in section
    # The referring kommune has no deadline group.
    assert 'id="henvisninger"' not in page(login(coordinator))


# --- tasks, plans, emergency access ----------------------------------------------------------


def test_measures_due_this_week_are_on_the_page_later_ones_in_my_tasks(
    login, patient, coordinator, vadso_rus
):
    plan = start_plan(patient, coordinator, vadso_rus)
    add_measure(plan, coordinator, vadso_rus, title="Søke bostøtte", end_on=days(3))
    add_measure(plan, coordinator, vadso_rus, title="Kurs i økonomi", end_on=days(30))
    section = group(page(login(coordinator)), "oppgaver")
    assert "Tiltak: Søke bostøtte" in section and "Kurs i økonomi" not in section
    assert f'<a href="{reverse("tasks")}">Alle mine oppgaver</a>' in section


def test_plans_due_for_revision(
    login, shared_patient, coordinator, colleague, leader, vadso_rus, tsb_clinician
):
    start_plan(shared_patient, coordinator, vadso_rus)
    assert "Ingen individuelle planer skal revideres nå." in page(login(coordinator))
    IndividualPlan.objects.update(next_revision_on=days(-3))
    plan_url = reverse("pathways:plan", args=[shared_patient.pk])
    section = group(page(login(coordinator)), "planer")
    assert f'<a href="{plan_url}">Revider den individuelle planen</a>' in section
    assert "Forfalt" in section
    # The unit's leader sees it too; a colleague and the TSB clinician leave it to the koordinator.
    assert "Revider den individuelle planen" in page(login(leader))
    assert "Revider den individuelle planen" not in page(login(colleague))
    assert "Revider den individuelle planen" not in page(login(tsb_clinician))


def test_the_units_other_koordinatorer_see_a_due_plan_only_while_it_has_no_koordinator(
    login, patient, coordinator, vadso_rus
):
    start_plan(patient, coordinator, vadso_rus)
    IndividualPlan.objects.update(next_revision_on=days(-3))
    other = make_user(vadso_rus, Membership.Role.COORDINATOR, username="annenkoordinator")
    # Kari is the patient's koordinator: the plan is hers to revise, not her colleague's.
    assert "Revider den individuelle planen" in page(login(coordinator))
    assert "Revider den individuelle planen" not in page(login(other))
    # Her assignment ends (history kept): every koordinator of the owning unit now sees it,
    # and a clinician of the unit still does not.
    CoordinatorAssignment.objects.filter(patient=patient).update(ended_at=timezone.now())
    assert "Revider den individuelle planen" in page(login(other))
    clinician = make_user(vadso_rus, Membership.Role.CLINICIAN, username="behandleren")
    assert "Revider den individuelle planen" not in page(login(clinician))


def test_leaders_see_emergency_access_to_review_without_the_patients_name(
    login, patient, other_kommune_user, sarpsborg_rus
):
    break_glass_open(
        patient=patient,
        actor=Actor(other_kommune_user, sarpsborg_rus),
        reason=BreakGlassAccess.Reason.EMERGENCY,
        explanation="Innlagt akutt på legevakten, trenger kriseplan",
    )
    leader = make_user(sarpsborg_rus, Membership.Role.LEADER, username="sarpsborgleder")
    section = group(page(login(leader)), "nodtilgang")
    assert "Gå gjennom nødtilgang brukt av" in section
    assert reverse("breakglass_review") in section
    assert "Nordmann" not in section
    assert 'id="nodtilgang"' not in page(login(other_kommune_user))


# --- the cost --------------------------------------------------------------------------------


def kommune_work(patient, coordinator, vadso_rus, tsb_clinician, unn_tsb, unn_intake, tsb_intake):
    """One line in each kommune group for this patient."""
    share_with_tsb(patient, coordinator, vadso_rus, unn_tsb)
    ready_message(patient, tsb_clinician, unn_tsb, vadso_rus)
    referral = send_referral(patient, coordinator, vadso_rus, unn_intake)
    referrals.referral_request_information(
        referral=referral, actor=Actor(tsb_intake, unn_intake), question="Mer om rusbruken?"
    )
    Referral.objects.filter(pk=referral.pk).update(assessment_due=days(1))
    plan = start_plan(patient, coordinator, vadso_rus)
    add_measure(plan, coordinator, vadso_rus, end_on=days(2))
    IndividualPlan.objects.filter(pk=plan.pk).update(next_revision_on=days(-1))


def test_the_page_costs_the_same_for_one_line_per_group_and_many(
    login,
    patient,
    coordinator,
    vadso_rus,
    tsb_clinician,
    unn_tsb,
    unn_intake,
    tsb_intake,
    other_kommune_user,
    sarpsborg_rus,
    django_assert_num_queries,
):
    cast = (coordinator, vadso_rus, tsb_clinician, unn_tsb, unn_intake, tsb_intake)
    kommune_work(patient, *cast)
    break_glass_open(
        patient=patient,
        actor=Actor(other_kommune_user, sarpsborg_rus),
        reason=BreakGlassAccess.Reason.EMERGENCY,
        explanation="Innlagt akutt på legevakten, trenger kriseplan",
    )
    sarpsborg_leader = make_user(sarpsborg_rus, Membership.Role.LEADER, username="sleder")
    clients = {"kommune": coordinator, "intake": tsb_intake, "leader": sarpsborg_leader}
    counts = {}
    for name, user in clients.items():
        client = login(user)
        page(client)
        forget_kept()  # the render's queries, not the kept page's
        with CaptureQueriesContext(connection) as one:
            html = page(client)
        counts[name] = len(one)
        assert "venter" in html
    for _n in range(6):
        other = make_patient(vadso_rus, by=coordinator)
        kommune_work(other, *cast)
        break_glass_open(
            patient=other,
            actor=Actor(other_kommune_user, sarpsborg_rus),
            reason=BreakGlassAccess.Reason.EMERGENCY,
            explanation="Innlagt akutt på legevakten, trenger kriseplan",
        )
    for name, user in clients.items():
        client = login(user)
        forget_kept()
        with django_assert_num_queries(counts[name]):
            html = page(client)
        print(f"/ as {name}: {counts[name]} queries")
    html = page(login(coordinator))
    for key in ("meldinger", "opplysninger", "oppgaver", "planer"):
        assert group(html, key).count("<li id=") == 7, key
    assert group(page(login(tsb_intake)), "henvisninger").count("<li id=") == 7
    assert group(page(login(sarpsborg_leader)), "nodtilgang").count("<li id=") == 7


def test_a_long_group_shows_the_most_pressing_and_says_there_are_more(
    login, coordinator, vadso_rus, monkeypatch
):
    import pathways.worklist as worklist

    monkeypatch.setattr(worklist, "HOME_LIMIT", 2)
    monkeypatch.setattr("pathways.plan.worklist.HOME_LIMIT", 2)
    for n in range(3):
        other = make_patient(vadso_rus, by=coordinator)
        start_plan(other, coordinator, vadso_rus)
        IndividualPlan.objects.filter(patient=other).update(next_revision_on=days(-n))
    section = group(page(login(coordinator)), "planer")
    assert section.count("<li id=") == 2
    assert "Mer enn 2: de 2 som haster mest vises." in section
