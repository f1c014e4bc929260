"""'Mine oppgaver': what is assigned to a user or their unit, from several sources.

Each source is ``func(user, unit) -> list[Task]`` and must cost a fixed number of queries
however many tasks it returns, and return at most ``LIMIT`` tasks, those due first. The page
merges the sources, sorts by due date and shows the first ``LIMIT``.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.module_loading import import_string

# A unit can have tens of thousands of open items; the page shows those due first.
LIMIT = 100

SOURCES = [
    "pathways.meetings.worklist.tasks",
    "pathways.plan.worklist.tasks",
]


@dataclass
class Task:
    kind: str  # shown as a label, e.g. "Oppfølgingspunkt" or "Tiltak"
    title: str
    patient: object
    due: datetime.date | None
    url: str  # where the task is seen in context
    done_url: str  # POST here to mark it done
    responsible: str = ""
    key: str = ""  # unique on the page, e.g. "action-12"

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due < timezone.localdate()


def tasks_for(user, unit) -> list[Task]:
    tasks = []
    for path in SOURCES:
        tasks.extend(import_string(path)(user, unit))
    return sorted(tasks, key=lambda t: (t.due is None, t.due or datetime.date.max, t.title))
