"""A whole pathway built through the real services: every resource type the API serves has
at least one instance for Ola (Vadsø's patient, shared with UNN)."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.acting import Actor
from pathways.crisis import services as crisis
from pathways.episodes import services as episodes
from pathways.meetings import services as meetings
from pathways.models import CrisisPlan, EttervernPlan, Goal, NextOfKin, TreatmentEpisode
from pathways.plan import services as plan_services
from referrals import services as referrals
from referrals.models import Referral
from tests.pathways.meetings.fixtures import hold
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


ATTACHMENT = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def build_aftercare(pathway, patient, coordinator, vadso_rus, unn_tsb, tsb_clinician):
    """After the stay: the ettervern plan (both parts, a way back to TSB døgn), the patient's
    crisis plan, two follow-up appointments (one missed, one ahead), an earlier ansvarsgruppe
    meeting whose minutes are published, and an attachment to the forwarded referral."""
    episode = pathway["episode"]
    specialist, kommune = Actor(tsb_clinician, unn_tsb), Actor(coordinator, vadso_rus)
    plan = episodes.plan_start(episode=episode, actor=specialist)
    plan.episode.patient = patient
    episodes.plan_save_part(
        plan=plan,
        part="specialist",
        actor=specialist,
        version=plan.specialist_version,
        data={
            "summary": "Fullført døgnopphold uten rus.",
            "risk": "Økt overdosefare de første ukene.",
            "recommendations": "Tett oppfølging de første ukene.",
            "return_kind": EttervernPlan.Return.OPEN_RETURN,
            "return_unit": unn_tsb,
            "return_conditions": "Ring døgnavdelingen før kl. 12.",
            "return_valid_until": timezone.localdate() + datetime.timedelta(days=90),
        },
    )
    episodes.plan_save_part(
        plan=plan,
        part="kommune",
        actor=kommune,
        version=plan.kommune_version,
        data={
            "housing": "Kommunal leilighet i Vadsø.",
            "first_appointment_at": timezone.now() + datetime.timedelta(days=2),
            "first_appointment_with": "Kari Koordinator, 78 00 00 00",
        },
    )
    found = CrisisPlan.objects.for_patient(patient)
    crisis.crisis_plan_save(
        patient=patient,
        actor=kommune,
        data={"warning_signs": "Trekker seg unna venner.", "what_helps": "Gå tur med hunden."},
        version=found.version if found else 1,
    )
    crisis.crisis_contact_add(
        patient=patient,
        actor=kommune,
        data={"name": "Legevakt", "role": "Vakttelefon", "phone": "116117", "when": "Hele døgnet"},
    )
    missed = episodes.follow_up_add(
        episode=episode,
        actor=kommune,
        at=timezone.now() - datetime.timedelta(days=1),
        with_whom="Ruskonsulent Per",
    )
    episodes.follow_up_record(appointment=missed, actor=kommune, attended=False)
    ahead = episodes.follow_up_add(
        episode=episode,
        actor=kommune,
        at=timezone.now() + datetime.timedelta(days=10),
        with_whom="Fastlege Hansen",
    )
    earlier = meetings.meeting_plan(
        group=pathway["meeting"].group,
        actor=kommune,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        place="Vadsø helsesenter",
        agenda=["Ettervern"],
    )
    held = hold(earlier, coordinator, vadso_rus, notes="Ola møtte til første avtale.")
    minutes = meetings.minutes_publish(meeting=held, actor=kommune, version=held.version)
    forwarded = Referral.objects.get(pk=pathway["forwarded"].pk)
    attachment = referrals.attachment_add(
        referral=forwarded,
        actor=kommune,
        upload=SimpleUploadedFile("epikrise.pdf", ATTACHMENT),
        description="Epikrise fra fastlegen",
    )
    plan.refresh_from_db()
    return {
        "ettervern": plan,
        "missed": missed,
        "ahead": ahead,
        "minutes": minutes,
        "attachment": attachment,
    }
