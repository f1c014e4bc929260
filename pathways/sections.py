"""Overview sections filled by the plan, meeting and discharge features."""


def plan(request, patient) -> dict:
    """Koordinator and plan status: three queries."""
    from django.db.models import Count, Q

    from .models import Measure
    from .services.plans import active_coordinator, open_plan, plan_rights

    coordinator = active_coordinator(patient)
    plan = open_plan(patient)
    counts = {}
    if plan is not None:
        counts = plan.measures.aggregate(
            total=Count("id"), open=Count("id", filter=Q(status__in=Measure.OPEN_STATUSES))
        )
    return {
        "plan_coordinator": coordinator,
        "plan_section": {
            "plan": plan,
            "coordinator": coordinator,
            "measures_total": counts.get("total", 0),
            "measures_open": counts.get("open", 0),
            "revision_state": plan.revision_state() if plan else "",
            "can_start": plan_rights(
                request.user, request.active_unit or None, patient, coordinator
            ).can_start,
        },
    }


def meetings(request, patient) -> dict:
    """The responsibility group: next meeting and open action items (four queries)."""
    from django.utils import timezone

    from .models import ActionItem, Meeting, ResponsibilityGroup

    open_items = ActionItem.objects.open().filter(
        patient=patient, meeting__published_at__isnull=False
    )
    return {
        "meetings_group": ResponsibilityGroup.objects.filter(patient=patient)
        .select_related("leader")
        .first(),
        "meetings_next": Meeting.objects.filter(
            patient=patient, state=Meeting.State.PLANNED, starts_at__gte=timezone.now()
        )
        .order_by("starts_at")
        .first(),
        "meetings_open_items": list(
            open_items.select_related("responsible_user", "responsible_external")[:5]
        ),
        "meetings_open_count": open_items.count(),
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
