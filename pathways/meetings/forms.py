"""The ansvarsgruppe's forms: the group, members, meetings, minutes, action items, addenda.

Forms of versioned objects (the group, a meeting and its minutes) carry the version they were
opened with in a hidden ``version`` field; the service refuses a stale save. ``stored(obj)``
gives what is stored now in the form's own terms, for the conflict screen to put beside what
was typed.
"""

import datetime
from types import SimpleNamespace

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Membership
from pathways.formfields import text_area
from pathways.models import Attendance, CareTeamMember, Consent, GroupMember
from pathways.patients.forms import PersonChoiceMixin


class GroupForm(forms.Form):
    patient_say = text_area(
        gettext_lazy("The patient's say in who takes part"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Who the patient wants in the group, and anyone they do not want."),
    )


class GroupEditForm(GroupForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


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


class ConsentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.describe()


class ExternalMemberForm(PersonChoiceMixin, forms.Form):
    """A pårørende or network person from the patient's register (or added to it here), or a
    professional without a login (GP, NAV) whose details are typed here."""

    person_optional = True

    name = forms.CharField(
        label=gettext_lazy("Name (professional not in the register)"),
        required=False,
        max_length=150,
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Role (professional not in the register)"),
        required=False,
        choices=[
            ("", "–"),
            *(
                c
                for c in GroupMember.Role.choices
                if c[0] not in (GroupMember.Role.PROFESSIONAL, GroupMember.Role.NEXT_OF_KIN)
            ),
        ],
    )
    role_note = forms.CharField(
        label=gettext_lazy("Title"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("For example fastlege in Vadsø, NAV veileder."),
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
    consent = ConsentChoiceField(
        label=gettext_lazy("The patient's consent in force"),
        queryset=Consent.objects.none(),
        required=False,
        empty_label=gettext_lazy("None of these (note the basis below)"),
        help_text=gettext_lazy(
            "A consent already recorded is used as the basis; there is no need to note it again."
        ),
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

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_people(patient)
        self.fields["email"].label = gettext_lazy("Email (professional not in the register)")
        self.fields["phone"].label = gettext_lazy("Phone (professional not in the register)")
        # Only consents in force are offered: withdrawn and expired ones are no basis.
        self.fields["consent"].queryset = (
            Consent.objects.in_force().filter(patient=patient).select_related("unit")
        )
        if not self.is_bound and not self.fields["consent"].queryset.exists():
            # Nothing to offer. A posted form keeps the field, so a consent withdrawn since
            # it was opened is refused beside it rather than ignored.
            del self.fields["consent"]
        self.order_fields([*self.PERSON_FIELDS])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("consent") is not None:
            cleaned["basis"] = GroupMember.Basis.CONSENT
        elif cleaned.get("basis") == GroupMember.Basis.CONSENT and not cleaned.get("basis_note"):
            self.add_error("basis_note", _("Note what the patient consented to and when."))
        if not self.from_register:
            if not cleaned.get("name"):
                self.add_error("name", _("Choose a person from the register, or enter the name."))
            if not cleaned.get("role"):
                self.add_error("role", _("Choose the role."))
        return cleaned

    def service_data(self) -> dict:
        """The keyword arguments of ``group_member_add``."""
        data = {name: self.cleaned_data[name] for name in ("basis", "basis_note", "patient_view")}
        data["consent"] = self.cleaned_data.get("consent")
        if self.from_register:
            return {
                **data,
                "role": GroupMember.Role.NEXT_OF_KIN,
                "next_of_kin": self.cleaned_data["person"],
                "new_person": self.new_person,
            }
        return {
            **data,
            **{
                name: self.cleaned_data[name]
                for name in ("name", "role", "role_note", "email", "phone")
            },
        }


class MeetingForm(forms.Form):
    # The service's ``starts_at`` is this form's date (and time): its errors stand there.
    service_fields = {"starts_at": "date"}

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
    agenda = text_area(
        gettext_lazy("Agenda"),
        rows=5,
        required=False,
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
        self.fields["invite"].queryset = group.members.active().select_related(
            "user", "unit", "next_of_kin"
        )
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

    def clean_agenda(self) -> str:
        lines = (line.strip() for line in self.cleaned_data["agenda"].splitlines())
        return "\n".join(line for line in lines if line)

    def agenda_lines(self) -> list[str]:
        return self.cleaned_data["agenda"].splitlines()

    @staticmethod
    def values(meeting) -> dict:
        """The meeting as this form edits it (the initial values of the change form)."""
        local = timezone.localtime(meeting.starts_at)
        return {
            "date": local.date(),
            "time": local.time().replace(second=0, microsecond=0),
            "duration_minutes": meeting.duration_minutes,
            "place": meeting.place,
            "digital_link": meeting.digital_link,
            "agenda": "\n".join(
                a.title
                for a in meeting.agenda.all()
                if a.follow_up_of_id is None and not a.proposed_by_patient
            ),
            "invite": list(meeting.invitations.values_list("member_id", flat=True)),
            "version": meeting.version,
        }

    def stored(self, meeting) -> SimpleNamespace:
        values = self.values(meeting)
        invited = set(values["invite"])
        values["invite"] = [m for m in self.fields["invite"].queryset if m.pk in invited]
        return SimpleNamespace(**values)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), required=False, max_length=300, widget=forms.TextInput
    )


ATTENDANCE_CHOICES = [("", "–"), *Attendance.Status.choices]


class MinutesForm(forms.Form):
    general_notes = text_area(gettext_lazy("Other notes"), rows=4, required=False)
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
            # The item in the label: the conflict screen and screen readers tell them apart.
            self.fields[f"notes_{item.pk}"] = text_area(
                format_lazy("{}: {}", gettext_lazy("Notes"), item.title),
                required=False,
                initial=item.notes,
            )
            self.fields[f"decision_{item.pk}"] = text_area(
                format_lazy("{}: {}", gettext_lazy("Agreed"), item.title),
                rows=2,
                required=False,
                initial=item.decision,
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

    def stored(self, meeting) -> SimpleNamespace:
        """The minutes as saved now, field by field."""
        values = {"general_notes": meeting.general_notes, "version": meeting.version}
        attendance = dict(meeting.attendance.values_list("member_id", "status"))
        for member in self.members:
            values[f"attendance_{member.pk}"] = attendance.get(member.pk, "")
        for item in meeting.agenda.all():
            values[f"notes_{item.pk}"], values[f"decision_{item.pk}"] = item.notes, item.decision
        return SimpleNamespace(**values)


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
    text = text_area(
        gettext_lazy("Addendum"),
        max_length=4000,
        error_messages={"required": gettext_lazy("Write the addendum before saving.")},
    )
