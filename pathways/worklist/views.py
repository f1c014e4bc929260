"""'Mine oppgaver': what is assigned to me or my unit, across my patients."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from pathways.worklist import LIMIT, tasks_for


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
