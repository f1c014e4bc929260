"""'Mine oppgaver' source: open action items from published minutes, for me or my unit."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from pathways.access import visible_patient_q
from pathways.models import ActionItem
from pathways.worklist import LIMIT, Task


def tasks(user, unit) -> list[Task]:
    """One query however many items: patient and responsible come with the rows."""
    mine = Q(responsible_user=user)
    if unit is not None:
        mine |= Q(responsible_unit=unit)
    items = (
        ActionItem.objects.open()
        .filter(mine, meeting__published_at__isnull=False)
        .filter(visible_patient_q(user, unit))
        .select_related("patient", "responsible_user", "responsible_unit")
        .order_by("due_date", "id")[:LIMIT]
    )
    kind = _("Action item")
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
                url=reverse("pathways:meeting_detail", args=[item.patient_id, item.meeting_id])
                + f"#action-{item.pk}",
                done_url=reverse("pathways:action_item_done", args=[item.patient_id, item.pk]),
                responsible=who,
                key=f"action-{item.pk}",
            )
        )
    return result
