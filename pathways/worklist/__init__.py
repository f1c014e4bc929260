"""The user's work: "Til behandling" (the home page) and "Mine oppgaver" (the task list).

"Mine oppgaver": each source in ``SOURCES`` is ``func(user, unit, *, due_by=None, limit=LIMIT)
-> list[Task]`` and must cost a fixed number of queries however many tasks it returns, and
return at most ``limit`` tasks, those due first (only those due by ``due_by`` when given: the
home page asks for the week's, so the database stops there). The page merges the
sources, sorts by due date and shows the first ``LIMIT``.

"Til behandling": each source in ``HOME_SOURCES`` is ``func(actor) -> list[Group]``: what waits
for the acting person and their unit, one group per kind of work, each line saying what is
needed and linking to the place to do it. A source costs a fixed number of queries, returns at
most ``HOME_LIMIT + 1`` lines per group (the extra one says there are more), only for patients
the user may see (``pathways.access.visible_patient_q``), and returns no group at all when the
kind of work is not the acting unit's or role's. Features outside pathways (referrals) add
their source with ``register_home_source`` from their ``AppConfig.ready()``.
"""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

# A unit can have tens of thousands of open items; the page shows those due first.
LIMIT = 100
# Lines shown per group on the home page.
HOME_LIMIT = 20
# Tasks (action items, measures) due within this many days are on the home page.
TASKS_DUE_DAYS = 7

SOURCES = [
    "pathways.meetings.worklist.tasks",
    "pathways.plan.worklist.tasks",
]

HOME_SOURCES = [
    "pathways.episodes.worklist.home",
    "pathways.worklist.home.tasks_due",
    "pathways.plan.worklist.home",
    "pathways.patients.worklist.home",
    "pathways.dialogue.worklist.home",
]


def register_home_source(path: str) -> None:
    """Add a home-page source (a dotted path), once."""
    if path not in HOME_SOURCES:
        HOME_SOURCES.append(path)


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
    patient_url: str = ""  # the patient's overview

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.due < timezone.localdate()


def assigned(queryset, user_id, unit_id, order: tuple[str, ...], limit: int = LIMIT):
    """The first ``limit`` rows of ``queryset`` assigned to the user or to their unit, in
    ``order``, as one query (a builder for ``config.prepared``; ``distinct_rows`` then drops
    a row assigned to both, which comes twice).

    The two halves are read separately (each walking its own index in ``order`` until
    ``limit`` rows) and joined with UNION ALL: one condition with OR would make PostgreSQL
    collect and sort every open item of the unit first.
    """
    queryset = queryset.order_by(*order)
    if unit_id is not None and not connection.features.supports_slicing_ordering_in_compound:
        # The embedded demo's SQLite cannot limit each half of a UNION: one condition.
        return queryset.filter(Q(responsible_user_id=user_id) | Q(responsible_unit_id=unit_id))[
            :limit
        ]
    parts = queryset.filter(responsible_user_id=user_id)[:limit]
    if unit_id is not None:
        parts = parts.union(queryset.filter(responsible_unit_id=unit_id)[:limit], all=True)
        parts = parts.order_by(*order)
    return parts


def distinct_rows(rows, limit: int = LIMIT) -> list:
    rows_out, seen = [], set()
    for row in rows:
        key = row["id"] if isinstance(row, dict) else row.pk
        if key not in seen:
            seen.add(key)
            rows_out.append(row)
    return rows_out[:limit]


@dataclass
class PatientRef:
    """What a task line shows of its patient (read as values, not a model instance)."""

    pk: int
    first_name: str
    last_name: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def person_name(first: str, last: str, username: str) -> str:
    """``User.get_full_name()`` or the username, from values."""
    return f"{first} {last}".strip() or username


def tasks_for(user, unit, *, due_by: datetime.date | None = None, limit: int = LIMIT) -> list[Task]:
    tasks = []
    for path in SOURCES:
        tasks.extend(import_string(path)(user, unit, due_by=due_by, limit=limit))
    return sorted(tasks, key=lambda t: (t.due is None, t.due or datetime.date.max, t.title))


@dataclass
class Line:
    """One thing to do: what is needed, for whom, by when, and where to do it."""

    what: str  # the action, e.g. "Svar: Utskrivningsklar"
    url: str  # the page where it is done
    key: str  # unique on the page, e.g. "message-12"
    patient: object = None  # shown and linked when set (a patient the user may see)
    detail: str = ""  # e.g. "Fra UNN TSB døgn, sendt 2.12.2026"
    urgent: bool = False  # overdue or marked urgent
    urgent_label: str = ""  # the words for it, e.g. "Forfalt" or "Haster"


@dataclass
class Group:
    key: str  # the anchor on the page, e.g. "meldinger"
    heading: str
    order: int  # groups are shown in this order
    lines: list[Line] = field(default_factory=list)
    empty: str = ""  # what to say when nothing waits
    more_url: str = ""  # the full list, when there is one
    more_label: str = ""
    truncated: bool = False

    @classmethod
    def of(cls, lines, **kwargs) -> "Group":
        """A group from up to ``HOME_LIMIT + 1`` lines: the extra one only says there are more."""
        lines = list(lines)
        return cls(lines=lines[:HOME_LIMIT], truncated=len(lines) > HOME_LIMIT, **kwargs)

    @property
    def count(self) -> int:
        return len(self.lines)

    @property
    def urgent_count(self) -> int:
        return sum(1 for line in self.lines if line.urgent)


def home_groups(actor) -> list[Group]:
    groups = []
    for path in HOME_SOURCES:
        groups.extend(import_string(path)(actor))
    return sorted(groups, key=lambda g: g.order)
