"""Demo koordinators and individual plans in several states, written as staff and patients
would write them. Idempotent: a patient who already has a koordinator or plan is left alone."""

import datetime

from accounts.acting import Actor
from accounts.models import Membership
from pathways.crisis import services as crisis_svc
from pathways.models import (
    Consent,
    CoordinatorAssignment,
    CrisisPlan,
    IndividualPlan,
    LifeArea,
    Measure,
    NextOfKin,
    Participant,
)
from pathways.patients.services.careteam import consent_record
from pathways.plan import services as svc

A = LifeArea
S = Measure.Status

# (life area, measure, scope, how, responsible unit key or None, other responsible)
OLA_MEASURES = [
    (
        A.HOUSING,
        "Søknad om kommunal utleiebolig",
        "Søknaden sendes innen to uker",
        "Kari og Ola fyller ut søknaden sammen på kontoret.",
        "vadso_rus",
        "",
    ),
    (
        A.HOUSING,
        "Booppfølging i ny bolig",
        "To hjemmebesøk i uka de første tre månedene",
        "Miljøterapeut hjelper med innkjøp, rutiner og kontakt med naboer.",
        "vadso_rus",
        "",
    ),
    (
        A.ECONOMY,
        "Avklare økonomisk sosialhjelp og husleiegaranti",
        "Ett møte, deretter ved behov",
        "Veileder i NAV gjennomgår inntekter og utgifter med Ola.",
        "vadso_nav",
        "",
    ),
    (
        A.ECONOMY,
        "Frivillig forvaltning av husleie og strøm",
        "Månedlig",
        "Husleie og strøm trekkes før utbetaling, etter Olas ønske.",
        "vadso_nav",
        "",
    ),
    (
        A.SUBSTANCE_USE,
        "Døgnbehandling i TSB",
        "Om lag 12 uker",
        "Behandling ved TSB døgn, med permisjoner hjem etter avtale.",
        "unn_dogn",
        "",
    ),
    (
        A.SUBSTANCE_USE,
        "Samtaler om rusmestring etter utskrivning",
        "Hver uke i tre måneder",
        "Samtaler etter MI-metoden; urinprøver bare når Ola ber om det.",
        "vadso_rus",
        "",
    ),
    (
        A.PHYSICAL_HEALTH,
        "Time hos fastlegen for tannhelse og blodprøver",
        "Innen en måned",
        "Ola bestiller time selv; koordinator minner på dagen før.",
        None,
        "Fastlege Dr. Aas",
    ),
    (
        A.MENTAL_HEALTH,
        "Vurdering av søvnvansker og angst",
        "Tre samtaler",
        "Samtaler ved kommunens psykisk helsetjeneste.",
        "vadso_rus",
        "",
    ),
    (
        A.ACTIVITY,
        "Arbeidstrening i Vadsø Aktivitetssenter",
        "Tre dager i uka, 09–13",
        "Oppstart med én dag i uka, økes når Ola ønsker det.",
        "vadso_nav",
        "",
    ),
    (
        A.NETWORK,
        "Kontakt med Kirkens Bymisjon sitt treffsted",
        "Etter eget ønske",
        "Ola går dit sammen med miljøterapeut første gang.",
        None,
        "Ola selv",
    ),
    (
        A.FAMILY,
        "Støttesamtale for søsteren",
        "Ett møte",
        "Pårørendesamtale om hvordan hun kan støtte uten å ta ansvar for alt.",
        "vadso_rus",
        "",
    ),
]

FORTY = [
    # 40 measures for a patient with many services (LAR, NAV, kommune).
    (A.SUBSTANCE_USE, "Daglig utlevering av LAR-medikament", "Hver dag", "unn_lar"),
    (A.SUBSTANCE_USE, "Ukentlig samtale med LAR-konsulent", "Hver uke", "unn_lar"),
    (A.SUBSTANCE_USE, "Vurdering av ta-med-doser", "Hver tredje måned", "unn_lar"),
    (A.SUBSTANCE_USE, "Samtalegruppe om rusmestring", "Tirsdager", "vadso_rus"),
    (A.SUBSTANCE_USE, "Avtale om hva som skjer ved tilbakefall", "Ved behov", "vadso_rus"),
    (A.HOUSING, "Søknad om kommunal bolig", "Innen fire uker", "vadso_rus"),
    (A.HOUSING, "Hjelp til flytting", "Ved innflytting", "vadso_rus"),
    (A.HOUSING, "Booppfølging", "To ganger i uka", "vadso_rus"),
    (A.HOUSING, "Avtale med utleier om kontaktperson", "Ett møte", "vadso_rus"),
    (A.HOUSING, "Innkjøp av møbler via startlån/grunnstønad", "Én gang", "vadso_nav"),
    (A.ECONOMY, "Budsjettveiledning", "Hver måned", "vadso_nav"),
    (A.ECONOMY, "Søknad om arbeidsavklaringspenger", "Innen to måneder", "vadso_nav"),
    (A.ECONOMY, "Gjeldsrådgivning", "Tre møter", "vadso_nav"),
    (A.ECONOMY, "Frivillig forvaltning av faste utgifter", "Hver måned", "vadso_nav"),
    (A.ECONOMY, "Bistand til å søke om bostøtte", "Én gang", "vadso_nav"),
    (A.ACTIVITY, "Arbeidsrettet aktivitet i kommunens verksted", "To dager i uka", "vadso_nav"),
    (A.ACTIVITY, "Kartlegging av arbeidsevne", "Ett møte", "vadso_nav"),
    (A.ACTIVITY, "Turgruppe med miljøterapeut", "Torsdager", "vadso_rus"),
    (A.ACTIVITY, "Kurs i mestring av hverdagen", "Åtte kvelder", "vadso_rus"),
    (A.ACTIVITY, "Individuell jobbstøtte (IPS)", "Hver uke", "vadso_nav"),
    (A.PHYSICAL_HEALTH, "Hepatitt C-utredning", "Én gang", "unn_lar"),
    (A.PHYSICAL_HEALTH, "Tannbehandling med honnørordning", "Etter plan", "vadso_rus"),
    (A.PHYSICAL_HEALTH, "Årlig helsesjekk hos fastlege", "Én gang i året", "vadso_rus"),
    (A.PHYSICAL_HEALTH, "Sårstell ved hjemmesykepleien", "Ved behov", "vadso_rus"),
    (A.PHYSICAL_HEALTH, "Veiledning om kosthold", "To samtaler", "vadso_rus"),
    (A.MENTAL_HEALTH, "Samtaler om søvn og uro", "Annenhver uke", "vadso_rus"),
    (A.MENTAL_HEALTH, "Vurdering hos psykolog i LAR", "Tre timer", "unn_lar"),
    (A.MENTAL_HEALTH, "Oppfølging av medisinering for angst", "Hver måned", "unn_lar"),
    (A.MENTAL_HEALTH, "Kriseplan gjennomgås", "Hver tredje måned", "vadso_rus"),
    (A.SOCIAL, "Trening i å bruke offentlig transport", "Fire ganger", "vadso_rus"),
    (A.SOCIAL, "Følge til møter i NAV ved behov", "Ved behov", "vadso_rus"),
    (A.SOCIAL, "Hjelp med digitale tjenester og BankID", "To ganger", "vadso_nav"),
    (A.NETWORK, "Kontakt med likepersonsarbeid (RIO)", "Etter eget ønske", "vadso_rus"),
    (A.NETWORK, "Deltakelse på kafé for brukere", "Fredager", "vadso_rus"),
    (A.NETWORK, "Ansvarsgruppemøte", "Hver tredje måned", "vadso_rus"),
    (A.NETWORK, "Avtale om hvem som kan kontaktes ved fravær", "Én gang", "vadso_rus"),
    (
        A.FAMILY,
        "Samvær med sønnen etter avtale med barneverntjenesten",
        "Annenhver helg",
        "vadso_rus",
    ),
    (A.FAMILY, "Pårørendesamtale med mor", "Ett møte", "vadso_rus"),
    (A.FAMILY, "Informasjon til familien om LAR", "Ett møte", "unn_lar"),
    (A.FAMILY, "Foreldreveiledning", "Fire samtaler", "vadso_rus"),
]


def _membership(demo, username, unit_key):
    return Membership.objects.filter(user=demo.users[username], unit=demo.units[unit_key]).first()


def _consent(patient, by, unit, given_on):
    consent = svc.plan_consent(patient)
    if consent is None:
        consent = consent_record(
            patient=patient,
            actor=Actor(by, unit),
            scope=Consent.Scope.INDIVIDUAL_PLAN,
            given_on=given_on,
            note="Samtykke til individuell plan, også deling med deltakerne i planen",
        )[0]
    return consent


def _plan(demo, patient, username, unit_key, *, started_days_ago, revision_in_days, what_matters):
    by, unit = demo.users[username], demo.units[unit_key]
    if IndividualPlan.objects.filter(patient=patient).exists():
        return None
    today = demo.today
    _consent(patient, by, unit, today - datetime.timedelta(days=started_days_ago))
    if not CoordinatorAssignment.objects.filter(patient=patient).exists():
        svc.coordinator_appoint(
            patient=patient, membership=_membership(demo, username, unit_key), actor=Actor(by, unit)
        )
    plan = svc.plan_create(
        patient=patient,
        actor=Actor(by, unit),
        owner_unit=unit,
        period_start=today - datetime.timedelta(days=started_days_ago),
        period_end=today + datetime.timedelta(days=365 - started_days_ago),
        next_revision_on=today + datetime.timedelta(days=max(revision_in_days, 1)),
        what_matters=what_matters,
    )
    if revision_in_days < 1:
        # Plans already past their revision date: set directly, as time would have done.
        IndividualPlan.objects.filter(pk=plan.pk).update(
            next_revision_on=today + datetime.timedelta(days=revision_in_days)
        )
        plan.refresh_from_db()
    return plan


def _goal(plan, by, unit, text, area, status="active", main=False):
    plan.refresh_from_db()
    return svc.goal_save(
        plan=plan,
        actor=Actor(by, unit),
        data={
            "is_main": main,
            "life_area": area,
            "text": text,
            "status": status,
            "target_date": None,
        },
        base_version=plan.version,
    )


def _measure(plan, by, unit, demo, area, title, scope, how, unit_key, other, status, goals=()):
    plan.refresh_from_db()
    measure = svc.measure_save(
        plan=plan,
        actor=Actor(by, unit),
        data={
            "title": title,
            "life_area": area,
            "responsible_unit": demo.units[unit_key] if unit_key else None,
            "responsible_user": None,
            "responsible_name": other,
            "scope": scope,
            "how": how,
            "start_on": demo.today - datetime.timedelta(days=20),
            "end_on": demo.today + datetime.timedelta(days=40),
            "status": status,
            "goals": list(goals),
        },
        base_version=plan.version,
    )
    return measure


def _ola(demo):
    patient = demo.patients[0]
    plan = _plan(
        demo,
        patient,
        "vadso.ruskonsulent",
        "vadso_rus",
        started_days_ago=60,
        revision_in_days=10,
        what_matters="Å få et eget sted å bo, slutte med amfetamin og ha kontakt med datteren min "
        "igjen. Jeg vil ikke bli sendt fra kontor til kontor.",
    )
    if plan is None:
        return
    by, unit = demo.users["vadso.ruskonsulent"], demo.units["vadso_rus"]
    # Ola agreed to share his pathway with NAV and TSB døgn at UNN (journey step 4).
    consent_record(
        patient=patient,
        actor=Actor(by, unit),
        scope=Consent.Scope.SHARING,
        given_on=demo.today - datetime.timedelta(days=60),
        units=[demo.units["vadso_nav"], demo.units["unn_dogn"]],
    )
    main = _goal(
        plan, by, unit, "Jeg vil bo i min egen leilighet og klare meg selv.", "", main=True
    )
    housing = _goal(plan, by, unit, "Flytte inn i egen leilighet før jul.", A.HOUSING)
    rus = _goal(plan, by, unit, "Være rusfri i tre måneder etter utskrivning.", A.SUBSTANCE_USE)
    work = _goal(
        plan,
        by,
        unit,
        "Komme i gang med arbeidstrening noen dager i uka.",
        A.ACTIVITY,
        status="proposed",
    )
    family = _goal(plan, by, unit, "Møte datteren min én gang i måneden.", A.FAMILY)
    svc.goal_progress_add(
        goal=housing,
        actor=Actor(by, unit),
        noted_on=demo.today - datetime.timedelta(days=10),
        text="Søknaden om kommunal bolig er sendt; svar ventes innen fire uker.",
    )
    goals = {
        A.HOUSING: [main, housing],
        A.SUBSTANCE_USE: [rus],
        A.ACTIVITY: [work],
        A.FAMILY: [family],
    }
    statuses = [
        S.IN_PROGRESS,
        S.NOT_STARTED,
        S.IN_PROGRESS,
        S.COMPLETED,
        S.IN_PROGRESS,
        S.NOT_STARTED,
        S.NOT_STARTED,
        S.IN_PROGRESS,
        S.ON_HOLD,
        S.NOT_STARTED,
        S.COMPLETED,
    ]
    for (area, title, scope, how, unit_key, other), status in zip(
        OLA_MEASURES, statuses, strict=True
    ):
        _measure(
            plan,
            by,
            unit,
            demo,
            area,
            title,
            scope,
            how,
            unit_key,
            other,
            status,
            goals.get(area, ()),
        )
    for area, resources, needs, scores in [
        (
            A.HOUSING,
            "Har bodd alene før og klarte husarbeidet.",
            "Trenger hjelp med søknad og å komme i gang med faste rutiner.",
            [1, 2],
        ),
        (
            A.SUBSTANCE_USE,
            "Har vært rusfri i perioder, sist et halvt år i 2022.",
            "Trenger behandling og noen å ringe når suget kommer.",
            [1, 2, 3],
        ),
        (A.NETWORK, "God kontakt med søsteren Berit.", "Ønsker venner som ikke ruser seg.", [2]),
        (A.ECONOMY, "Har oversikt over gjelden.", "Trenger hjelp til budsjett og husleie.", [2]),
    ]:
        for i, score in enumerate(scores):
            plan.refresh_from_db()
            svc.area_save(
                plan=plan,
                actor=Actor(by, unit),
                life_area=area,
                resources=resources,
                needs=needs,
                score=score,
                rated_on=demo.today - datetime.timedelta(days=30 * (len(scores) - i)),
                base_version=plan.version,
            )
    # Ola's sister is in his register once (pathways/patients/demo.py) and chosen from there.
    berit = NextOfKin.objects.filter(patient=patient, name="Berit Nordmann").first()
    for kind, name, role, phone, contribution in [
        (
            Participant.Kind.UNIT,
            "",
            "Koordinator og ruskonsulent",
            "",
            "Koordinerer planen, leder ansvarsgruppen og følger opp bolig.",
        ),
        (
            Participant.Kind.NEXT_OF_KIN,
            "",
            "",
            "",
            "Kjører Ola til avtaler og er med på ansvarsgruppemøter.",
        ),
        (
            Participant.Kind.PERSON,
            "Dr. Aas",
            "Fastlege",
            "78950000",
            "Somatisk oppfølging og resepter.",
        ),
    ]:
        plan.refresh_from_db()
        svc.participant_save(
            plan=plan,
            actor=Actor(by, unit),
            base_version=plan.version,
            data={
                "kind": kind,
                "unit": unit if kind == Participant.Kind.UNIT else None,
                "next_of_kin": berit if kind == Participant.Kind.NEXT_OF_KIN else None,
                "name": name,
                "role": role,
                "phone": phone,
                "contribution": contribution,
            },
        )
    plan.refresh_from_db()
    svc.plan_update_section(
        plan=plan,
        actor=Actor(by, unit),
        section="participation",
        base_version=plan.version,
        data={
            "patient_reviewed_on": demo.today - datetime.timedelta(days=50),
            "patient_agreed": True,
            "participation_note": "Ola vil at søsteren får kopi av planen.",
        },
    )
    plan.refresh_from_db()
    svc.plan_update_section(
        plan=plan,
        actor=Actor(by, unit),
        section="cooperation",
        base_version=plan.version,
        data={
            "cooperation": "Tett samarbeid med TSB døgn ved UNN før utskrivning, NAV Vadsø om "
            "økonomi og arbeidstrening, og fastlegen om somatisk helse. Boligkontoret "
            "kontaktes av koordinator."
        },
    )
    plan.refresh_from_db()
    crisis_svc.crisis_plan_save(
        patient=plan.patient,
        actor=Actor(by, unit),
        version=getattr(CrisisPlan.objects.for_patient(plan.patient_id), "version", 1),
        data={
            "warning_signs": "Sover dårlig flere netter på rad, trekker meg unna, slutter å svare "
            "på telefonen.",
            "triggers": "Når det er ferie og ingen avtaler. Krangel med familien. Å få penger "
            "på kontoen.",
            "what_helps": "At noen ringer meg. Gå tur med hunden til Berit. Faste avtaler.",
            "wishes": "Ring søsteren min før dere ringer politiet. Ikke snakk over hodet på meg.",
            "emergency": "Legevakt: 116 117\nAMK (akutt medisinsk nødhjelp): 113\n"
            "Mental Helse hjelpetelefon: 116 123",
        },
    )
    for person, name, role, phone, when in [
        (berit, "", "", "", "Når som helst"),
        (None, "Kari Nilsen", "Koordinator", "78942000", "Hverdager 08–15.30"),
    ]:
        crisis_svc.crisis_contact_add(
            patient=plan.patient,
            actor=Actor(by, unit),
            data={"next_of_kin": person, "name": name, "role": role, "phone": phone, "when": when},
        )
    plan.refresh_from_db()
    svc.plan_update_section(
        plan=plan,
        actor=Actor(by, unit),
        section="basics",
        base_version=plan.version,
        data={
            "status": IndividualPlan.Status.ACTIVE,
            "owner_unit": unit,
            "period_start": plan.period_start,
            "period_end": plan.period_end,
            "next_revision_on": plan.next_revision_on,
        },
    )


def _forty(demo):
    patient = demo.patients[12]
    plan = _plan(
        demo,
        patient,
        "vadso.ruskonsulent",
        "vadso_rus",
        started_days_ago=150,
        revision_in_days=40,
        what_matters="Å være en god far for sønnen min, ha en jobb å gå til og slippe å tenke "
        "på penger hele tiden.",
    )
    if plan is None:
        return
    by, unit = demo.users["vadso.ruskonsulent"], demo.units["vadso_rus"]
    _goal(plan, by, unit, "Jeg vil ha en hverdag med jobb og samvær med sønnen min.", "", main=True)
    stable = _goal(plan, by, unit, "Holde meg stabil i LAR uten sidemisbruk.", A.SUBSTANCE_USE)
    cycle = [S.IN_PROGRESS, S.NOT_STARTED, S.IN_PROGRESS, S.COMPLETED, S.ON_HOLD]
    for i, (area, title, scope, unit_key) in enumerate(FORTY):
        _measure(
            plan,
            by,
            unit,
            demo,
            area,
            title,
            scope,
            "",
            unit_key,
            "",
            cycle[i % 5],
            [stable] if area == A.SUBSTANCE_USE else (),
        )
    plan.refresh_from_db()
    svc.evaluation_add(
        plan=plan,
        actor=Actor(by, unit),
        data={
            "held_on": demo.today - datetime.timedelta(days=20),
            "participants": "Pasienten, LAR UNN, NAV Vadsø, koordinator",
            "what_worked": "Fast utlevering og ukentlige samtaler har gitt ro. Budsjettet holder.",
            "what_changes": "Arbeidstreningen økes til tre dager. Gjeldsrådgivning starter.",
            "next_revision_on": demo.today + datetime.timedelta(days=40),
        },
    )
    plan.refresh_from_db()
    svc.plan_update_section(
        plan=plan,
        actor=Actor(by, unit),
        section="basics",
        base_version=plan.version,
        data={
            "status": IndividualPlan.Status.ACTIVE,
            "owner_unit": unit,
            "period_start": plan.period_start,
            "period_end": plan.period_end,
            "next_revision_on": plan.next_revision_on,
        },
    )


def _simple(
    demo,
    index,
    username,
    unit_key,
    *,
    started,
    revision,
    what_matters,
    goal,
    area,
    status=IndividualPlan.Status.ACTIVE,
    measure=None,
):
    if index >= len(demo.patients):
        return
    patient = demo.patients[index]
    plan = _plan(
        demo,
        patient,
        username,
        unit_key,
        started_days_ago=started,
        revision_in_days=revision,
        what_matters=what_matters,
    )
    if plan is None:
        return
    by, unit = demo.users[username], demo.units[unit_key]
    _goal(plan, by, unit, goal, area)
    if measure:
        _measure(
            plan,
            by,
            unit,
            demo,
            area,
            measure[0],
            measure[1],
            measure[2],
            unit_key,
            "",
            S.IN_PROGRESS,
        )
    if status != IndividualPlan.Status.IN_PROGRESS:
        plan.refresh_from_db()
        svc.plan_update_section(
            plan=plan,
            actor=Actor(by, unit),
            section="basics",
            base_version=plan.version,
            data={
                "status": status,
                "owner_unit": unit,
                "period_start": plan.period_start,
                "period_end": plan.period_end,
                "next_revision_on": plan.next_revision_on,
            },
        )


def _coordinators_only(demo, indexes, username, unit_key):
    for index in indexes:
        patient = demo.patients[index]
        if CoordinatorAssignment.objects.filter(patient=patient).exists():
            continue
        membership = _membership(demo, username, unit_key)
        svc.coordinator_appoint(
            patient=patient,
            membership=membership,
            actor=Actor(demo.users[username], demo.units[unit_key]),
            note="Pasienten ønsker ikke individuell plan nå, men har takket ja til koordinator.",
        )


def seed(demo) -> None:
    if not demo.patients:
        return
    _ola(demo)
    _forty(demo)
    # A plan being written, due for revision soon (TSB døgn on the care team).
    _simple(
        demo,
        8,
        "vadso.ruskonsulent",
        "vadso_rus",
        started=10,
        revision=7,
        what_matters="Å komme hjem fra behandling til noe annet enn før.",
        goal="Ha en avtale med kommunen før jeg skrives ut.",
        area=A.SUBSTANCE_USE,
        status=IndividualPlan.Status.IN_PROGRESS,
        measure=(
            "Ettervernsmøte med TSB døgn før utskrivning",
            "Ett møte",
            "Videomøte med behandler, koordinator og pasient.",
        ),
    )
    # Sarpsborg: an active plan whose revision is overdue.
    _simple(
        demo,
        15,
        "sarpsborg.koordinator",
        "sarpsborg_rus",
        started=200,
        revision=-9,
        what_matters="Å klare å betale regningene og ha noe å gjøre på dagtid.",
        goal="Ha en fast aktivitet tre dager i uka.",
        area=A.ACTIVITY,
        measure=(
            "Plass på dagsenteret Fontenehuset",
            "Tre dager i uka",
            "Oppstart sammen med koordinator.",
        ),
    )
    # Sarpsborg: a closed plan (goals reached).
    _simple(
        demo,
        16,
        "sarpsborg.koordinator",
        "sarpsborg_rus",
        started=400,
        revision=30,
        what_matters="Å bo for meg selv igjen.",
        goal="Egen leilighet.",
        area=A.HOUSING,
        status=IndividualPlan.Status.CLOSED,
    )
    # Koordinators for patients who have not wanted a plan (yet).
    _coordinators_only(demo, [1, 2, 3], "vadso.ruskonsulent", "vadso_rus")
    _coordinators_only(demo, [17, 18], "sarpsborg.koordinator", "sarpsborg_rus")
