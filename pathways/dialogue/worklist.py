"""Home-page source: dialogue threads waiting for the unit's answer, and the unit's own
questions whose answer-by date has passed."""

from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from config.prepared import prepared
from pathways.access import visibility_keys, visible_patient_q_by
from pathways.dates import short_date
from pathways.models import DialogueThread
from pathways.worklist import HOME_LIMIT, Group, Line


def _detail(thread, unit) -> str:
    if thread.to_unit_id == unit.pk:
        detail = _("From %(unit)s, asked %(date)s") % {
            "unit": thread.from_unit.name,
            "date": short_date(thread.awaiting_since),
        }
    else:
        detail = _("Asked %(unit)s %(date)s") % {
            "unit": thread.to_unit.name,
            "date": short_date(thread.awaiting_since),
        }
    if thread.answer_by is not None:
        detail += " · " + _("answer by %(date)s") % {"date": short_date(thread.answer_by)}
    return detail


@prepared(shape=("limit",))
def _waiting(user_id, unit_id, group_id, now, today, limit):
    return (
        DialogueThread.objects.filter(awaiting_since__isnull=False)
        .filter(Q(to_unit_id=unit_id) | Q(from_unit_id=unit_id, answer_by__lt=today))
        .filter(visible_patient_q_by(user_id, group_id, now))
        .select_related("patient", "from_unit", "to_unit")
        # The overdue first, then by answer-by date, then the longest waiting.
        .order_by(F("answer_by").asc(nulls_last=True), "awaiting_since", "id")[:limit]
    )


def home(actor) -> list[Group]:
    unit = actor.unit
    if unit is None:
        return []
    threads = _waiting(
        **visibility_keys(actor.user, unit),
        today=timezone.localdate(),
        limit=HOME_LIMIT + 1,
    )
    lines = []
    for thread in threads:
        asked = thread.to_unit_id == unit.pk
        what = _("Answer: %(subject)s") if asked else _("No answer yet: %(subject)s")
        lines.append(
            Line(
                what=what % {"subject": thread.subject},
                url=reverse("pathways:dialogue_thread", args=[thread.patient_id, thread.pk]),
                key=f"dialogue-{thread.pk}",
                patient=thread.patient,
                detail=_detail(thread, unit),
                urgent=thread.is_overdue,
                urgent_label=_("Answer-by date passed") if thread.is_overdue else "",
            )
        )
    return [
        Group.of(
            lines,
            key="dialog",
            heading=_("Dialogue with other services"),
            order=15,
            empty=_("Nothing in the dialogue with other services waits for you."),
        )
    ]
