"""'Mine oppgaver' source: open action items from published minutes, for me or my unit."""

from django.db.models import F
from django.utils.translation import gettext as _

from config.prepared import prepared
from pathways.access import visibility_keys, visible_patient_exists_by
from pathways.models import ActionItem
from pathways.urlmaker import url_maker
from pathways.worklist import LIMIT, PatientRef, Task, assigned, distinct_rows, person_name


@prepared(shape=("limit",))
def _open_items(user_id, unit_id, group_id, now, due_by, limit):
    open_items = ActionItem.objects.open()
    if due_by is not None:
        open_items = open_items.filter(due_date__lte=due_by)
    return assigned(
        open_items.filter(meeting__published_at__isnull=False)
        .filter(visible_patient_exists_by(user_id, group_id, now))
        .values(
            "id",
            "what",
            "due_date",
            "patient_id",
            "meeting_id",
            "responsible_user_id",
            "responsible_unit_id",
            first_name=F("patient__first_name"),
            last_name=F("patient__last_name"),
            user_first=F("responsible_user__first_name"),
            user_last=F("responsible_user__last_name"),
            username=F("responsible_user__username"),
            unit_name=F("responsible_unit__name"),
        ),
        user_id,
        unit_id,
        ("due_date", "id"),
        limit,
    )


def tasks(user, unit, *, due_by=None, limit=LIMIT) -> list[Task]:
    """One query however many items: the columns the list shows, read as values."""
    if not user.is_authenticated:
        return []
    items = distinct_rows(
        _open_items(**visibility_keys(user, unit), due_by=due_by, limit=limit),
        limit,
    )
    kind = _("Action item")
    meeting_url = url_maker("pathways:meeting_detail", 2)
    done_url = url_maker("pathways:action_item_done", 2)
    patient_url = url_maker("pathways:patient_overview", 1)
    result = []
    for item in items:
        who = person_name(item["user_first"], item["user_last"], item["username"])
        if item["responsible_user_id"] != user.pk and item["responsible_unit_id"] is not None:
            who = f"{who} ({item['unit_name']})"
        patient_id = item["patient_id"]
        result.append(
            Task(
                kind=kind,
                title=item["what"],
                patient=PatientRef(patient_id, item["first_name"], item["last_name"]),
                due=item["due_date"],
                url=meeting_url(patient_id, item["meeting_id"]) + f"#action-{item['id']}",
                done_url=done_url(patient_id, item["id"]),
                responsible=who,
                key=f"action-{item['id']}",
                patient_url=patient_url(patient_id),
            )
        )
    return result
