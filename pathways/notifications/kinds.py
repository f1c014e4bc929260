"""What an email may say about a notification: its kind's label, never its title or body.

Rules register their label with ``@rule(name, label=...)``; the kinds that services pass to
``notify`` are registered here. Mail is built from ``label_for(kind)``, a reference and a link
to ``/varsler/<id>/`` only, so a title or body that names a patient (in-app titles do, the
page is access-checked) can never reach an email, whoever writes the next one.
"""

from django.utils.translation import gettext_lazy as _

from pathways.notifications.reminders import KIND_LABELS

_DISCHARGE = _("Messages about admissions and discharges")

SERVICE_KINDS = {
    "referral": _("Referrals"),
    "coordinator_appointed": _("Coordinator appointments"),
    "coordinator_replaced": _("Coordinator changes"),
    "break_glass_used": _("Emergency access to your patients"),
    "plan_started": _("Individual plans started"),
    "measure_assigned": _("Measures assigned to you"),
    "plan_comment": _("Comments on individual plans"),
    "minutes_published": _("Minutes published"),
    "minutes_to_post": _("Minutes to send by post"),
    "access_probing": _("Refused attempts to open patient records"),
    "access_question": _("Patients asking why their record was read"),
    "meeting_invitation": _("Meeting invitations"),
    "discharge_admission": _DISCHARGE,
    "discharge_ready": _DISCHARGE,
    "discharge_unplanned": _DISCHARGE,
    "discharge_discharged": _DISCHARGE,
    "discharge_moved": _DISCHARGE,
    "discharge_transfer": _DISCHARGE,
    "discharge_answer": _DISCHARGE,
    "discharge_planning_meeting": _DISCHARGE,
    "discharge_plan_signed": _DISCHARGE,
    "discharge_no_show": _DISCHARGE,
    "discharge_kommune_move": _DISCHARGE,
    "dialogue_question": _("Questions from other services"),
    "dialogue_answer": _("Answers from other services"),
    "agenda_item_proposed": _("Agenda items proposed by patients"),
    "goal_proposed": _("Goals proposed by patients"),
}

for _kind, _label in SERVICE_KINDS.items():
    KIND_LABELS.setdefault(_kind, _label)

OTHER = _("Other notifications")


def label_for(kind: str) -> str:
    """The heading an email shows for a notification of ``kind`` (fixed text, no data)."""
    return str(KIND_LABELS.get(kind, OTHER))
