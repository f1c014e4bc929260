"""Demo treatment episodes in every state, ettervern plans complete and not, one prison release."""

import datetime

from django.utils import timezone

from accounts.acting import Actor
from pathways.crisis import services as crisis_svc
from pathways.episodes import services as svc
from pathways.models import (
    CrisisPlan,
    EttervernPlan,
    KommuneMessage,
    PlanningMeeting,
    TreatmentEpisode,
)

Kind = TreatmentEpisode.Kind

SPECIALIST = {
    "summary": (
        "Seks ukers døgnopphold. God effekt av miljøterapi og samtalebehandling. "
        "Motivert for rusfrihet, ønsker tett oppfølging første uker."
    ),
    "medication": "Quetiapin 50 mg kveld. Ingen vanedannende medisiner ved utreise.",
    "risk": (
        "Økt overdoserisiko etter utskrivning (redusert toleranse). "
        "Ingen aktuelle selvmordstanker ved utreise."
    ),
    "risk_communicated": True,
    "recommendations": "Samtaler hos ruskonsulent ukentlig de første to månedene.",
    "return_kind": EttervernPlan.Return.OPEN_RETURN,
    "return_conditions": "Kan ringe døgnavdelingen direkte ved tilbakefall.",
}
KOMMUNE = {
    "housing": "Egen kommunal leilighet, nøkkel hentes på Servicetorget dagen før.",
    "economy": "Søknad om økonomisk sosialhjelp er innvilget for de første tre månedene.",
    "activity": "Arbeidstrening på Fyrlykta tre dager i uken fra uke 2.",
    "network": "Søster Hilde er kontaktperson og kan ringes.",
    "nav": "Oppfølging hos NAV-veileder, første møte avtalt.",
}
CRISIS = {
    "warning_signs": "Trekker seg unna, slutter å svare på telefon, sover dårlig.",
    "what_helps": "Gå tur, ringe søster, komme seg ut av leiligheten.",
}
CRISIS_CONTACT = {"name": "Kari Nilsen", "role": "Ruskonsulent", "phone": "78 94 23 00"}


def _at(days_ago: float, hour: int = 10) -> datetime.datetime:
    moment = timezone.localtime() - datetime.timedelta(days=days_ago)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def _fill(plan, *, clinician, unit, kommune_user, kommune_unit, spec=True, kom=True, crisis=True):
    if spec:
        data = dict(
            SPECIALIST,
            return_unit=unit,
            return_valid_until=timezone.localdate() + datetime.timedelta(days=90),
        )
        svc.plan_save_part(
            plan=plan,
            part="specialist",
            actor=Actor(clinician, unit),
            data=data,
            version=plan.specialist_version,
        )
    if kom:
        day = plan.episode.planned_end or timezone.localdate()
        data = dict(
            KOMMUNE,
            first_appointment_at=_at(-((day - timezone.localdate()).days + 2), 11),
            first_appointment_with=f"{kommune_user.get_full_name()}, {kommune_unit.name}",
            fastlege_appointment_at=_at(-((day - timezone.localdate()).days + 5), 9),
        )
        svc.plan_save_part(
            plan=plan,
            part="kommune",
            actor=Actor(kommune_user, kommune_unit),
            data=data,
            version=plan.kommune_version,
        )
    existing = CrisisPlan.objects.for_patient(plan.patient_id)
    if crisis and not (existing and existing.is_in_place):
        # The patient's one crisis plan: written here only when the individuell plan has not.
        actor = Actor(kommune_user, kommune_unit)
        crisis_svc.crisis_plan_save(
            patient=plan.patient,
            actor=actor,
            data=CRISIS,
            version=existing.version if existing else 1,
        )
        crisis_svc.crisis_contact_add(patient=plan.patient, actor=actor, data=CRISIS_CONTACT)
    plan.refresh_from_db()
    return plan


def _ready(episode, *, clinician, unit, held_at=None):
    svc.episode_assess(
        episode=episode,
        actor=Actor(clinician, unit),
        assessment="Stabil, motivert og uten behov for videre døgnbehandling.",
        version=episode.assessment_version,
    )
    meeting = svc.planning_meeting_call(
        episode=episode,
        actor=Actor(clinician, unit),
        starts_at=_at(-1, 13),
        place="Teams (video)",
        participants="Pasienten\nKari Nilsen, ruskonsulent Vadsø\nSara Eriksen, lege UNN",
    )
    # The story has the meeting two days ago: called ahead as the service demands, then dated
    # as the story needs (only a meeting that has taken place counts towards utskrivningsklar).
    PlanningMeeting.objects.filter(pk=meeting.pk).update(starts_at=held_at or _at(2, 13))
    return svc.episode_declare_ready(
        episode=episode, actor=Actor(clinician, unit), text="Planlagt utreise om to dager."
    )


def _start(*, patient, by, unit, kind, started_at, planned_end=None, send_admission_message=False):
    """Start the episode, or take over the one a referral started at the same unit (the
    admission it led to), dated as this story needs."""
    episode = TreatmentEpisode.objects.filter(
        patient=patient, unit=unit, ended_at__isnull=True
    ).first()
    if episode is None:
        episode = svc.episode_start(
            patient=patient,
            actor=Actor(by, unit),
            kind=kind,
            started_at=started_at,
            planned_end=planned_end,
            send_admission_message=send_admission_message,
        )
        _date_messages(episode, [KommuneMessage.Kind.ADMISSION], started_at)
        return episode
    TreatmentEpisode.objects.filter(pk=episode.pk).update(
        kind=kind,
        started_at=started_at,
        planned_end=planned_end,
        first_attendance_on=timezone.localdate(started_at),
    )
    episode.refresh_from_db()
    if send_admission_message and kind == Kind.DOGN:
        svc.admission_message_send(episode=episode, actor=Actor(by, unit))
        _date_messages(episode, [KommuneMessage.Kind.ADMISSION], started_at)
    return episode


def _date_messages(episode, kinds, at) -> None:
    """Date the messages as sent when the story says it happened (the same day), not today."""
    KommuneMessage.objects.filter(episode=episode, kind__in=kinds).update(
        sent_at=at + datetime.timedelta(hours=1)
    )


def seed(demo) -> None:
    # Referrals may already have started episodes; the ettervern plans mark this seeder's work.
    if EttervernPlan.objects.filter(patient__in=demo.patients).exists():
        return
    users, units, today = demo.users, demo.units, timezone.localdate()
    sara, unn = users["unn.behandler"], units["unn_dogn"]
    kari, vadso = users["vadso.ruskonsulent"], units["vadso_rus"]
    p = demo.patients

    # 1. In treatment, notice sent and read, plan half-way, discharge in five days.
    e1 = _start(
        patient=p[8],
        by=sara,
        unit=unn,
        kind=Kind.DOGN,
        started_at=_at(20),
        planned_end=today + datetime.timedelta(days=5),
        send_admission_message=True,
    )
    svc.messages_mark_read(episode=e1, actor=Actor(kari, vadso))
    plan = svc.plan_start(episode=e1, actor=Actor(sara, unn))
    _fill(plan, clinician=sara, unit=unn, kommune_user=kari, kommune_unit=vadso, kom=False)
    svc.plan_save_part(
        plan=plan,
        part="kommune",
        actor=Actor(kari, vadso),
        data={"housing": KOMMUNE["housing"]},
        version=plan.kommune_version,
    )

    # 2. Admitted 30 hours ago, the notice to the kommune is overdue.
    _start(
        patient=p[9],
        by=sara,
        unit=unn,
        kind=Kind.DOGN,
        started_at=timezone.now() - datetime.timedelta(hours=30),
        planned_end=today + datetime.timedelta(days=40),
    )

    # 3. Ready for discharge: the kommune can receive, the plan is complete and signed.
    e3 = _start(
        patient=p[10],
        by=sara,
        unit=unn,
        kind=Kind.DOGN,
        started_at=_at(35),
        planned_end=today + datetime.timedelta(days=2),
        send_admission_message=True,
    )
    plan = _fill(
        svc.plan_start(episode=e3, actor=Actor(kari, vadso)),
        clinician=sara,
        unit=unn,
        kommune_user=kari,
        kommune_unit=vadso,
    )
    svc.plan_sign(plan=plan, actor=Actor(sara, unn))
    svc.plan_sign(plan=plan, actor=Actor(kari, vadso))
    for message in _ready(e3, clinician=sara, unit=unn):
        svc.message_answer(
            message=message,
            actor=Actor(kari, vadso),
            answer=KommuneMessage.Answer.CAN_RECEIVE,
            can_receive_from=today + datetime.timedelta(days=2),
        )

    # 4. Discharged as planned ten days ago; first appointment attended, the next one missed.
    e4 = _start(
        patient=p[11],
        by=sara,
        unit=unn,
        kind=Kind.DOGN,
        started_at=_at(50),
        planned_end=today - datetime.timedelta(days=10),
        send_admission_message=True,
    )
    plan = _fill(
        svc.plan_start(episode=e4, actor=Actor(sara, unn)),
        clinician=sara,
        unit=unn,
        kommune_user=kari,
        kommune_unit=vadso,
    )
    svc.plan_sign(plan=plan, actor=Actor(sara, unn))
    svc.plan_sign(plan=plan, actor=Actor(kari, vadso))
    # The joint meeting took place before the backdated utskrivningsklar (19 days ago).
    _ready(e4, clinician=sara, unit=unn, held_at=_at(21, 13))
    ended = _at(10, 12)
    svc.episode_end(episode=e4, actor=Actor(sara, unn), end_kind="planned", ended_at=ended)
    # Backdate what happened during the stay, as it would have been recorded then.
    TreatmentEpisode.objects.filter(pk=e4.pk).update(
        ready_at=ended - datetime.timedelta(days=9), assessed_at=ended - datetime.timedelta(days=9)
    )
    KommuneMessage.objects.filter(episode=e4, kind="ready").update(
        sent_at=ended - datetime.timedelta(days=9)
    )
    _date_messages(e4, [KommuneMessage.Kind.DISCHARGED], ended)
    # The joint planning meeting took place during the stay, before the ready notice.
    PlanningMeeting.objects.filter(episode=e4).update(
        starts_at=ended - datetime.timedelta(days=10),
        called_at=ended - datetime.timedelta(days=14),
    )
    EttervernPlan.objects.filter(pk=plan.pk).update(
        specialist_signed_at=ended - datetime.timedelta(days=3),
        kommune_signed_at=ended - datetime.timedelta(days=2),
    )
    first = e4.follow_ups.first()
    if first is not None:
        first.at = ended + datetime.timedelta(days=2)
        first.save(update_fields=["at"])
        svc.follow_up_record(appointment=first, actor=Actor(kari, vadso), attended=True)
    missed = svc.follow_up_add(
        episode=e4, actor=Actor(kari, vadso), at=_at(1, 10), with_whom="Kari Nilsen, ruskonsulent"
    )
    svc.follow_up_record(appointment=missed, actor=Actor(kari, vadso), attended=False)

    # 5. Left Finnmarkskollektivet unplanned four days ago; no kommune appointment yet.
    fk, fk_user = units["fk_dogn"], users["fk.dogn.ansatt"]
    e5 = _start(
        patient=p[14],
        by=fk_user,
        unit=fk,
        kind=Kind.DOGN,
        started_at=_at(25),
        planned_end=today + datetime.timedelta(days=60),
        send_admission_message=True,
    )
    svc.episode_end(
        episode=e5,
        actor=Actor(fk_user, fk),
        end_kind="unplanned",
        ended_at=_at(4, 22),
        note="Reiste fra kollektivet på kvelden etter konflikt. Ble hentet av en kamerat.",
    )
    _date_messages(e5, [KommuneMessage.Kind.UNPLANNED, KommuneMessage.Kind.DISCHARGED], _at(4, 22))

    # 6. LAR at UNN, ongoing.
    _start(
        patient=p[12],
        by=users["unn.lar.ansatt"],
        unit=units["unn_lar"],
        kind=Kind.LAR,
        started_at=_at(200),
    )

    # 7. Outpatient at Sykehuset Østfold, transferred to Vestre Viken døgn.
    so, so_user = units["so_tsb"], users["so.tsb.ansatt"]
    e7 = _start(patient=p[22], by=so_user, unit=so, kind=Kind.POLIKLINIKK, started_at=_at(60))
    svc.episode_transfer(
        episode=e7,
        actor=Actor(so_user, so),
        to_unit=units["vv_dogn"],
        kind=Kind.DOGN,
        consent_given_on=today - datetime.timedelta(days=1),
    )

    # 8. Release from prison: outpatient TSB in prison, the kommune meets him on the day.
    ingrid, sarpsborg = users["sarpsborg.koordinator"], units["sarpsborg_rus"]
    e8 = _start(
        patient=p[23],
        by=so_user,
        unit=so,
        kind=Kind.POLIKLINIKK,
        started_at=_at(120),
        planned_end=today + datetime.timedelta(days=10),
    )
    plan = svc.plan_start(
        episode=e8, actor=Actor(ingrid, sarpsborg), variant=EttervernPlan.Variant.PRISON
    )
    plan = _fill(plan, clinician=so_user, unit=so, kommune_user=ingrid, kommune_unit=sarpsborg)
    svc.plan_save_part(
        plan=plan,
        part="kommune",
        actor=Actor(ingrid, sarpsborg),
        data={
            "release_date": today + datetime.timedelta(days=10),
            "prison": "Halden fengsel",
            "met_by": "Ingrid Berg, koordinator, møter ved porten kl. 09.00",
        },
        version=plan.kommune_version,
    )
