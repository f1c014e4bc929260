"""Ansvarsgruppe pages: the group, meetings, minutes, calendar invitations and PDFs."""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import AuditEvent, Membership
from accounts.redirects import safe_next
from pathways.access import patient_view
from pathways.meetings import services as svc
from pathways.models import (
    ActionItem,
    Attendance,
    CareTeamMember,
    GroupMember,
    Meeting,
    ResponsibilityGroup,
)
from pathways.pdf import pdf_response

# --- forms -----------------------------------------------------------------------------------


class GroupForm(forms.Form):
    patient_say = forms.CharField(
        label=gettext_lazy("The patient's say in who takes part"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Who the patient wants in the group, and anyone they do not want."),
    )


class InternalMemberForm(forms.Form):
    membership = forms.ModelChoiceField(
        label=gettext_lazy("Person"), queryset=Membership.objects.none(), empty_label="–"
    )
    patient_view = forms.ChoiceField(
        label=gettext_lazy("The patient's say"), choices=GroupMember.PatientView.choices
    )
    basis_note = forms.CharField(
        label=gettext_lazy("Note on basis"), required=False, max_length=300
    )

    def __init__(self, *args, patient, group, **kwargs):
        super().__init__(*args, **kwargs)
        units = CareTeamMember.objects.active().filter(patient=patient).values("unit_id")
        taken = group.members.active().filter(user__isnull=False).values("user_id")
        self.fields["membership"].queryset = (
            Membership.objects.active()
            .filter(unit_id__in=units, user__is_active=True)
            .exclude(user_id__in=taken)
            .select_related("user", "unit")
            .order_by("unit__name", "user__first_name", "user__last_name")
        )
        self.fields["membership"].label_from_instance = lambda m: (
            f"{m.user.get_full_name() or m.user.username} – {m.unit.name}"
        )


class ExternalMemberForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=150)
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=[c for c in GroupMember.Role.choices if c[0] != GroupMember.Role.PROFESSIONAL],
    )
    role_note = forms.CharField(
        label=gettext_lazy("Title or relation"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("For example mother, fastlege in Vadsø, NAV veileder."),
    )
    email = forms.EmailField(
        label=gettext_lazy("Email"),
        required=False,
        help_text=gettext_lazy(
            "Invitations and minutes are sent here. Leave empty to send by post."
        ),
    )
    phone = forms.CharField(label=gettext_lazy("Phone"), required=False, max_length=30)
    basis = forms.ChoiceField(
        label=gettext_lazy("Basis for taking part"),
        choices=[c for c in GroupMember.Basis.choices if c[0] != GroupMember.Basis.CARE_TEAM],
    )
    basis_note = forms.CharField(
        label=gettext_lazy("Note on consent or basis"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("What the patient consented to, and when."),
    )
    patient_view = forms.ChoiceField(
        label=gettext_lazy("The patient's say"), choices=GroupMember.PatientView.choices
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("basis") == GroupMember.Basis.CONSENT and not cleaned.get("basis_note"):
            self.add_error("basis_note", _("Note what the patient consented to and when."))
        return cleaned


class MeetingForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    time = forms.TimeField(
        label=gettext_lazy("Time"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    duration_minutes = forms.IntegerField(
        label=gettext_lazy("Duration (minutes)"), min_value=5, max_value=600, initial=60
    )
    place = forms.CharField(
        label=gettext_lazy("Place"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Meeting room and address. Fill in a place, a link or both."),
    )
    digital_link = forms.URLField(
        label=gettext_lazy("Digital meeting link"),
        required=False,
        max_length=500,
        assume_scheme="https",
    )
    agenda = forms.CharField(
        label=gettext_lazy("Agenda"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "One item per line. Open action items from earlier meetings are added by themselves."
        ),
    )
    invite = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Invite"),
        queryset=GroupMember.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invite"].queryset = group.members.active().select_related("user", "unit")
        self.fields["invite"].label_from_instance = lambda m: m.describe

    def clean(self):
        cleaned = super().clean()
        no_place = not cleaned.get("place") and not cleaned.get("digital_link")
        if no_place and "digital_link" not in self.errors:
            self.add_error("place", _("Enter a place, a digital meeting link or both."))
        if cleaned.get("date") and cleaned.get("time"):
            naive = datetime.datetime.combine(cleaned["date"], cleaned["time"])
            cleaned["starts_at"] = timezone.make_aware(naive)
        return cleaned

    def agenda_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["agenda"].splitlines() if line.strip()]


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), required=False, max_length=300, widget=forms.TextInput
    )


ATTENDANCE_CHOICES = [("", "–"), *Attendance.Status.choices]


class MinutesForm(forms.Form):
    general_notes = forms.CharField(
        label=gettext_lazy("Other notes"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, members, agenda, attendance, **kwargs):
        super().__init__(*args, **kwargs)
        self.members, self.agenda = members, agenda
        for member in members:
            self.fields[f"attendance_{member.pk}"] = forms.ChoiceField(
                label=member.describe,
                choices=ATTENDANCE_CHOICES,
                required=False,
                initial=attendance.get(member.pk, ""),
            )
        for item in agenda:
            self.fields[f"notes_{item.pk}"] = forms.CharField(
                label=gettext_lazy("Notes"),
                required=False,
                initial=item.notes,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.fields[f"decision_{item.pk}"] = forms.CharField(
                label=gettext_lazy("Decision"),
                required=False,
                initial=item.decision,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def attendance_fields(self):
        return [self[f"attendance_{m.pk}"] for m in self.members]

    def agenda_fields(self):
        return [
            (item, self[f"notes_{item.pk}"], self[f"decision_{item.pk}"]) for item in self.agenda
        ]

    def attendance(self) -> dict[int, str]:
        return {m.pk: self.cleaned_data[f"attendance_{m.pk}"] for m in self.members}

    def agenda_notes(self) -> dict[int, tuple[str, str]]:
        return {
            item.pk: (
                self.cleaned_data[f"notes_{item.pk}"],
                self.cleaned_data[f"decision_{item.pk}"],
            )
            for item in self.agenda
        }


class ActionItemForm(forms.Form):
    what = forms.CharField(label=gettext_lazy("What is to be done"), max_length=500)
    responsible = forms.ChoiceField(label=gettext_lazy("Responsible"))
    due_date = forms.DateField(
        label=gettext_lazy("Due date"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, prefix="action", **kwargs)
        self.by_key = {f"m{m.pk}": m for m in members}
        self.fields["responsible"].choices = [("", "–")] + [
            (key, m.describe) for key, m in self.by_key.items()
        ]

    def responsible_kwargs(self) -> dict:
        member = self.by_key[self.cleaned_data["responsible"]]
        if member.is_internal:
            return {"responsible_user": member.user}
        return {"responsible_external": member}


class PublishForm(forms.Form):
    next_meeting_proposed = forms.DateField(
        label=gettext_lazy("Proposed date for the next meeting"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class AddendumForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Addendum"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


# --- helpers ---------------------------------------------------------------------------------


def _group(patient):
    return ResponsibilityGroup.objects.select_related("leader").filter(patient=patient).first()


def _group_or_404(patient):
    group = _group(patient)
    if group is None:
        raise Http404
    return group


def _meeting(patient, meeting_id) -> Meeting:
    return get_object_or_404(
        Meeting.objects.select_related("group__leader", "published_by", "created_by"),
        pk=meeting_id,
        patient=patient,
    )


def _members(group):
    return list(group.members.active().select_related("user", "unit"))


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


def _detail(patient, meeting):
    return redirect("pathways:meeting_detail", patient_id=patient.pk, meeting_id=meeting.pk)


def _locked(request, patient, meeting):
    messages.error(
        request, _("The minutes are published and can no longer be changed. Add an addendum.")
    )
    return _detail(patient, meeting)


# --- the group -------------------------------------------------------------------------------


@patient_view()
def group_page(request, patient):
    group = _group(patient)
    context = {"patient": patient, "group": group, "can_edit": patient.can_edit}
    if group is None:
        context["form"] = GroupForm()
        context["coordinator"] = svc.active_coordinator(patient.pk)
    else:
        context["members"] = _members(group)
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
    return render(request, "pathways/meetings/group.html", context)


@require_POST
@patient_view(for_edit=True)
def group_create(request, patient):
    form = GroupForm(request.POST)
    if form.is_valid():
        try:
            svc.group_create(
                patient=patient,
                actor=request.actor,
                patient_say=form.cleaned_data["patient_say"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The responsibility group is created."))
    return redirect("pathways:meetings", patient_id=patient.pk)


@patient_view(for_edit=True)
def group_edit(request, patient):
    group = _group_or_404(patient)
    form = GroupForm(request.POST or None, initial={"patient_say": group.patient_say})
    if request.method == "POST" and form.is_valid():
        svc.group_update(
            group=group,
            actor=request.actor,
            patient_say=form.cleaned_data["patient_say"],
        )
        messages.success(request, _("Saved."))
        return redirect("pathways:meetings", patient_id=patient.pk)
    return render(request, "pathways/meetings/group_edit.html", {"patient": patient, "form": form})


@patient_view(for_edit=True)
def member_add_internal(request, patient):
    group = _group_or_404(patient)
    form = InternalMemberForm(request.POST or None, patient=patient, group=group)
    if request.method == "POST" and form.is_valid():
        membership = form.cleaned_data["membership"]
        try:
            svc.group_member_add(
                group=group,
                actor=request.actor,
                user=membership.user,
                member_unit=membership.unit,
                role_note=membership.title,
                patient_view=form.cleaned_data["patient_view"],
                basis_note=form.cleaned_data["basis_note"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The member is added."))
            return redirect("pathways:meetings", patient_id=patient.pk)
    return render(
        request,
        "pathways/meetings/member_form.html",
        {"patient": patient, "form": form, "title": _("Add a member from the care team")},
    )


@patient_view(for_edit=True)
def member_add_external(request, patient):
    group = _group_or_404(patient)
    form = ExternalMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.group_member_add(group=group, actor=request.actor, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The participant is added."))
            return redirect("pathways:meetings", patient_id=patient.pk)
    return render(
        request,
        "pathways/meetings/member_form.html",
        {"patient": patient, "form": form, "title": _("Add an external participant")},
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


@patient_view(for_edit=True)
def meeting_new(request, patient):
    group = _group_or_404(patient)
    members = _members(group)
    form = MeetingForm(
        request.POST or None,
        group=group,
        initial={"invite": [m.pk for m in members], "duration_minutes": 60},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = svc.meeting_plan(
                group=group,
                actor=request.actor,
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                place=data["place"],
                digital_link=data["digital_link"],
                agenda=form.agenda_lines(),
                invite=list(data["invite"]),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The meeting is planned and the invitations are sent."))
            return _detail(patient, meeting)
    return render(
        request,
        "pathways/meetings/meeting_form.html",
        {"patient": patient, "form": form, "title": _("Call a meeting")},
    )


@patient_view()
def meeting_detail(request, patient, meeting_id):
    meeting = _meeting(patient, meeting_id)
    context = svc.minutes_context(meeting)
    context.update(
        {
            "patient": patient,
            "can_edit": patient.can_edit,
            "invitations": list(meeting.invitations.select_related("member__user", "member__unit")),
            "addendum_form": AddendumForm(),
        }
    )
    return render(request, "pathways/meetings/meeting_detail.html", context)


@patient_view(for_edit=True)
def meeting_edit(request, patient, meeting_id):
    meeting = _meeting(patient, meeting_id)
    if meeting.state != Meeting.State.PLANNED:
        messages.error(request, _("Only planned meetings can be changed."))
        return _detail(patient, meeting)
    local = timezone.localtime(meeting.starts_at)
    own = [a.title for a in meeting.agenda.all() if a.follow_up_of_id is None]
    form = MeetingForm(
        request.POST or None,
        group=meeting.group,
        initial={
            "date": local.date(),
            "time": local.time().replace(second=0, microsecond=0),
            "duration_minutes": meeting.duration_minutes,
            "place": meeting.place,
            "digital_link": meeting.digital_link,
            "agenda": "\n".join(own),
            "invite": list(meeting.invitations.values_list("member_id", flat=True)),
            "version": meeting.version,
        },
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            svc.meeting_change(
                meeting=meeting,
                actor=request.actor,
                version=data["version"] or 0,
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                place=data["place"],
                digital_link=data["digital_link"],
                agenda=form.agenda_lines(),
                invite=list(data["invite"]),
            )
        except svc.StaleMeeting as stale:
            conflict = stale.current
            form.add_error(
                None,
                _(
                    "Someone else changed the meeting while you were editing. Check the "
                    "meeting as it is now and save again."
                ),
            )
            form.data = form.data.copy()
            form.data["version"] = conflict.version
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The meeting is changed and updated invitations are sent."))
            return _detail(patient, meeting)
    return render(
        request,
        "pathways/meetings/meeting_form.html",
        {"patient": patient, "form": form, "title": _("Change meeting"), "conflict": conflict},
    )


@patient_view(for_edit=True)
def meeting_cancel(request, patient, meeting_id):
    meeting = _meeting(patient, meeting_id)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.meeting_cancel(
                meeting=meeting,
                actor=request.actor,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The meeting is cancelled and the participants are told."))
        return _detail(patient, meeting)
    return render(
        request,
        "pathways/meetings/meeting_cancel.html",
        {"patient": patient, "meeting": meeting, "form": form},
    )


# --- minutes ---------------------------------------------------------------------------------


def _minutes_form(request, meeting, data=None):
    members = list(
        meeting.group.members.filter(removed_at__isnull=True).select_related("user", "unit")
    )
    attendance = dict(meeting.attendance.values_list("member_id", "status"))
    # Members who have since left keep their line in the minutes.
    known = {m.pk for m in members}
    if set(attendance) - known:
        members += list(
            GroupMember.objects.filter(pk__in=set(attendance) - known).select_related("user")
        )
    return MinutesForm(
        data,
        members=members,
        agenda=list(meeting.agenda.select_related("follow_up_of")),
        attendance=attendance,
        initial={"general_notes": meeting.general_notes, "version": meeting.version},
    )


def _minutes_page(request, patient, meeting, form, action_form=None, status=200):
    context = {
        "patient": patient,
        "meeting": meeting,
        "form": form,
        "action_form": action_form or ActionItemForm(members=_members(meeting.group)),
        "action_items": list(
            meeting.action_items.select_related("responsible_user", "responsible_external")
        ),
    }
    return render(request, "pathways/meetings/minutes_form.html", context, status=status)


@patient_view(for_edit=True)
def minutes_edit(request, patient, meeting_id):
    meeting = _meeting(patient, meeting_id)
    if meeting.is_published:
        return _locked(request, patient, meeting)
    if meeting.state == Meeting.State.CANCELLED:
        messages.error(request, _("The meeting is cancelled."))
        return _detail(patient, meeting)
    form = _minutes_form(request, meeting, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.minutes_record(
                meeting=meeting,
                actor=request.actor,
                version=form.cleaned_data["version"],
                attendance=form.attendance(),
                agenda_notes=form.agenda_notes(),
                general_notes=form.cleaned_data["general_notes"],
            )
        except svc.MinutesLocked:
            return _locked(request, patient, meeting)
        except svc.StaleMeeting as stale:
            form.add_error(
                None,
                _(
                    "Someone else saved the minutes while you were writing. Your text is kept "
                    "below; compare with the saved minutes and save again."
                ),
            )
            form.data = form.data.copy()
            form.data["version"] = stale.current.version
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The minutes are saved."))
            return redirect("pathways:minutes_edit", patient_id=patient.pk, meeting_id=meeting.pk)
    return _minutes_page(request, patient, meeting, form)


@require_POST
@patient_view(for_edit=True)
def action_item_add(request, patient, meeting_id):
    meeting = _meeting(patient, meeting_id)
    if meeting.is_published:
        return _locked(request, patient, meeting)
    form = ActionItemForm(request.POST, members=_members(meeting.group))
    if form.is_valid():
        try:
            svc.action_item_add(
                meeting=meeting,
                actor=request.actor,
                what=form.cleaned_data["what"],
                due_date=form.cleaned_data["due_date"],
                **form.responsible_kwargs(),
            )
        except svc.MinutesLocked:
            return _locked(request, patient, meeting)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The action item is added."))
            return redirect("pathways:minutes_edit", patient_id=patient.pk, meeting_id=meeting.pk)
    return _minutes_page(
        request, patient, meeting, _minutes_form(request, meeting), action_form=form
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
    if request.method == "POST" and form.is_valid():
        try:
            svc.minutes_publish(
                meeting=meeting,
                actor=request.actor,
                version=form.cleaned_data["version"],
                next_meeting_proposed=form.cleaned_data["next_meeting_proposed"],
            )
        except svc.MinutesLocked:
            return _locked(request, patient, meeting)
        except svc.StaleMeeting:
            form.add_error(
                None, _("The minutes were changed meanwhile. Read them through and publish again.")
            )
            form.data = form.data.copy()
            form.data["version"] = Meeting.objects.get(pk=meeting.pk).version
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The minutes are published and sent to the participants."))
            return _detail(patient, meeting)
    context = svc.minutes_context(meeting)
    context.update({"patient": patient, "form": form})
    return render(request, "pathways/meetings/minutes_publish.html", context)


@require_POST
@patient_view(for_edit=True)
def addendum_add(request, patient, meeting_id):
    meeting = _meeting(patient, meeting_id)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            svc.minutes_addendum(
                meeting=meeting,
                actor=request.actor,
                text=form.cleaned_data["text"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The addendum is added to the minutes."))
    else:
        messages.error(request, _("Write the addendum before saving."))
    return _detail(patient, meeting)


@require_POST
@patient_view(for_edit=True)
def action_item_done(request, patient, item_id):
    item = get_object_or_404(ActionItem, pk=item_id, patient=patient)
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
    context = svc.minutes_context(meeting)
    context["patient"] = patient
    day = timezone.localtime(meeting.starts_at).date()
    return pdf_response("pdf/minutes.html", context, request=request, filename=f"referat-{day}.pdf")


@patient_view(action=AuditEvent.Action.PRINT)
def invitation_pdf(request, patient, meeting_id):
    meeting = _meeting(patient, meeting_id)
    context = svc.minutes_context(meeting)
    context |= {
        "patient": patient,
        "invitations": list(meeting.invitations.select_related("member__user", "member__unit")),
    }
    day = timezone.localtime(meeting.starts_at).date()
    return pdf_response(
        "pdf/minutes_invitation.html", context, request=request, filename=f"innkalling-{day}.pdf"
    )
