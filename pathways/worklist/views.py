"""'Til behandling' (the home page: what waits for me and my unit) and 'Mine oppgaver' (what is
assigned to me or my unit, across my patients).

Both are kept rendered (``pathways.kept``) until something of the unit's patients, or a name
shown, changes: each is a few queries over many sources, the same on every look between."""

from django.contrib.auth.decorators import login_required
from django.utils import timezone

from pathways import kept
from pathways.worklist import LIMIT, home_groups, tasks_for


def _kept(request, template, name, build):
    unit = request.active_unit or None
    return kept.render(
        request,
        template,
        name=name,
        version=kept.unit_versions(request),
        parts=(request.user.pk, unit.pk if unit else None, request.get_full_path()),
        context={},
        build=build,
    )


@login_required
def task_list(request):
    def build():
        unit = request.active_unit or None
        tasks = tasks_for(request.user, unit)
        # Each source stops at LIMIT, so the first LIMIT of the merged list are right.
        truncated = len(tasks) >= LIMIT
        tasks = tasks[:LIMIT]
        return {
            "tasks": tasks,
            "truncated": truncated,
            "overdue_count": sum(1 for t in tasks if t.overdue),
            "today": timezone.localdate(),
        }

    return _kept(request, "pathways/worklist/tasks.html", "tasks", build)


@login_required
def home(request):
    """Where login lands: each kind of waiting work in its own group, the urgent first."""

    def build():
        groups = home_groups(request.actor)
        return {
            "groups": groups,
            "total": sum(g.count for g in groups),
            "urgent_total": sum(g.urgent_count for g in groups),
        }

    return _kept(request, "pathways/worklist/home.html", "home", build)
