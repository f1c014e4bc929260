"""Overview sections filled by the plan, meeting and discharge features."""


def plan(request, patient) -> dict:
    """Koordinator and plan status, the measure counts with the plan: two queries."""
    from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
    from django.db.models.functions import Coalesce

    from .models import IndividualPlan, Measure
    from .services.plans import active_coordinator, plan_rights

    def measures(*conditions):
        counted = (
            Measure.objects.filter(*conditions, plan=OuterRef("pk"))
            .order_by()
            .values("plan")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

    coordinator = active_coordinator(patient)
    # As services.plans.open_plan, with the counts.
    plan = (
        IndividualPlan.objects.filter(patient=patient)
        .exclude(status=IndividualPlan.Status.CLOSED)
        .select_related("owner_unit", "consent__recorded_by")
        .annotate(
            measures_total=measures(),
            measures_open=measures(Q(status__in=Measure.OPEN_STATUSES)),
        )
        .first()
    )
    return {
        "plan_coordinator": coordinator,
        "plan_section": {
            "plan": plan,
            "coordinator": coordinator,
            "measures_total": plan.measures_total if plan else 0,
            "measures_open": plan.measures_open if plan else 0,
            "revision_state": plan.revision_state() if plan else "",
            "can_start": plan_rights(
                request.user, request.active_unit or None, patient, coordinator
            ).can_start,
        },
    }


def meetings(request, patient) -> dict:
    """The responsibility group with its next meeting and open-item count in one query; the
    first open action items in a second, only when there are any."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce
    from django.utils import timezone

    from .models import ActionItem, Meeting, ResponsibilityGroup

    upcoming = Meeting.objects.filter(
        patient=OuterRef("patient_id"), state=Meeting.State.PLANNED, starts_at__gte=timezone.now()
    ).order_by("starts_at")
    open_items = ActionItem.objects.open().filter(
        patient=patient, meeting__published_at__isnull=False
    )
    counted = (
        open_items.filter(patient=OuterRef("patient_id"))
        .order_by()
        .values("patient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    group = (
        ResponsibilityGroup.objects.filter(patient=patient)
        .select_related("leader")
        .annotate(
            next_meeting_id=Subquery(upcoming.values("pk")[:1]),
            next_meeting_at=Subquery(upcoming.values("starts_at")[:1]),
            open_items=Coalesce(Subquery(counted, output_field=IntegerField()), 0),
        )
        .first()
    )
    next_meeting, items, count = None, [], 0
    if group is not None:
        # Action items come from the group's meetings, so without a group there are none.
        if group.next_meeting_id is not None:
            next_meeting = Meeting(
                pk=group.next_meeting_id,
                group=group,
                patient=patient,
                starts_at=group.next_meeting_at,
            )
        count = group.open_items
        if count:
            items = list(open_items.select_related("responsible_user", "responsible_external")[:5])
    return {
        "meetings_group": group,
        "meetings_next": next_meeting,
        "meetings_open_items": items,
        "meetings_open_count": count,
    }


def discharge(request, patient) -> dict:
    """The latest treatment episodes with their messages and ettervern readiness (two queries,
    two more for the individuell plan's crisis plan when an ettervern plan is started)."""
    import datetime

    from django.db.models import Prefetch
    from django.utils import timezone

    from .models import KommuneMessage, TreatmentEpisode
    from .services.discharge import crisis_plan_for, individual_crisis_plan, plan_progress

    episodes = list(
        TreatmentEpisode.objects.filter(patient=patient)
        .select_related("unit", "ettervern_plan__episode")
        .prefetch_related(
            Prefetch("messages", queryset=KommuneMessage.objects.order_by("sent_at", "id"))
        )[:3]
    )
    now = timezone.now()
    # The individuell plan's crisis plan, looked up once for all the episodes' plans.
    individual = None
    if any(getattr(e, "ettervern_plan", None) for e in episodes):
        individual = individual_crisis_plan(patient)
    for episode in episodes:
        notices = list(episode.messages.all())
        plan = getattr(episode, "ettervern_plan", None)
        episode.plan_progress = (
            plan_progress(plan, crisis_plan_for(plan, individual)) if plan else None
        )
        episode.admission_overdue = (
            episode.kind == TreatmentEpisode.Kind.DOGN
            and episode.ended_at is None
            and not any(m.kind == KommuneMessage.Kind.ADMISSION for m in notices)
            and episode.started_at + datetime.timedelta(hours=24) < now
        )
        ready = [m for m in notices if m.kind == KommuneMessage.Kind.READY]
        answered = [m for m in ready if m.answered_at]
        episode.latest_answer = max(answered, key=lambda m: m.answered_at) if answered else None
        episode.unanswered_ready = bool(ready) and not answered and episode.ended_at is None
    return {
        "discharge_episodes": episodes,
        "discharge_has_plan": any(e.plan_progress for e in episodes),
    }
