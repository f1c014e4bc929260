"""Forms for admission, discharge and ettervern."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, ServiceUnit
from pathways.formfields import date_field, text_area, text_areas
from pathways.models import EttervernPlan, KommuneMessage, TreatmentEpisode

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _datetime(label, required=True, **kw):
    return forms.DateTimeField(label=label, required=required, widget=DATETIME, **kw)


def specialist_units():
    return ServiceUnit.objects.filter(
        organisation__level=Organisation.Level.SPESIALIST
    ).select_related("organisation")


class EpisodeStartForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of treatment"), choices=TreatmentEpisode.Kind.choices)
    started_at = _datetime(_("Admitted / started"))
    planned_end = date_field(_("Planned discharge date"), required=False)
    send_admission_message = forms.BooleanField(
        label=_("Send the notice of admission to the municipality now (døgn)"),
        required=False,
        initial=True,
    )
    unit = forms.ModelChoiceField(
        label=_("Treatment takes place at"),
        queryset=ServiceUnit.objects.none(),
        required=False,
        help_text=_("The unit joins the care team, unless the patient has withdrawn consent."),
    )

    def __init__(self, *args, unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        if unit is None:
            del self.fields["unit"]
            return
        self.fields["unit"].queryset = ServiceUnit.objects.filter(
            organisation_id=unit.organisation_id
        ).order_by("name")
        self.fields["unit"].initial = unit.pk


class PlannedEndForm(forms.Form):
    planned_end = date_field(_("Planned discharge date"), required=False)


class _VersionedForm(forms.Form):
    # The version the form was opened with; none sent counts as stale (see pathways.stale).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class MilestonesForm(_VersionedForm):
    """The national patient pathway's dates, recorded by the treating unit."""

    first_attendance_on = date_field(_("First attendance"), required=False)
    clinical_decision_on = date_field(
        _("Clinical decision"),
        required=False,
        help_text=_("When the treatment was decided together with the patient."),
    )


class EpisodeEvaluationForm(forms.Form):
    held_on = date_field(_("Date of the evaluation"))
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class AssessmentForm(_VersionedForm):
    assessment = text_area(
        _("Clinician's assessment"),
        rows=5,
        max_length=5000,
        help_text=_("Why the patient no longer needs specialist inpatient care."),
    )


class PlanningMeetingForm(forms.Form):
    starts_at = _datetime(_("Date and time"))
    place = forms.CharField(label=_("Place or video link"), max_length=200)
    participants = text_area(
        _("Participants"), max_length=2000, help_text=_("One per line: name, role and service.")
    )


class ReadyForm(forms.Form):
    text = text_area(_("Message to the municipality"), required=False, max_length=2000)


class EpisodeEndForm(forms.Form):
    end_kind = forms.ChoiceField(
        label=_("How did the treatment end?"),
        choices=[
            (TreatmentEpisode.EndKind.PLANNED, TreatmentEpisode.EndKind.PLANNED.label),
            (TreatmentEpisode.EndKind.UNPLANNED, TreatmentEpisode.EndKind.UNPLANNED.label),
        ],
        widget=forms.RadioSelect,
    )
    ended_at = _datetime(_("Discharged at"), required=False, help_text=_("Empty means now."))
    note = text_area(_("Note to the municipality"), required=False, max_length=500)
    without_plan_reason = text_area(
        _("Reason for discharge without a signed ettervern plan"),
        rows=2,
        required=False,
        max_length=500,
    )


class TransferForm(forms.Form):
    to_unit = forms.ModelChoiceField(label=_("To unit"), queryset=ServiceUnit.objects.none())
    kind = forms.ChoiceField(label=_("Kind of treatment"), choices=TreatmentEpisode.Kind.choices)
    consent_given_on = date_field(
        _("Patient's consent given on"),
        required=False,
        help_text=_("Needed when the unit is not on the care team yet."),
    )

    def __init__(self, *args, exclude_unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = specialist_units()
        if exclude_unit is not None:
            units = units.exclude(pk=exclude_unit.pk)
        self.fields["to_unit"].queryset = units


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Answer"), choices=KommuneMessage.Answer.choices, widget=forms.RadioSelect
    )
    can_receive_from = date_field(_("Can receive from"), required=False)
    answer_reason = text_area(
        _("Reason"),
        required=False,
        max_length=2000,
        help_text=_("Required when the patient cannot be received yet."),
    )


class PlanStartForm(forms.Form):
    variant = forms.ChoiceField(
        label=_("Variant"),
        choices=EttervernPlan.Variant.choices,
        initial=EttervernPlan.Variant.STANDARD,
        widget=forms.RadioSelect,
    )


class _PlanPartForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def part_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class SpecialistPartForm(_PlanPartForm):
    return_valid_until = date_field(_("Valid until"), required=False)

    class Meta:
        model = EttervernPlan
        fields = EttervernPlan.SPECIALIST_FIELDS
        widgets = text_areas(
            summary=4, medication=3, risk=3, recommendations=3, return_conditions=2
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["return_unit"].queryset = specialist_units()
        self.fields["return_kind"].choices = [("", _("Not decided yet"))] + list(
            EttervernPlan.Return.choices
        )


class KommunePartForm(_PlanPartForm):
    first_appointment_at = _datetime(_("First municipal appointment"), required=False)
    fastlege_appointment_at = _datetime(_("GP appointment"), required=False)
    release_date = date_field(_("Release date"), required=False)

    class Meta:
        model = EttervernPlan
        fields = EttervernPlan.KOMMUNE_FIELDS
        widgets = text_areas(housing=2, economy=2, activity=2, network=2, nav=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.variant != EttervernPlan.Variant.PRISON:
            for name in ("release_date", "prison", "met_by"):
                del self.fields[name]

    def part_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}


class FollowUpForm(forms.Form):
    at = _datetime(_("Date and time"))
    with_whom = forms.CharField(label=_("With whom"), max_length=200)


class KommuneMoveForm(forms.Form):
    to_unit = forms.ModelChoiceField(
        label=_("Unit in the new municipality"), queryset=ServiceUnit.objects.none()
    )
    handover_date = date_field(
        _("Handover date"),
        help_text=_("The old municipality leaves the care team after this date."),
    )
    consent_given_on = date_field(_("Patient's consent given on"))

    def __init__(self, *args, current_unit=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = ServiceUnit.objects.filter(
            organisation__level=Organisation.Level.KOMMUNE
        ).select_related("organisation")
        if current_unit is not None:
            units = units.exclude(organisation_id=current_unit.organisation_id)
        self.fields["to_unit"].queryset = units

    def clean_consent_given_on(self):
        value = self.cleaned_data["consent_given_on"]
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


class StatisticsForm(forms.Form):
    start = date_field(_("From"))
    end = date_field(_("To"))
    notice_days = forms.IntegerField(
        label=_("Days of notice to the municipality"), min_value=0, max_value=90, initial=7
    )

    def period(self) -> tuple[datetime.date, datetime.date, int] | None:
        """(start, end, days of notice) asked for, or None when the form is not right."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        return data["start"], data["end"], data["notice_days"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end is before the start."))
            elif end - start > datetime.timedelta(days=3 * 366):
                self.add_error("end", _("Choose a period of at most three years."))
        return cleaned
