"""Home-page source: action items and measures due within a week or overdue."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways.dates import short_date
from pathways.worklist import HOME_LIMIT, TASKS_DUE_DAYS, Group, Line, tasks_for


def tasks_due(actor) -> list[Group]:
    """The "Mine oppgaver" sources (one query each), asked only for what is due soon."""
    today = timezone.localdate()
    limit = today + datetime.timedelta(days=TASKS_DUE_DAYS)
    due = tasks_for(actor.user, actor.unit, due_by=limit, limit=HOME_LIMIT + 1)
    lines = []
    for task in due[: HOME_LIMIT + 1]:
        detail = (_("Was due %(date)s") if task.overdue else _("Due %(date)s")) % {
            "date": short_date(task.due)
        }
        if task.responsible:
            detail = f"{detail} · {task.responsible}"
        lines.append(
            Line(
                what=f"{task.kind}: {task.title}",
                url=task.url,
                key=f"task-{task.key}",
                patient=task.patient,
                detail=detail,
                urgent=task.overdue,
                urgent_label=_("Overdue") if task.overdue else "",
            )
        )
    return [
        Group.of(
            lines,
            key="oppgaver",
            heading=_("Action items and measures due"),
            order=40,
            empty=_("No action items or measures are due this week."),
            more_url=reverse("tasks"),
            more_label=_("All my tasks"),
        )
    ]
