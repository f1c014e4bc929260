"""Reminder rules of the ansvarsgruppe: meetings soon, action items due and overdue."""

import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pathways.dates import short_datetime
from pathways.models import (
    ActionItem,
    Meeting,
    Reminder,
)
from pathways.notifications.reminders import Due, object_key, rule

# --- Ansvarsgruppe: meetings and action items ---------------------------------------------


@rule("meeting_soon", label=gettext_lazy("Responsibility group meetings in two days"))
def meeting_soon(now):
    """Two days before a planned meeting: internal invitees are notified, externals emailed."""
    start = now + datetime.timedelta(days=2)
    meetings = (
        Meeting.objects.filter(state=Meeting.State.PLANNED, starts_at__gt=now, starts_at__lte=start)
        .select_related("patient")
        .prefetch_related("invitations__member__user")
    )
    for meeting in meetings:
        local = timezone.localtime(meeting.starts_at)
        with translation.override(settings.LANGUAGE_CODE):
            title = _("Responsibility group meeting %(when)s") % {"when": short_datetime(local)}
        invitations = list(meeting.invitations.all())
        _email_externals(meeting, invitations, title)
        yield Due(
            obj=meeting,
            stage=f"2d-{meeting.sequence}",
            title=title,
            recipients=[i.member.user for i in invitations if i.member.is_internal],
            url=reverse("pathways:meeting_detail", args=[meeting.patient_id, meeting.pk]),
            patient=meeting.patient,
        )


def _email_externals(meeting, invitations, title):
    """Once per invitation and meeting version: the reminder row is the claim."""
    for invitation in invitations:
        member = invitation.member
        if member.is_internal or not member.email:
            continue
        try:
            with transaction.atomic():
                Reminder.objects.create(
                    rule="meeting_soon_email",
                    object_key=object_key(invitation),
                    stage=f"2d-{meeting.sequence}",
                )
                with translation.override(settings.LANGUAGE_CODE):
                    lines = [title]
                    if meeting.place:
                        lines.append(_("Place: %(place)s") % {"place": meeting.place})
                    if meeting.digital_link:
                        lines.append(_("Digital link: %(link)s") % {"link": meeting.digital_link})
                message = EmailMessage(subject=title, body="\n".join(lines), to=[member.email])
                transaction.on_commit(message.send, robust=True)
        except IntegrityError:
            continue


def _responsible(item):
    if item.responsible_user_id is not None:
        return [item.responsible_user]
    # An external participant has no login: the group's leader follows it up.
    return [item.meeting.group.leader]


def _open_items(**due):
    """Open items with what a reminder names, streamed: the overdue ones of a large region
    run to tens of thousands, and a cached queryset kept them all (with their users,
    meetings and patients) in the worker's memory at once; the sweep needs a batch."""
    return (
        ActionItem.objects.open()
        .filter(**due)
        .select_related("responsible_user", "meeting__group__leader", "patient")
        .iterator(chunk_size=500)
    )


@rule("action_item_due", label=gettext_lazy("Action items due tomorrow"))
def action_item_due(now):
    """The day before an action item falls due."""
    tomorrow = timezone.localdate(now) + datetime.timedelta(days=1)
    for item in _open_items(due_date=tomorrow):
        yield Due(
            obj=item,
            stage="due-tomorrow",
            title=_("Action item due tomorrow: %(what)s") % {"what": item.what},
            recipients=_responsible(item),
            url=reverse("tasks"),
            patient=item.patient,
        )


@rule("action_item_overdue", label=gettext_lazy("Overdue action items"))
def action_item_overdue(now):
    """Overdue action items: once a week until done, to the responsible and the leader."""
    today = timezone.localdate(now)
    for item in _open_items(due_date__lt=today):
        weeks = (today - item.due_date).days // 7
        recipients = {u.pk: u for u in _responsible(item) + [item.meeting.group.leader]}
        yield Due(
            obj=item,
            stage=f"overdue-w{weeks}",
            title=_("Overdue action item: %(what)s") % {"what": item.what},
            recipients=list(recipients.values()),
            url=reverse("pathways:meeting_detail", args=[item.patient_id, item.meeting_id]),
            patient=item.patient,
            urgent=weeks >= 2,
        )
