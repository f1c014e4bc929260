"""The ansvarsgruppe's section of the patient overview."""

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from config.prepared import first_row, one, prepared
from pathways.jsonrows import instance, rows
from pathways.models import ActionItem, Meeting, ResponsibilityGroup

SHOWN_ITEMS = 5
# What the overview shows of who is responsible for an item (ActionItem.responsible_name).
ITEM_SHOWS = {
    "responsible_user": ("username", "first_name", "last_name"),
    "responsible_external": (
        "user_id",
        "next_of_kin_id",
        "unit_id",
        "name",
        "role",
        "role_note",
        {
            "user": ("username", "first_name", "last_name"),
            "next_of_kin": ("name", "relation"),
            "unit": ("name",),
        },
    ),
}


def _open_items(patient_id):
    return ActionItem.objects.open().filter(
        patient_id=patient_id, meeting__published_at__isnull=False
    )


@prepared
def _group(patient_id, now):
    """The responsibility group with its next meeting and open-item count."""
    upcoming = Meeting.objects.filter(
        patient=OuterRef("patient_id"), state=Meeting.State.PLANNED, starts_at__gte=now
    ).order_by("starts_at")
    counted = (
        ActionItem.objects.open()
        .filter(patient=OuterRef("patient_id"), meeting__published_at__isnull=False)
        .order_by()
        .values("patient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    groups = (
        ResponsibilityGroup.objects.filter(patient_id=patient_id)
        .select_related("leader")
        .annotate(
            next_meeting_id=Subquery(upcoming.values("pk")[:1]),
            next_meeting_at=Subquery(upcoming.values("starts_at")[:1]),
            open_items=Coalesce(Subquery(counted, output_field=IntegerField()), 0),
        )
    )
    if connection.vendor == "postgresql":
        # The first open items as an array column (pathways.jsonrows): no second query.
        first = _open_items(OuterRef("patient_id")).order_by("due_date", "id")[:SHOWN_ITEMS]
        groups = groups.annotate(first_items=rows(first, ITEM_SHOWS))
    return first_row(groups)


@prepared
def _first_open_items(patient_id):
    return _open_items(patient_id).select_related(
        "responsible_user", "responsible_external__next_of_kin"
    )[:SHOWN_ITEMS]


def section(request, patient) -> dict:
    """The responsibility group with its next meeting, open-item count and first open items
    in one query (on SQLite the items in a second, only when there are any)."""
    group = one(_group(patient_id=patient.pk, now=timezone.now()))
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
        if hasattr(group, "first_items"):
            items = [instance(ActionItem, data, ITEM_SHOWS) for data in group.first_items]
        elif count:
            items = _first_open_items(patient_id=patient.pk)
    return {
        "meetings_group": group,
        "meetings_next": next_meeting,
        "meetings_open_items": items,
        "meetings_open_count": count,
    }
