"""A whole pathway built through the real services: every resource type the API serves has
at least one instance for Ola (Vadsø's patient, shared with UNN)."""

import datetime

from django.utils import timezone

from accounts.acting import Actor
from pathways.episodes import services as episodes
from pathways.meetings import services as meetings
from pathways.models import Goal, NextOfKin, TreatmentEpisode
from pathways.plan import services as plan_services
from referrals import services as referrals
from tests.pathways.plan.setup import add_goal, add_measure, start_plan
from tests.referrals.conftest import send_referral


def build(patient, coordinator, vadso_rus, unn_intake, tsb_intake, unn_tsb, tsb_clinician):
    NextOfKin.objects.create(
        patient=patient, name="Kari Nordmann", relation="Mor", phone="41234567"
    )
    plan = start_plan(patient, coordinator, vadso_rus)
    goal = add_goal(plan, coordinator, vadso_rus, is_main=True)
    add_goal(
        plan,
        coordinator,
        vadso_rus,
        text="Komme i arbeidstrening.",
        status=Goal.Status.ACHIEVED,
        target_date=timezone.localdate(),
    )
    measure = add_measure(plan, coordinator, vadso_rus)
    plan.refresh_from_db()
    plan_services.goal_progress_add(
        goal=goal,
        actor=Actor(coordinator, vadso_rus),
        noted_on=timezone.localdate(),
        text="Søknaden er sendt.",
    )
    # A referral to UNN's intake team, rejected and forwarded to TSB døgn.
    first = send_referral(patient, coordinator, vadso_rus, unn_intake)
    forwarded = referrals.referral_reject(
        referral=first,
        actor=Actor(tsb_intake, unn_intake),
        reason="Bedre egnet for døgnbehandling.",
        forward_to=unn_tsb,
    )
    episode = episodes.episode_start(
        patient=patient,
        actor=Actor(tsb_clinician, unn_tsb),
        kind=TreatmentEpisode.Kind.DOGN,
        started_at=timezone.now() - datetime.timedelta(days=3),
        send_admission_message=True,
    )
    group = meetings.group_create(patient=patient, actor=Actor(coordinator, vadso_rus))
    meeting = meetings.meeting_plan(
        group=group,
        actor=Actor(coordinator, vadso_rus),
        starts_at=timezone.now() + datetime.timedelta(days=7),
        place="Vadsø rådhus",
        agenda=["Bolig", "Arbeidstrening"],
    )
    return {
        "plan": plan,
        "goal": goal,
        "measure": measure,
        "referral": first,
        "forwarded": forwarded,
        "episode": episode,
        "meeting": meeting,
    }
