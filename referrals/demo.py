"""Demo referrals in every state: overdue, under 23, waiting with kommune follow-up, a
fristbrudd with Helfo notified, and one rejected by UNN TSB and forwarded to Vestre Viken DPS.

Made through the services, then moved back in time so the deadlines show. Idempotent: a patient
who already has a referral gets no new one.
"""

import datetime

from django.db.models import F
from django.utils import timezone

from accounts.acting import Actor
from pathways.workdays import add_working_days
from referrals import services
from referrals.models import Referral, ReferralEvent

CONTENT = [
    {
        "reason": "Daglig alkoholbruk siste to år, økende. Mistet jobben i vår. To innleggelser "
        "for alkoholforgiftning siste halvår.",
        "question": "Ber om vurdering av rett til tverrfaglig spesialisert rusbehandling, "
        "gjerne døgnopphold etter avrusning.",
        "substance_use": "Alkohol daglig (ca. 1 flaske vin og øl), periodevis benzodiazepiner.",
        "mental_health": "Angst og søvnvansker. Ingen kjent psykoselidelse.",
        "existing_services": "Ruskonsulent ukentlig, NAV-veileder, fastlege. Kommunal leilighet.",
        "patient_wishes": "Vil bli rusfri og ha kontakt med barna igjen. Ønsker behandling i "
        "Finnmark, nær familien.",
        "preferred_place": "Finnmarkskollektivet",
    },
    {
        "reason": "Injiserer amfetamin og heroin. Bostedsløs i perioder. Ønsker LAR.",
        "question": "Vurdering for LAR og eventuell avrusning.",
        "substance_use": "Heroin og amfetamin intravenøst, daglig.",
        "mental_health": "Depressive perioder, tidligere selvskading.",
        "existing_services": "Lavterskeltilbud, NAV, midlertidig bolig.",
        "patient_wishes": "Vil ha stabil medisin og egen bolig.",
        "preferred_place": "",
    },
    {
        "reason": "Cannabis daglig, faller ut av videregående. Foreldrene er bekymret.",
        "question": "Vurdering av poliklinisk TSB-behandling for ung voksen.",
        "substance_use": "Cannabis daglig, alkohol i helgene.",
        "mental_health": "Uro, konsentrasjonsvansker. Mulig ADHD, ikke utredet.",
        "existing_services": "Helsesykepleier, oppfølgingstjenesten, NAV ungdomskontakt.",
        "patient_wishes": "Vil fullføre skolen og få hjelp uten å flytte hjemmefra.",
        "preferred_place": "",
    },
]

FOLLOW_UP = {
    "contact_frequency": "Hjemmebesøk hver uke, telefon hver mandag",
    "stabilisation": "Fast døgnrytme, avtale med fastlege om nedtrapping av benzodiazepiner.",
    "motivation": "Motiverende samtaler; forberedende samtale om hva døgnopphold innebærer.",
    "practical_help": "Hjelp med husleie og strøm via NAV; avtale om dyrepass under oppholdet.",
    "responsible": "Kari Nilsen, ruskonsulent",
}


def _shift(referral: Referral, days: int) -> None:
    """Move the referral's received dates and timeline ``days`` back in time."""
    delta = datetime.timedelta(days=days)
    referral.refresh_from_db()
    seniority = referral.seniority_date - delta
    Referral.objects.filter(pk=referral.pk).update(
        seniority_date=seniority,
        received_on=referral.received_on - delta,
        assessment_due=add_working_days(seniority, services.ASSESSMENT_WORKING_DAYS),
        created_at=F("created_at") - delta,
        sent_at=F("sent_at") - delta,
        consent_given_on=referral.consent_given_on - delta,
    )
    ReferralEvent.objects.filter(referral=referral).update(at=F("at") - delta)


def _send(demo, index, from_key, to_key, content=0, urgent=False, days_ago=0):
    patient = demo.patients[index]
    by = demo.first_user(from_key)
    data = dict(CONTENT[content])
    data["urgency"] = "urgent" if urgent else "ordinary"
    data["consent_given_on"] = demo.today
    referral = services.referral_create(
        patient=patient,
        actor=Actor(by, demo.units[from_key]),
        receiving_unit=demo.units[to_key],
        data=data,
        send=True,
    )
    if days_ago:
        _shift(referral, days_ago)
        referral.refresh_from_db()
    return referral


def _grant(demo, referral, to_key, frist_days, kind="inpatient"):
    return services.referral_grant(
        referral=referral,
        actor=Actor(demo.first_user(to_key), demo.units[to_key]),
        start_deadline=demo.today + datetime.timedelta(days=max(frist_days, 0)),
        help_kind=kind,
        planned_appointment=None,
    )


def seed(demo) -> None:
    if len(demo.patients) < 19:
        return
    if Referral.objects.filter(patient__in=demo.patients[:19]).exists():
        return
    today = demo.today
    vadso = demo.units["vadso_rus"]
    kari = demo.first_user("vadso_rus")

    # Ola: received three days ago, under assessment at UNN's intake team.
    ola = _send(demo, 0, "vadso_rus", "unn_inntak", days_ago=3)
    services.referral_start_assessment(
        referral=ola, actor=Actor(demo.first_user("unn_inntak"), demo.units["unn_inntak"])
    )

    # A draft Vadsø has not sent yet.
    services.referral_create(
        patient=demo.patients[1],
        actor=Actor(kari, vadso),
        receiving_unit=demo.units["unn_lar"],
        data=dict(CONTENT[1], urgency="ordinary", consent_given_on=None),
        send=False,
    )

    # Overdue: received 16 days ago and not assessed.
    _send(demo, 2, "vadso_rus", "unn_inntak", days_ago=16)

    # Under assessment with an open question to the kommune.
    asked = _send(demo, 3, "vadso_rus", "unn_inntak", content=1, days_ago=8)
    services.referral_request_information(
        referral=asked,
        actor=Actor(demo.first_user("unn_inntak"), demo.units["unn_inntak"]),
        question="Kan dere legge ved siste epikrise og si noe om nåværende LAR-status?",
    )

    # Waiting with rett and kommune follow-up.
    waiting = _send(demo, 4, "vadso_rus", "unn_inntak", days_ago=20)
    waiting = _grant(demo, waiting, "unn_inntak", 25)
    services.referral_record_follow_up(referral=waiting, actor=Actor(kari, vadso), data=FOLLOW_UP)

    # Fristbrudd: the frist passed three days ago; Helfo has been notified.
    breach = _send(demo, 5, "vadso_rus", "unn_inntak", days_ago=70)
    breach = _grant(demo, breach, "unn_inntak", 1)
    Referral.objects.filter(pk=breach.pk).update(start_deadline=today - datetime.timedelta(days=3))
    services.referral_record_helfo_notified(
        referral=breach, actor=Actor(demo.users["unn.inntak"], demo.units["unn_inntak"]), on=today
    )

    # Under 23, waiting, with follow-up.
    young = _send(demo, 6, "vadso_rus", "unn_inntak", content=2, days_ago=12)
    young = _grant(demo, young, "unn_inntak", 40, kind="outpatient")
    services.referral_record_follow_up(
        referral=young,
        actor=Actor(kari, vadso),
        data=dict(FOLLOW_UP, contact_frequency="Samtale hver uke på skolen"),
    )

    # Rejected by UNN TSB and forwarded to Vestre Viken DPS: the seniority date is kept.
    bounced = _send(demo, 7, "vadso_rus", "unn_inntak", days_ago=9)
    services.referral_reject(
        referral=bounced,
        actor=Actor(demo.users["unn.inntak"], demo.units["unn_inntak"]),
        reason="Hovedproblemet er en alvorlig psykisk lidelse; rusbruken er sekundær. "
        "Pasienten hører hjemme i psykisk helsevern.",
        forward_to=demo.units["vv_dps"],
    )

    # Fristbrudd likely: marked by the clinician, Helfo not yet notified.
    at_risk = _send(demo, 1, "vadso_rus", "unn_dogn", days_ago=30)
    at_risk = _grant(demo, at_risk, "unn_dogn", 6)
    services.referral_mark_frist_at_risk(
        referral=at_risk,
        actor=Actor(demo.users["unn.behandler"], demo.units["unn_dogn"]),
        note="Ingen ledig døgnplass før om tre uker.",
    )

    # The referrals behind the discharge stories (pathways/episodes/demo.py takes over their
    # episodes): in treatment for 20 days; admitted 30 hours ago; ready for discharge after
    # 35 days; admitted 50 days ago and discharged ten days ago (the discharge completes it).
    for index, received_days_ago, started_on in (
        (8, 30, today - datetime.timedelta(days=20)),
        (9, 40, timezone.localdate(timezone.now() - datetime.timedelta(hours=30))),
        (10, 90, today - datetime.timedelta(days=35)),
        (11, 70, today - datetime.timedelta(days=50)),
    ):
        referral = _send(demo, index, "vadso_rus", "unn_dogn", days_ago=received_days_ago)
        referral = _grant(demo, referral, "unn_dogn", 10)
        services.referral_start_treatment(
            referral=referral,
            actor=Actor(demo.users["unn.behandler"], demo.units["unn_dogn"]),
            on=started_on,
        )

    # Withdrawn by Vadsø, and a plain rejection without forwarding.
    withdrawn = _send(demo, 13, "vadso_rus", "unn_inntak", days_ago=20)
    services.referral_withdraw(
        referral=withdrawn,
        actor=Actor(kari, vadso),
        reason="Pasienten vil heller fortsette i LAR med tettere oppfølging i kommunen.",
    )
    rejected = _send(demo, 13, "vadso_rus", "unn_inntak", content=1, days_ago=11)
    services.referral_reject(
        referral=rejected,
        actor=Actor(demo.users["unn.inntak"], demo.units["unn_inntak"]),
        reason="Pasienten følges allerede i LAR ved UNN; behovet dekkes der.",
    )

    # Sarpsborg to Sykehuset Østfold.
    sarpsborg = demo.units["sarpsborg_rus"]
    _send(demo, 15, "sarpsborg_rus", "so_tsb", days_ago=1)
    waiting_so = _send(demo, 16, "sarpsborg_rus", "so_tsb", days_ago=15)
    waiting_so = _grant(demo, waiting_so, "so_tsb", 35, kind="outpatient")
    services.referral_record_follow_up(
        referral=waiting_so,
        actor=Actor(demo.first_user("sarpsborg_rus"), sarpsborg),
        data=dict(FOLLOW_UP, responsible="Ingrid Berg, koordinator"),
    )
    young_so = _send(demo, 18, "sarpsborg_rus", "so_tsb", content=2, urgent=True, days_ago=7)
    services.referral_start_assessment(
        referral=young_so, actor=Actor(demo.first_user("so_tsb"), demo.units["so_tsb"])
    )


def settle(demo) -> None:
    """Date the timelines of the referrals behind the stays as the stays are dated.

    The episode seeder (run after this module's ``seed``) dates its stays weeks back, but the
    grant, the start and the completion were recorded today, so a timeline would say "granted
    today, treatment started today, completed ten days ago". Assessed halfway between receipt
    and admission, started at admission, completed at discharge. Idempotent: it sets, not shifts.
    """
    linked = Referral.objects.filter(
        patient__in=demo.patients, treatment_episode__isnull=False
    ).select_related("treatment_episode")
    for referral in linked:
        episode = referral.treatment_episode
        started = episode.started_at
        received = (
            ReferralEvent.objects.filter(referral=referral, kind=ReferralEvent.Kind.RECEIVED)
            .values_list("at", flat=True)
            .first()
            or referral.sent_at
        )
        if received is None or received >= started:
            continue
        assessed = received + (started - received) / 2
        events = ReferralEvent.objects.filter(referral=referral)
        events.filter(
            kind__in=[ReferralEvent.Kind.ASSESSMENT_STARTED, ReferralEvent.Kind.GRANTED],
            at__gt=started,
        ).update(at=assessed)
        events.filter(
            kind__in=[ReferralEvent.Kind.TREATMENT_STARTED, ReferralEvent.Kind.EPISODE_LINKED],
            at__gt=started,
        ).update(at=started)
        if referral.ended_at is not None:
            events.filter(kind=ReferralEvent.Kind.COMPLETED).update(at=referral.ended_at)
        if referral.assessed_at is not None and referral.assessed_at > started:
            Referral.objects.filter(pk=referral.pk).update(assessed_at=assessed)
