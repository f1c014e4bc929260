"""'Til behandling' (the home page: what waits for me and my unit) and 'Mine oppgaver' (what is
assigned to me or my unit, across my patients)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from pathways.worklist import LIMIT, home_groups, tasks_for


@login_required
def task_list(request):
    unit = request.active_unit or None
    tasks = tasks_for(request.user, unit)
    # Each source stops at LIMIT, so the first LIMIT of the merged list are right.
    truncated = len(tasks) >= LIMIT
    tasks = tasks[:LIMIT]
    return render(
        request,
        "pathways/worklist/tasks.html",
        {
            "tasks": tasks,
            "truncated": truncated,
            "overdue_count": sum(1 for t in tasks if t.overdue),
            "today": timezone.localdate(),
        },
    )


@login_required
def home(request):
    """Where login lands: each kind of waiting work in its own group, the urgent first."""
    groups = home_groups(request.actor)
    return render(
        request,
        "pathways/worklist/home.html",
        {
            "groups": groups,
            "total": sum(g.count for g in groups),
            "urgent_total": sum(g.urgent_count for g in groups),
        },
    )
