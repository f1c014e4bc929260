"""'Mine oppgaver' source: open action items from published minutes, for me or my unit."""

from django.utils.translation import gettext as _

from pathways.access import visible_patient_exists
from pathways.models import ActionItem
from pathways.urlmaker import url_maker
from pathways.worklist import Task, first_assigned


def tasks(user, unit) -> list[Task]:
    """One query however many items: patient and responsible come with the rows."""
    if not user.is_authenticated:
        return []
    items = first_assigned(
        ActionItem.objects.open()
        .filter(meeting__published_at__isnull=False)
        .filter(visible_patient_exists(user, unit))
        .select_related("patient", "responsible_user", "responsible_unit"),
        user,
        unit,
        ("due_date", "id"),
    )
    kind = _("Action item")
    meeting_url = url_maker("pathways:meeting_detail", 2)
    done_url = url_maker("pathways:action_item_done", 2)
    result = []
    for item in items:
        who = item.responsible_user.get_full_name() or item.responsible_user.username
        if item.responsible_user_id != user.pk and item.responsible_unit is not None:
            who = f"{who} ({item.responsible_unit.name})"
        result.append(
            Task(
                kind=kind,
                title=item.what,
                patient=item.patient,
                due=item.due_date,
                url=meeting_url(item.patient_id, item.meeting_id) + f"#action-{item.pk}",
                done_url=done_url(item.patient_id, item.pk),
                responsible=who,
                key=f"action-{item.pk}",
            )
        )
    return result
