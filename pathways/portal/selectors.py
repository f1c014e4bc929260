"""What the /min/ pages read: the patient's own plan, in a fixed number of queries."""

import datetime

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from pathways.models import (
    AreaRating,
    Consent,
    CoordinatorAssignment,
    Goal,
    IndividualPlan,
    Measure,
    Meeting,
    PlanAgreement,
    PlanRevision,
)


def open_plan_for(patient) -> IndividualPlan | None:
    return (
        IndividualPlan.objects.filter(patient=patient)
        .exclude(status=IndividualPlan.Status.CLOSED)
        .prefetch_related(
            Prefetch("goals", queryset=Goal.objects.exclude(status=Goal.Status.CANCELLED)),
            Prefetch(
                "measures",
                queryset=Measure.objects.filter(status__in=Measure.OPEN_STATUSES).select_related(
                    "responsible_unit", "responsible_user"
                ),
            ),
        )
        .first()
    )


def coordinator_for(patient) -> CoordinatorAssignment | None:
    return (
        CoordinatorAssignment.objects.active()
        .filter(patient=patient)
        .select_related("user", "unit")
        .first()
    )


def next_meeting_for(patient) -> Meeting | None:
    return (
        Meeting.objects.filter(
            patient=patient, state=Meeting.State.PLANNED, starts_at__gte=timezone.now()
        )
        .order_by("starts_at")
        .first()
    )


def ratings_for(plan):
    """The plan's self-ratings, oldest first per area (one query)."""
    return list(
        AreaRating.objects.filter(plan=plan)
        .order_by("life_area", "rated_on", "id")
        .only("life_area", "rated_on", "score")
    )


def agreement_state(plan, user) -> tuple[PlanAgreement | None, bool]:
    """The patient's latest answer to the plan, and whether someone else changed the plan
    after it (then the patient is asked again). Two queries."""
    latest = plan.agreements.order_by("-at", "-id").first()
    if latest is None:
        return None, True
    changed = (
        PlanRevision.objects.filter(plan=plan, version__gt=latest.plan_version)
        .exclude(by=user)
        .exists()
    )
    return latest, changed


def consents_running_out(patient) -> int:
    """How many of the patient's consents in force end within the days the team is reminded
    (the start page says so, as the team's worklist does). One query."""
    today = timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.REMINDER_CONSENT_EXPIRY_DAYS)
    return (
        Consent.objects.in_force(today)
        .filter(patient=patient, valid_until__isnull=False, valid_until__lte=horizon)
        .count()
    )
