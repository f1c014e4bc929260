"""Load data for benchmarks: responsibility groups, their meetings and action items.

Every patient with a plan (load_plans runs first) gets a responsibility group led by the
koordinator, three to five held meetings with published minutes and one planned meeting, and
three to five action items per held meeting. Most open items fall due in the coming months,
a few are overdue, so the reminder sweep has about 100,000 open items to go through.
"""

import datetime

from django.utils import timezone

from pathways.models import (
    ActionItem,
    AgendaItem,
    CoordinatorAssignment,
    GroupMember,
    Meeting,
    ResponsibilityGroup,
)
from pathways.patients.load import Load, _bulk

ACTIONS = [
    "Sende søknad om kommunal bolig",
    "Bestille time hos fastlegen",
    "Avklare økonomisk sosialhjelp med NAV",
    "Sende epikrise til koordinator",
    "Ringe pasienten etter helgen",
    "Undersøke plass i arbeidstreningstilbud",
    "Kalle inn til nettverksmøte",
    "Oppdatere kriseplanen sammen med pasienten",
]
AGENDA = ["Siden sist", "Bolig", "Økonomi", "Behandling", "Eventuelt"]


def seed(load: Load) -> None:
    rng, today = load.rng, load.today
    now = timezone.now()
    bulk = set(load.patient_ids)
    first, last = load.bulk_patient_range()
    assignments = [
        row
        for row in CoordinatorAssignment.objects.active()
        .filter(patient_id__gte=first, patient_id__lte=last)
        .values_list("patient_id", "user_id", "unit_id")
        if row[0] in bulk
    ]
    groups = [
        ResponsibilityGroup(
            patient_id=pid,
            leader_id=user,
            created_by_id=user,
            patient_say="Ønsker at søsteren er med på møtene.",
        )
        for pid, user, _ in assignments
    ]
    _bulk(ResponsibilityGroup, groups)
    unit_users = {}
    for key, ids in load.unit_users.items():
        unit_users[load.demo.units[key].pk] = ids
    members = []
    for group, (_pid, user, unit_id) in zip(groups, assignments, strict=True):
        members.append(
            GroupMember(
                group=group,
                user_id=user,
                unit_id=unit_id,
                role=GroupMember.Role.PROFESSIONAL,
                role_note="Koordinator",
                basis=GroupMember.Basis.CARE_TEAM,
                added_by_id=user,
            )
        )
        others = [u for u in unit_users.get(unit_id, []) if u != user]
        if others:
            members.append(
                GroupMember(
                    group=group,
                    user_id=others[rng.randrange(len(others))],
                    unit_id=unit_id,
                    role=GroupMember.Role.PROFESSIONAL,
                    basis=GroupMember.Basis.CARE_TEAM,
                    added_by_id=user,
                )
            )
        members.append(
            GroupMember(
                group=group,
                name="Pasienten",
                role=GroupMember.Role.PATIENT,
                basis=GroupMember.Basis.PATIENT,
                patient_view=GroupMember.PatientView.AGREED,
                added_by_id=user,
            )
        )
    _bulk(GroupMember, members)
    meetings, plans = [], []  # plans: (meeting, [responsible user ids], unit id)
    for group, (pid, user, unit_id) in zip(groups, assignments, strict=True):
        held = rng.randrange(3, 6)
        for n in range(held + 1):
            planned = n == held
            days = rng.randrange(3, 40) if planned else -(held - n) * 60 - rng.randrange(1, 20)
            starts = now.replace(hour=10, minute=0, second=0, microsecond=0) + datetime.timedelta(
                days=days
            )
            meetings.append(
                Meeting(
                    group=group,
                    patient_id=pid,
                    starts_at=starts,
                    place="Møterom 2, rådhuset",
                    state=Meeting.State.PLANNED if planned else Meeting.State.HELD,
                    published_at=None if planned else starts + datetime.timedelta(hours=3),
                    published_by_id=None if planned else user,
                    general_notes=""
                    if planned
                    else "Pasienten deltok og ga uttrykk for egne ønsker.",
                    created_by_id=user,
                )
            )
            plans.append((planned, n == held - 1, user, unit_id, pid))
    _bulk(Meeting, meetings)
    agenda, items = [], []
    for meeting, (planned, latest, user, unit_id, pid) in zip(meetings, plans, strict=True):
        for position, title in enumerate(AGENDA):
            agenda.append(AgendaItem(meeting=meeting, position=position, title=title))
        if planned:
            continue
        others = unit_users.get(unit_id) or [user]
        for k in range(rng.randrange(3, 6)):
            # Items from older meetings are mostly done; the latest meeting's are open.
            open_ = rng.random() < (0.92 if latest else 0.8)
            if open_:
                overdue = rng.random() < 0.02
                due = today + datetime.timedelta(
                    days=-rng.randrange(1, 30) if overdue else rng.randrange(2, 150)
                )
            else:
                due = meeting.starts_at.date() + datetime.timedelta(days=rng.randrange(7, 40))
            items.append(
                ActionItem(
                    meeting=meeting,
                    patient_id=pid,
                    what=ACTIONS[(k + pid) % len(ACTIONS)],
                    responsible_user_id=user if k % 2 == 0 else others[rng.randrange(len(others))],
                    responsible_unit_id=unit_id,
                    due_date=due,
                    status=ActionItem.Status.OPEN if open_ else ActionItem.Status.DONE,
                    done_on=None if open_ else min(due, today),
                    done_by_id=None if open_ else user,
                    created_by_id=user,
                    created_at=meeting.starts_at,
                )
            )
    _bulk(AgendaItem, agenda)
    _bulk(ActionItem, items)
    open_items = sum(1 for i in items if i.status == ActionItem.Status.OPEN)
    load.log(
        f"  groups: {len(groups)}, meetings: {len(meetings)}, action items: {len(items)} "
        f"({open_items} open)"
    )
