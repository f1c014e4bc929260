"""Home-page source: messages to the kommune that wait for the unit's answer."""

from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from config.prepared import prepared
from pathways.access import visibility_keys, visible_patient_q_by
from pathways.dates import short_date
from pathways.models import KommuneMessage
from pathways.worklist import HOME_LIMIT, Group, Line

# The kinds that ask for an answer, as the model says (``expects_answer``).
ANSWER_KINDS = [k for k in KommuneMessage.Kind.values if KommuneMessage(kind=k).expects_answer]


@prepared(shape=("limit",))
def _waiting(user_id, unit_id, group_id, now, limit):
    return (
        KommuneMessage.objects.filter(
            to_unit_id=unit_id, answered_at__isnull=True, kind__in=ANSWER_KINDS
        )
        # A message sent during a stay that has since ended waits for nothing any more.
        .filter(Q(episode__ended_at__isnull=True) | Q(sent_at__gte=F("episode__ended_at")))
        .filter(visible_patient_q_by(user_id, group_id, now))
        .select_related("patient", "from_unit")
        .order_by("-urgent", "sent_at", "id")[:limit]
    )


def home(actor) -> list[Group]:
    unit = actor.unit
    if unit is None or not unit.is_kommune:
        return []
    messages = _waiting(**visibility_keys(actor.user, unit), limit=HOME_LIMIT + 1)
    lines = [
        Line(
            what=_("Answer: %(kind)s") % {"kind": message.get_kind_display()},
            url=reverse(
                "pathways:message_answer",
                args=[message.patient_id, message.episode_id, message.pk],
            ),
            key=f"message-{message.pk}",
            patient=message.patient,
            detail=_("From %(unit)s, sent %(date)s")
            % {"unit": message.from_unit.name, "date": short_date(message.sent_at)},
            urgent=message.urgent,
            urgent_label=_("Urgent") if message.urgent else "",
        )
        for message in messages
    ]
    return [
        Group.of(
            lines,
            key="meldinger",
            heading=_("Messages waiting for your answer"),
            order=10,
            empty=_("No messages wait for an answer."),
        )
    ]
