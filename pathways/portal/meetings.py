"""Ansvarsgruppe in /min/: the meetings ahead (with .ics), proposing an agenda item, and the
published minutes. The patient sees them, and a pårørende given "meetings and minutes"."""

import datetime

from django import forms
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pathways.meetings import services as meetings
from pathways.models import AgendaItem, Invitation, Meeting, PortalAccess
from pathways.portal.gate import portal_view
from pathways.web import form_action

MEETINGS = PortalAccess.Part.MEETINGS
# A meeting stays "ahead" until it has ended; none lasts longer than this (the model's limit).
LONGEST = datetime.timedelta(minutes=600)


class ProposeForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("What would you like to talk about?"),
        help_text=gettext_lazy("It goes on the agenda, marked as proposed by you."),
        max_length=300,
    )


def upcoming_meetings(patient) -> list[Meeting]:
    """Planned meetings not yet over, soonest first, with who is invited and the agenda
    (three queries however many)."""
    now = timezone.now()
    found = (
        Meeting.objects.filter(
            patient=patient, state=Meeting.State.PLANNED, starts_at__gte=now - LONGEST
        )
        .order_by("starts_at", "id")
        .prefetch_related(
            Prefetch(
                "invitations",
                queryset=Invitation.objects.select_related(
                    "member__user", "member__unit", "member__next_of_kin"
                ),
            ),
            Prefetch("agenda", queryset=AgendaItem.objects.order_by("position", "id")),
        )
    )
    return [m for m in found if m.ends_at >= now]


def published_minutes(patient) -> list[Meeting]:
    """Meetings with published minutes, newest first (one query)."""
    return list(
        Meeting.objects.filter(
            patient=patient, state=Meeting.State.HELD, published_at__isnull=False
        ).order_by("-starts_at", "-id")
    )


def _meeting(request, meeting_id) -> Meeting:
    found = (
        Meeting.objects.select_related("group__leader")
        .filter(pk=meeting_id, patient=request.portal.patient)
        .first()
    )
    if found is None:
        raise Http404
    return found


@portal_view("meetings", part=MEETINGS)
def meetings_page(request):
    patient = request.portal.patient
    return render(
        request,
        "pathways/portal/meetings.html",
        {
            "is_patient": request.portal.is_patient,
            "upcoming": upcoming_meetings(patient),
            "minutes": published_minutes(patient),
        },
    )


@portal_view("meeting calendar file", part=MEETINGS)
def meeting_calendar(request, meeting_id):
    meeting = _meeting(request, meeting_id)
    if meeting.state == Meeting.State.CANCELLED:
        raise Http404
    body = meetings.meeting_ics(meeting, link=reverse("portal:meetings"), attendees=False)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mote.ics"'
    return response


@portal_view("propose an agenda item", methods=("GET", "HEAD", "POST"))
def agenda_propose(request, meeting_id):
    meeting = _meeting(request, meeting_id)
    if not meeting.is_upcoming:
        raise Http404
    form = ProposeForm(request.POST or None)
    return form_action(
        request,
        form,
        save=lambda data: meetings.agenda_item_propose_by_patient(
            meeting=meeting, actor=request.portal_actor, title=data["title"]
        ),
        success=_("Thank you. Your item is on the agenda."),
        redirect_to=reverse("portal:meetings"),
        template="pathways/portal/form_page.html",
        context={
            "heading": _("Propose an item for the meeting"),
            "intro": _("The meeting is %(when)s.")
            % {"when": timezone.localtime(meeting.starts_at).strftime("%d.%m.%Y %H:%M")},
            "submit": _("Propose the item"),
            "back_url": reverse("portal:meetings"),
            # Without it the link had no text: a link a screen reader cannot name.
            "back_label": _("Back to the meetings"),
        },
    )


@portal_view("minutes", part=MEETINGS)
def minutes_page(request, meeting_id):
    meeting = _meeting(request, meeting_id)
    if not meeting.is_published:
        raise Http404
    context = meetings.minutes_context(meeting)
    return render(request, "pathways/portal/minutes.html", context)
