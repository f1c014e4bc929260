"""Ansvarsgruppe pages: the group, meetings, minutes, calendar invitations and PDFs.

Every form goes through ``pathways.web.form_action``; what a page offers comes from
``permissions`` as one object, ``can``.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import AuditEvent
from accounts.redirects import safe_next
from pathways.access import patient_view
from pathways.meetings import permissions
from pathways.meetings import services as svc
from pathways.meetings.forms import (
    ActionItemForm,
    AddendumForm,
    CancelForm,
    ExternalMemberForm,
    GroupEditForm,
    GroupForm,
    InternalMemberForm,
    MeetingForm,
    MinutesForm,
    PublishForm,
)
from pathways.models import ActionItem, GroupMember, Meeting, ResponsibilityGroup
from pathways.pdf import pdf_response
from pathways.stale import StaleWrite
from pathways.web import form_action

# --- helpers ---------------------------------------------------------------------------------


def _group(patient):
    group = ResponsibilityGroup.objects.select_related("leader").filter(patient=patient).first()
    if group is not None:
        group.patient = patient  # the gate's patient: it knows what this user may change
    return group


def _group_or_404(patient):
    group = _group(patient)
    if group is None:
        raise Http404
    return group


def _meeting(patient, meeting_id) -> Meeting:
    meeting = get_object_or_404(
        Meeting.objects.select_related("group__leader", "published_by", "created_by"),
        pk=meeting_id,
        patient=patient,
    )
    meeting.patient = meeting.group.patient = patient
    return meeting


def _members(group):
    return list(group.members.active().select_related("user", "unit", "next_of_kin"))


def _meetings_url(patient) -> str:
    return reverse("pathways:meetings", args=[patient.pk])


def _detail_url(meeting) -> str:
    return reverse("pathways:meeting_detail", args=[meeting.patient_id, meeting.pk])


def _minutes_url(meeting) -> str:
    return reverse("pathways:minutes_edit", args=[meeting.patient_id, meeting.pk])


def _detail(patient, meeting):
    return redirect("pathways:meeting_detail", patient_id=patient.pk, meeting_id=meeting.pk)


def _locked(request, patient, meeting):
    messages.error(request, svc.LOCKED)
    return _detail(patient, meeting)


def _stale_as_form(form, save):
    """``save``, with a stale write told in the form's own fields (``form.stored``): the
    conflict screen then puts what is stored now beside what was typed, field by field."""

    def wrapped(data):
        try:
            return save(data)
        except StaleWrite as stale:
            raise StaleWrite(form.stored(stale.current), message=stale.message) from stale

    return wrapped


# --- the group -------------------------------------------------------------------------------


def _group_context(request, patient) -> dict:
    group = _group(patient)
    context = {"patient": patient, "group": group}
    if group is None:
        context["form"] = GroupForm()
        context["coordinator"] = svc.active_coordinator(patient.pk)
        context["can"] = permissions.group_rights(request.actor, patient, None)
        return context
    members = _members(group)
    context["members"] = members
    context["can"] = permissions.group_rights(request.actor, patient, group, members)
    context["leader"], context["leader_is_coordinator"] = svc.group_leader(group)
    meetings = list(
        Meeting.objects.filter(group=group).prefetch_related(
            Prefetch("action_items", queryset=ActionItem.objects.open(), to_attr="open_items")
        )
    )
    now = timezone.now()
    context["upcoming"] = sorted(
        (m for m in meetings if m.state == Meeting.State.PLANNED and m.ends_at >= now),
        key=lambda m: m.starts_at,
    )
    context["past"] = [m for m in meetings if m not in context["upcoming"]]
    return context


@patient_view()
def group_page(request, patient):
    return render(request, "pathways/meetings/group.html", _group_context(request, patient))


@require_POST
@patient_view(for_edit=True)
def group_create(request, patient):
    return form_action(
        request,
        GroupForm(request.POST),
        save=lambda data: svc.group_create(
            patient=patient, actor=request.actor, patient_say=data["patient_say"]
        ),
        success=_("The responsibility group is created."),
        redirect_to=_meetings_url(patient),
        template="pathways/meetings/group.html",
        context=_group_context(request, patient),
    )


@patient_view(for_edit=True)
def group_edit(request, patient):
    group = _group_or_404(patient)
    form = GroupEditForm(
        request.POST or None,
        initial={"patient_say": group.patient_say, "version": group.version},
    )
    return form_action(
        request,
        form,
        save=lambda data: svc.group_update(
            group=group,
            actor=request.actor,
            version=data["version"],
            patient_say=data["patient_say"],
        ),
        success=_("Saved."),
        redirect_to=_meetings_url(patient),
        template="includes/patient_form_page.html",
        context={
            "patient": patient,
            "heading": _("The patient's say in who takes part"),
            "cancel_url": _meetings_url(patient),
        },
    )


def _member_page(patient, heading) -> dict:
    return {
        "patient": patient,
        "heading": heading,
        "submit": _("Add"),
        "cancel_url": _meetings_url(patient),
    }


@patient_view(for_edit=True)
def member_add_internal(request, patient):
    group = _group_or_404(patient)
    form = InternalMemberForm(request.POST or None, patient=patient, group=group)
    return form_action(
        request,
        form,
        save=lambda data: svc.group_member_add(
            group=group,
            actor=request.actor,
            user=data["membership"].user,
            member_unit=data["membership"].unit,
            role_note=data["membership"].title,
            patient_view=data["patient_view"],
            basis_note=data["basis_note"],
        ),
        success=_("The member is added."),
        redirect_to=_meetings_url(patient),
        template="includes/patient_form_page.html",
        context=_member_page(patient, _("Add a member from the care team")),
    )


@patient_view(for_edit=True)
def member_add_external(request, patient):
    group = _group_or_404(patient)
    form = ExternalMemberForm(request.POST or None, patient=patient)
    return form_action(
        request,
        form,
        save=lambda data: svc.group_member_add(
            group=group, actor=request.actor, **form.service_data()
        ),
        success=_("The participant is added."),
        redirect_to=_meetings_url(patient),
        template="includes/patient_form_page.html",
        context=_member_page(patient, _("Add an external participant")),
    )


@require_POST
@patient_view(for_edit=True)
def member_remove(request, patient, member_id):
    group = _group_or_404(patient)
    member = get_object_or_404(
        GroupMember.objects.select_related("user"), pk=member_id, group=group
    )
    try:
        svc.group_member_remove(member=member, actor=request.actor)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s is removed from the group.") % {"name": member})
    return redirect("pathways:meetings", patient_id=patient.pk)


# --- meetings --------------------------------------------------------------------------------


def _meeting_page(patient, heading) -> dict:
    return {
        "patient": patient,
        "heading": heading,
        "submit": _("Save and send invitations"),
        "cancel_url": _meetings_url(patient),
    }


def _meeting_changes(data, form) -> dict:
    return {
        "starts_at": data["starts_at"],
        "duration_minutes": data["duration_minutes"],
        "place": data["place"],
        "digital_link": data["digital_link"],
        "agenda": form.agenda_lines(),
        "invite": list(data["invite"]),
    }


@patient_view(for_edit=True)
def meeting_new(request, patient):
    group = _group_or_404(patient)
    form = MeetingForm(
        request.POST or None,
        group=group,
        initial={"invite": [m.pk for m in _members(group)], "duration_minutes": 60},
    )
    return form_action(
        request,
        form,
        save=lambda data: svc.meeting_plan(
            group=group, actor=request.actor, **_meeting_changes(data, form)
        ),
        success=_("The meeting is planned and the invitations are sent."),
        redirect_to=_detail_url,
        template="pathways/meetings/meeting_form.html",
        context=_meeting_page(patient, _("Call a meeting")),
    )


def _detail_context(request, patient, meeting, addendum_form) -> dict:
    context = svc.minutes_context(meeting)
    context.update(
        {
            "patient": patient,
            "can": permissions.meeting_rights(request.actor, meeting, context["action_items"]),
            "invitations": list(
                meeting.invitations.select_related(
                    "member__user", "member__unit", "member__next_of_kin"
                )
            ),
            "addendum_form": addendum_form,
        }
    )
    return context


@patient_view()
def meeting_detail(request, patient, meeting_id):
    meeting = _meeting(patient, meeting_id)
    context = _detail_context(request, patient, meeting, AddendumForm())
    return render(request, "pathways/meetings/meeting_detail.html", context)


@patient_view(for_edit=True)
def meeting_edit(request, patient, meeting_id):
    meeting = _meeting(patient, meeting_id)
    if not permissions.can_edit_meeting(request.actor, meeting):
        messages.error(request, _("Only planned meetings can be changed."))
        return _detail(patient, meeting)
    form = MeetingForm(
        request.POST or None, group=meeting.group, initial=MeetingForm.values(meeting)
    )
    return form_action(
        request,
        form,
        save=_stale_as_form(
            form,
            lambda data: svc.meeting_change(
                meeting=meeting,
                actor=request.actor,
                version=data["version"],
                **_meeting_changes(data, form),
            ),
        ),
        success=_("The meeting is changed and updated invitations are sent."),
        redirect_to=_detail_url(meeting),
        template="pathways/meetings/meeting_form.html",
        context=_meeting_page(patient, _("Change meeting")),
    )


@patient_view(for_edit=True)
def meeting_cancel(request, patient, meeting_id):
    meeting = _meeting(patient, meeting_id)
    when = date_format(timezone.localtime(meeting.starts_at), "j.n.Y H:i")
    return form_action(
        request,
        CancelForm(request.POST or None),
        save=lambda data: svc.meeting_cancel(
            meeting=meeting, actor=request.actor, reason=data["reason"]
        ),
        success=_("The meeting is cancelled and the participants are told."),
        redirect_to=_detail_url(meeting),
        template="pathways/meetings/meeting_cancel.html",
        context={
            "patient": patient,
            "meeting": meeting,
            "heading": _("Cancel meeting"),
            "intro": _(
                "The meeting %(when)s is cancelled for everyone invited. They get a calendar "
                "cancellation by email."
            )
            % {"when": when},
        },
    )


# --- minutes ---------------------------------------------------------------------------------


def _minutes_form(meeting, data=None) -> MinutesForm:
    members = list(
        meeting.group.members.filter(removed_at__isnull=True).select_related(
            "user", "unit", "next_of_kin"
        )
    )
    attendance = dict(meeting.attendance.values_list("member_id", "status"))
    # Members who have since left keep their line in the minutes.
    known = {m.pk for m in members}
    if set(attendance) - known:
        members += list(
            GroupMember.objects.filter(pk__in=set(attendance) - known).select_related(
                "user", "next_of_kin"
            )
        )
    return MinutesForm(
        data,
        members=members,
        agenda=list(meeting.agenda.select_related("follow_up_of")),
        attendance=attendance,
        initial={"general_notes": meeting.general_notes, "version": meeting.version},
    )


def _minutes_page(request, patient, meeting, minutes_form, action_form=None) -> dict:
    return {
        "patient": patient,
        "meeting": meeting,
        "can": permissions.meeting_rights(request.actor, meeting),
        "minutes_form": minutes_form,
        "action_form": action_form or ActionItemForm(members=_members(meeting.group)),
        "action_items": list(
            meeting.action_items.select_related(
                "responsible_user", "responsible_external__next_of_kin"
            )
        ),
    }


@patient_view(for_edit=True)
def minutes_edit(request, patient, meeting_id):
    meeting = _meeting(patient, meeting_id)
    if meeting.is_published:
        return _locked(request, patient, meeting)
    if meeting.state == Meeting.State.CANCELLED:
        messages.error(request, _("The meeting is cancelled."))
        return _detail(patient, meeting)
    if not meeting.has_begun:
        messages.error(request, _("Minutes are written once the meeting has begun."))
        return _detail(patient, meeting)
    form = _minutes_form(meeting, request.POST or None)
    return form_action(
        request,
        form,
        save=_stale_as_form(
            form,
            lambda data: svc.minutes_record(
                meeting=meeting,
                actor=request.actor,
                version=data["version"],
                attendance=form.attendance(),
                agenda_notes=form.agenda_notes(),
                general_notes=data["general_notes"],
            ),
        ),
        success=_("The minutes are saved."),
        redirect_to=_minutes_url(meeting),
        template="pathways/meetings/minutes_form.html",
        context=_minutes_page(request, patient, meeting, form),
    )


@require_POST
@patient_view(for_edit=True)
def action_item_add(request, patient, meeting_id):
    meeting = _meeting(patient, meeting_id)
    if meeting.is_published:
        return _locked(request, patient, meeting)
    form = ActionItemForm(request.POST, members=_members(meeting.group))
    return form_action(
        request,
        form,
        save=lambda data: svc.action_item_add(
            meeting=meeting,
            actor=request.actor,
            what=data["what"],
            due_date=data["due_date"],
            **form.responsible_kwargs(),
        ),
        success=_("The action item is added."),
        redirect_to=_minutes_url(meeting),
        template="pathways/meetings/minutes_form.html",
        context=_minutes_page(request, patient, meeting, _minutes_form(meeting), form),
    )


@require_POST
@patient_view(for_edit=True)
def action_item_delete(request, patient, meeting_id, item_id):
    meeting = _meeting(patient, meeting_id)
    item = get_object_or_404(ActionItem, pk=item_id, meeting=meeting)
    try:
        svc.action_item_delete(item=item, actor=request.actor)
    except svc.MinutesLocked:
        return _locked(request, patient, meeting)
    messages.success(request, _("The action item is removed."))
    return redirect("pathways:minutes_edit", patient_id=patient.pk, meeting_id=meeting.pk)


@patient_view(for_edit=True)
def minutes_publish(request, patient, meeting_id):
    meeting = _meeting(patient, meeting_id)
    if meeting.is_published:
        return _locked(request, patient, meeting)
    form = PublishForm(
        request.POST or None,
        initial={
            "next_meeting_proposed": svc.propose_next_meeting(meeting),
            "version": meeting.version,
        },
    )
    context = svc.minutes_context(meeting)
    context.update({"patient": patient, "submit": _("Publish and send")})
    return form_action(
        request,
        form,
        save=lambda data: svc.minutes_publish(
            meeting=meeting,
            actor=request.actor,
            version=data["version"],
            next_meeting_proposed=data["next_meeting_proposed"],
        ),
        success=_("The minutes are published and sent to the participants."),
        redirect_to=_detail_url(meeting),
        template="pathways/meetings/minutes_publish.html",
        context=context,
    )


@require_POST
@patient_view(for_edit=True)
def addendum_add(request, patient, meeting_id):
    meeting = _meeting(patient, meeting_id)
    form = AddendumForm(request.POST)
    return form_action(
        request,
        form,
        save=lambda data: svc.minutes_addendum(
            meeting=meeting, actor=request.actor, text=data["text"]
        ),
        success=_("The addendum is added to the minutes."),
        redirect_to=_detail_url(meeting),
        template="pathways/meetings/meeting_detail.html",
        context=_detail_context(request, patient, meeting, form),
    )


@require_POST
@patient_view(for_edit=True)
def action_item_done(request, patient, item_id):
    item = get_object_or_404(ActionItem, pk=item_id, patient=patient)
    item.patient = patient
    if svc.action_item_done(item=item, actor=request.actor):
        messages.success(request, _("“%(what)s” is marked as done.") % {"what": item.what})
    else:
        messages.info(request, _("The action item was already closed."))
    meeting = reverse("pathways:meeting_detail", args=[patient.pk, item.meeting_id])
    return redirect(safe_next(request, meeting))


# --- calendar and print ----------------------------------------------------------------------


@patient_view()
def meeting_ics(request, patient, meeting_id):
    meeting = _meeting(patient, meeting_id)
    response = HttpResponse(svc.meeting_ics(meeting), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="invitasjon.ics"'
    return response


@patient_view(action=AuditEvent.Action.PRINT)
def minutes_pdf(request, patient, meeting_id):
    meeting = _meeting(patient, meeting_id)
    if meeting.state != Meeting.State.HELD:
        raise Http404
    context = svc.minutes_pdf_context(meeting, patient)
    day = timezone.localtime(meeting.starts_at).date()
    return pdf_response("pdf/minutes.html", context, request=request, filename=f"referat-{day}.pdf")


@patient_view(action=AuditEvent.Action.PRINT)
def invitation_pdf(request, patient, meeting_id):
    meeting = _meeting(patient, meeting_id)
    context = svc.minutes_context(meeting)
    context |= {
        "patient": patient,
        "invitations": list(
            meeting.invitations.select_related(
                "member__user", "member__unit", "member__next_of_kin"
            )
        ),
    }
    day = timezone.localtime(meeting.starts_at).date()
    return pdf_response(
        "pdf/minutes_invitation.html", context, request=request, filename=f"innkalling-{day}.pdf"
    )
