"""Load data for benchmarks: koordinators and individual plans with goals and measures.

About 40 % of the patients registered by a kommune unit get a koordinator and a plan with a
main goal, sub-goals, resources and needs, participants, a crisis plan and 4–14 measures
(one plan, for the PDF timing, has 40). Revision dates are spread so a few are due.
"""

import datetime
import io
import statistics
import time

from django.db.models import Count

from pathways.models import (
    Consent,
    CoordinatorAssignment,
    CrisisPlan,
    Goal,
    IndividualPlan,
    LifeArea,
    Measure,
    Participant,
)
from pathways.patients.load import Load, _bulk
from pathways.pdf import render_pdf_bytes
from pathways.plan.printing import plan_pdf_context
from pathways.plan.services import build_snapshot

KOMMUNE_UNITS = ("vadso_rus", "sarpsborg_rus", "sarpsborg_fact")
PDF_MEASURES = 40

MEASURES = [
    (LifeArea.HOUSING, "Søknad om kommunal utleiebolig", "Innen to uker"),
    (LifeArea.HOUSING, "Booppfølging i egen bolig", "To hjemmebesøk i uka"),
    (LifeArea.ECONOMY, "Frivillig forvaltning av husleie og strøm", "Månedlig"),
    (LifeArea.ECONOMY, "Gjennomgang av gjeld med gjeldsrådgiver i NAV", "Ett møte i måneden"),
    (LifeArea.SUBSTANCE_USE, "Samtaler om rusmestring", "Hver uke"),
    (LifeArea.SUBSTANCE_USE, "Poliklinisk oppfølging i TSB", "Annenhver uke"),
    (LifeArea.MENTAL_HEALTH, "Samtaler med psykiatrisk sykepleier", "Hver uke"),
    (LifeArea.PHYSICAL_HEALTH, "Time hos fastlegen for blodprøver", "Innen en måned"),
    (LifeArea.PHYSICAL_HEALTH, "Tannbehandling via kommunens tannhelsetjeneste", "Etter avtale"),
    (LifeArea.ACTIVITY, "Arbeidstrening i kommunens aktivitetstilbud", "Tre dager i uka"),
    (LifeArea.SOCIAL, "Deltakelse i brukerstyrt treffsted", "Ukentlig"),
    (LifeArea.NETWORK, "Nettverksmøte med familie og venner", "Hver tredje måned"),
    (LifeArea.FAMILY, "Samvær med barna etter avtale med barnevernet", "Annenhver helg"),
]
GOALS = [
    (LifeArea.HOUSING, "Jeg vil ha min egen leilighet og klare meg der."),
    (LifeArea.SUBSTANCE_USE, "Jeg vil redusere drikkingen til helgene."),
    (LifeArea.ACTIVITY, "Jeg vil ha noe å gå til på dagtid."),
    (LifeArea.FAMILY, "Jeg vil se barna mine oftere."),
]
MEASURE_STATUS = [
    Measure.Status.NOT_STARTED,
    Measure.Status.IN_PROGRESS,
    Measure.Status.IN_PROGRESS,
    Measure.Status.IN_PROGRESS,
    Measure.Status.ON_HOLD,
    Measure.Status.COMPLETED,
]


def seed(load: Load) -> None:
    demo, rng, today = load.demo, load.rng, load.today
    registered = {}
    for key in KOMMUNE_UNITS:
        for pid in load.by_unit.get(key, []):
            registered.setdefault(pid, key)
    chosen = [(pid, key) for pid, key in registered.items() if rng.random() < 0.4]
    consents, coordinators, plans = [], [], []
    for pid, key in chosen:
        users = load.unit_users.get(key) or [demo.first_user(key).pk]
        user = users[rng.randrange(len(users))]
        start = today - datetime.timedelta(days=rng.randrange(10, 500))
        consents.append(
            Consent(
                patient_id=pid,
                unit=demo.units[key],
                scope=Consent.Scope.INDIVIDUAL_PLAN,
                given_on=start,
                valid_until=start + datetime.timedelta(days=730),
                recorded_by_id=user,
            )
        )
        coordinators.append(
            CoordinatorAssignment(
                patient_id=pid, user_id=user, unit=demo.units[key], appointed_by_id=user
            )
        )
    _bulk(Consent, consents)
    _bulk(CoordinatorAssignment, coordinators)
    for (pid, key), consent, coordinator in zip(chosen, consents, coordinators, strict=True):
        plans.append(
            IndividualPlan(
                patient_id=pid,
                status=IndividualPlan.Status.ACTIVE
                if rng.random() < 0.8
                else IndividualPlan.Status.IN_PROGRESS,
                owner_unit=demo.units[key],
                consent=consent,
                period_start=consent.given_on,
                next_revision_on=today + datetime.timedelta(days=rng.randrange(-10, 182)),
                what_matters="Å ha et trygt sted å bo, og å få være sammen med barna mine.",
                cooperation="NAV, fastlege og TSB poliklinikk.",
                patient_reviewed_on=consent.given_on,
                patient_agreed=True,
                created_by_id=coordinator.user_id,
            )
        )
    _bulk(IndividualPlan, plans)
    goals, measures, participants, crises = [], [], [], []
    links = []  # (measure index, goal index)
    for index, plan in enumerate(plans):
        key = chosen[index][1]
        plan_goals = [Goal(plan=plan, is_main=True, text=GOALS[0][1], status=Goal.Status.ACTIVE)]
        for area, text in GOALS[1 : 1 + rng.randrange(1, 4)]:
            plan_goals.append(Goal(plan=plan, life_area=area, text=text, status="active"))
        first_goal = len(goals)
        goals.extend(plan_goals)
        count = PDF_MEASURES if index == 0 else rng.randrange(4, 15)
        for m in range(count):
            area, title, scope = MEASURES[(index + m) % len(MEASURES)]
            status = MEASURE_STATUS[rng.randrange(len(MEASURE_STATUS))]
            start_on = plan.period_start + datetime.timedelta(days=rng.randrange(0, 60))
            links.append((len(measures), first_goal + m % len(plan_goals)))
            measures.append(
                Measure(
                    plan=plan,
                    title=title if m < len(MEASURES) else f"{title} ({m // len(MEASURES) + 1})",
                    life_area=area,
                    responsible_unit=demo.units[key],
                    responsible_user_id=plan.created_by_id if m % 3 == 0 else None,
                    responsible_name="" if m % 3 else "Pasienten selv",
                    scope=scope,
                    how="Avtales fortløpende med pasienten; koordinator følger opp.",
                    start_on=start_on,
                    end_on=start_on + datetime.timedelta(days=rng.randrange(30, 365)),
                    status=status,
                )
            )
        participants += [
            Participant(plan=plan, kind=Participant.Kind.PATIENT, contribution="Egne mål."),
            Participant(
                plan=plan,
                kind=Participant.Kind.UNIT,
                unit=demo.units[key],
                role="Koordinator",
                contribution="Holder i planen og kaller inn til møter.",
            ),
            Participant(
                plan=plan,
                kind=Participant.Kind.PERSON,
                name="Fastlege",
                role="Fastlege",
                contribution="Somatisk oppfølging og resepter.",
            ),
        ]
        crises.append(
            CrisisPlan(
                patient_id=plan.patient_id,
                warning_signs="Isolerer meg, slutter å svare på telefon.",
                triggers="Konflikter med familien, økonomiske problemer.",
                what_helps="Å snakke med noen jeg stoler på, gå tur.",
                wishes="Ring meg, og kontakt søsteren min hvis jeg ikke svarer.",
            )
        )
    _bulk(Goal, goals)
    _bulk(Measure, measures)
    through = Measure.goals.through
    _bulk(
        through,
        (through(measure_id=measures[m].pk, goal_id=goals[g].pk) for m, g in links),
    )
    _bulk(Participant, participants)
    _bulk(CrisisPlan, crises)
    load.log(f"  plans: {len(plans)}, goals: {len(goals)}, measures: {len(measures)}")


def time_plan_pdf() -> dict:
    """The PDF of a plan with 40 measures: one cold render, then the median of 5 warm ones."""
    plan = (
        IndividualPlan.objects.annotate(n=Count("measures"))
        .filter(n__gte=PDF_MEASURES)
        .select_related("patient")
        .first()
    )
    if plan is None:
        return {"skipped": f"no plan with {PDF_MEASURES} measures"}

    def render() -> tuple[float, int]:
        started = time.monotonic()
        snapshot = build_snapshot(plan)
        data = render_pdf_bytes(
            "pdf/plan.html", plan_pdf_context(plan.patient, snapshot, plan.version)
        )
        return time.monotonic() - started, len(data)

    cold, size = render()
    warm = [render()[0] for _ in range(5)]

    def print_kept() -> float:
        # What the print view does: the kept file when nothing changed (pathways.pdfcache).
        from pathways.pdfcache import kept_pdf_bytes

        started = time.monotonic()
        kept_pdf_bytes(
            "pdf/plan.html", plan_pdf_context(plan.patient, build_snapshot(plan), plan.version)
        )
        return time.monotonic() - started

    first_kept = print_kept()
    kept = [print_kept() for _ in range(5)]
    # Imported here: pypdf is a development dependency, needed only by the benchmark.
    from pypdf import PdfReader

    pages = len(
        PdfReader(
            io.BytesIO(
                render_pdf_bytes(
                    "pdf/plan.html",
                    plan_pdf_context(plan.patient, build_snapshot(plan), plan.version),
                )
            )
        ).pages
    )
    return {
        "measures": plan.measures.count(),
        "pages": pages,
        "bytes": size,
        "cold_s": round(cold, 2),
        "warm_median_s": round(statistics.median(warm), 3),
        "warm_max_s": round(max(warm), 3),
        "kept_first_s": round(first_kept, 3),
        "kept_median_s": round(statistics.median(kept), 3),
    }
