"""Forms for the koordinator and the individual plan. Every plan form carries the version it
was opened at, so a save over a newer version can be caught."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, ServiceUnit
from pathways.formfields import DateRangeMixin, text_area, text_areas
from pathways.models import (
    CareTeamMember,
    Evaluation,
    Goal,
    IndividualPlan,
    LifeArea,
    Measure,
    Participant,
    PlanComment,
    SelfRating,
)
from pathways.models.plan import default_revision_date
from pathways.patients.forms import PersonChoiceMixin


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def date_inputs(*names: str) -> dict:
    """A model form's ``Meta.widgets``: the date picker for each of the fields ``names``."""
    return {name: DateInput for name in names}


def _not_future(value):
    if value and value > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."))


def care_team_units(patient):
    return ServiceUnit.objects.filter(
        pk__in=CareTeamMember.objects.active().filter(patient=patient).values("unit_id")
    ).select_related("organisation")


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ServiceSavedModelForm(forms.ModelForm):
    """A model form whose service validates and saves: the instance must not change before."""

    def _post_clean(self):
        pass


class VersionedModelForm(ServiceSavedModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def data_for_service(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class CoordinatorForm(forms.Form):
    membership = forms.ModelChoiceField(
        label=_("Koordinator"),
        queryset=None,
        empty_label=_("Choose a person"),
        help_text=_("A person in a unit on the patient's care team."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = candidates
        self.fields["membership"].label_from_instance = lambda m: (
            f"{m.user.get_full_name() or m.user.username} – {m.unit.name}"
            + (f" ({m.title})" if m.title else "")
        )


class PlanCreateForm(DateRangeMixin, forms.Form):
    date_range = ("period_start", "period_end", _("The end cannot be before the start."))

    consent_given_on = forms.DateField(
        label=_("The patient consented to an individual plan on"),
        required=False,
        widget=DateInput,
        validators=[_not_future],
        error_messages={"required": _("Enter the date the patient consented.")},
    )
    consent_covers_sharing = forms.BooleanField(
        label=_("The consent also covers sharing the plan with the participants listed in it"),
        required=False,
        initial=True,
    )
    owner_unit = forms.ModelChoiceField(
        label=_("Owner unit"),
        queryset=None,
        help_text=_("The kommune owns the plan when both levels are involved."),
    )
    period_start = forms.DateField(
        label=_("Plan period from"), widget=DateInput, initial=timezone.localdate
    )
    period_end = forms.DateField(label=_("Plan period to"), required=False, widget=DateInput)
    next_revision_on = forms.DateField(
        label=_("Next revision"),
        widget=DateInput,
        initial=default_revision_date,
        help_text=_("Normally six months ahead."),
    )
    what_matters = text_area(
        _("What is important to you?"),
        rows=4,
        required=False,
        help_text=_("In the patient's own words."),
    )

    def __init__(self, *args, patient, consent, **kwargs):
        super().__init__(*args, **kwargs)
        self.consent = consent
        self.fields["owner_unit"].queryset = care_team_units(patient)
        if consent is None:
            self.fields["consent_given_on"].required = True
        else:
            del self.fields["consent_given_on"]

    def clean(self):
        cleaned = super().clean()
        revision = cleaned.get("next_revision_on")
        if revision and revision < timezone.localdate():
            self.add_error("next_revision_on", _("The revision date cannot be in the past."))
        return cleaned


class PlanBasicsForm(DateRangeMixin, VersionedModelForm):
    date_range = ("period_start", "period_end", _("The end cannot be before the start."))

    class Meta:
        model = IndividualPlan
        fields = ["status", "owner_unit", "period_start", "period_end", "next_revision_on"]
        widgets = date_inputs("period_start", "period_end", "next_revision_on")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = care_team_units(self.instance.patient)


def _plan_text_form(name: str, help_text) -> type[VersionedModelForm]:
    """The form for one free-text part of the plan, in a large text area."""
    return forms.modelform_factory(
        IndividualPlan,
        form=VersionedModelForm,
        fields=[name],
        widgets=text_areas(**{name: 5}),
        help_texts={name: help_text},
    )


WhatMattersForm = _plan_text_form("what_matters", _("In the patient's own words."))
CooperationForm = _plan_text_form(
    "cooperation", _("Other agencies and services the plan depends on, and how.")
)


class ParticipationForm(VersionedModelForm):
    class Meta:
        model = IndividualPlan
        fields = ["patient_reviewed_on", "patient_agreed", "participation_note"]
        widgets = {**text_areas(participation_note=3), **date_inputs("patient_reviewed_on")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient_reviewed_on"].required = True
        self.fields["patient_reviewed_on"].validators.append(_not_future)


class GoalForm(VersionedModelForm):
    class Meta:
        model = Goal
        fields = ["is_main", "life_area", "text", "status", "target_date"]
        widgets = {**text_areas(text=3), **date_inputs("target_date")}
        help_texts = {"text": _("Write the goal as the patient says it.")}

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("is_main") and not cleaned.get("life_area"):
            self.add_error("life_area", _("Choose the life area the goal belongs to."))
        return cleaned


class GoalProgressForm(forms.Form):
    noted_on = forms.DateField(
        label=_("Date"), widget=DateInput, initial=timezone.localdate, validators=[_not_future]
    )
    text = text_area(_("Progress note"), rows=2)


class ProposalAcceptForm(forms.Form):
    """Taking the patient's proposed goal into the plan: the words stay theirs."""

    is_main = forms.BooleanField(label=_("Main goal"), required=False)
    life_area = forms.ChoiceField(
        label=_("Life area"), choices=[("", "---------"), *LifeArea.choices], required=False
    )
    target_date = forms.DateField(label=_("Target date"), widget=DateInput, required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("is_main") and not cleaned.get("life_area"):
            self.add_error("life_area", _("Choose the life area the goal belongs to."))
        return cleaned


class ProposalDeclineForm(forms.Form):
    answer = text_area(
        _("Your answer to the patient"),
        rows=3,
        help_text=_("The patient reads it in Min plan. Say why, and what you suggest instead."),
    )


class AreaForm(VersionedForm):
    resources = text_area(_("Resources (what works, what I am good at)"), required=False)
    needs = text_area(_("Needs (what I need help with)"), required=False)
    score = forms.TypedChoiceField(
        label=_("Self-rating now"),
        choices=[("", _("Not rated this time")), *SelfRating.choices],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_(
            "The patient's answer to: How are things for you in this area now? "
            "1 very hard, 2 hard, 3 so-so, 4 good, 5 very good."
        ),
    )
    rated_on = forms.DateField(
        label=_("Date of the rating"),
        widget=DateInput,
        initial=timezone.localdate,
        required=False,
        validators=[_not_future],
    )


class ParticipantForm(PersonChoiceMixin, VersionedModelForm):
    """A pårørende or network person is chosen from the register (or added to it here); a
    service is a care-team unit; another person (the GP, say) is typed by hand."""

    person_optional = True

    class Meta:
        model = Participant
        fields = ["kind", "unit", "name", "role", "phone", "contribution"]
        labels = {"name": _("Name (other person)"), "phone": _("Phone (other person)")}
        widgets = text_areas(contribution=3)

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = care_team_units(patient)
        self.set_people(patient, current=self.instance.next_of_kin if self.instance.pk else None)
        self.order_fields(["kind", *self.PERSON_FIELDS, "unit"])

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == Participant.Kind.UNIT and not cleaned.get("unit"):
            self.add_error("unit", _("Choose the service."))
        if kind == Participant.Kind.NEXT_OF_KIN and not self.from_register:
            self.add_error("person", _("Choose a person, or add a new one."))
        if kind == Participant.Kind.PERSON and not cleaned.get("name"):
            self.add_error("name", _("Enter the name."))
        return cleaned

    def data_for_service(self) -> dict:
        data = super().data_for_service()
        from_register = data["kind"] == Participant.Kind.NEXT_OF_KIN
        data["next_of_kin"] = self.cleaned_data["person"] if from_register else None
        if from_register:
            # Read from the register, never copied.
            data.update(name="", role="", phone="")
        return data

    def new_person_data(self) -> dict | None:
        return (
            self.new_person
            if self.cleaned_data.get("kind") == Participant.Kind.NEXT_OF_KIN
            else None
        )


def _people_by_unit(units, users, empty_label):
    """The person choices grouped by care-team unit, each named "Name (Unit)" (one query)."""
    memberships = (
        Membership.objects.active()
        .filter(unit__in=units, user__in=users)
        .select_related("user", "unit")
        .order_by("unit__name", "user__first_name", "user__last_name")
    )
    groups: dict[str, list] = {}
    for m in memberships:
        name = m.user.get_full_name() or m.user.username
        groups.setdefault(m.unit.name, []).append((m.user_id, f"{name} ({m.unit.name})"))
    return [("", empty_label), *groups.items()]


class MeasureForm(DateRangeMixin, VersionedModelForm):
    date_range = ("start_on", "end_on", _("The end cannot be before the start."))

    class Meta:
        model = Measure
        fields = [
            "title",
            "life_area",
            "goals",
            "responsible_unit",
            "responsible_user",
            "responsible_name",
            "scope",
            "how",
            "start_on",
            "end_on",
            "status",
        ]
        widgets = {
            **text_areas(how=3),
            "goals": forms.CheckboxSelectMultiple,
            **date_inputs("start_on", "end_on"),
        }

    def __init__(self, *args, plan, units, users, limited=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goals"].queryset = plan.goals.all()
        self.fields["responsible_unit"].queryset = units
        self.fields["responsible_user"].queryset = users
        self.fields["responsible_user"].choices = _people_by_unit(
            units, users, self.fields["responsible_user"].empty_label
        )
        if limited:
            # A member of the responsible unit changes how the measure is carried out.
            for name in ("title", "life_area", "goals", "responsible_unit", "responsible_name"):
                self.fields[name].disabled = True

    def clean(self):
        cleaned = super().clean()
        if (
            not (
                cleaned.get("responsible_unit")
                or cleaned.get("responsible_user")
                or cleaned.get("responsible_name")
            )
            and not self.fields["responsible_unit"].disabled
        ):
            self.add_error("responsible_unit", _("Say who is responsible for the measure."))
        return cleaned


class EvaluationForm(ServiceSavedModelForm):
    class Meta:
        model = Evaluation
        fields = ["held_on", "participants", "what_worked", "what_changes", "next_revision_on"]
        widgets = {
            **text_areas(what_worked=3, what_changes=3),
            **date_inputs("held_on", "next_revision_on"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].validators.append(_not_future)

    def clean(self):
        cleaned = super().clean()
        held, nxt = cleaned.get("held_on"), cleaned.get("next_revision_on")
        if held and nxt and nxt <= held:
            self.add_error(
                "next_revision_on", _("The next revision must come after the evaluation.")
            )
        return cleaned


class CommentForm(ServiceSavedModelForm):
    class Meta:
        model = PlanComment
        fields = ["section", "text"]
        widgets = text_areas(text=3)


class CompareForm(forms.Form):
    a = forms.IntegerField(label=_("From version"), min_value=1)
    b = forms.IntegerField(label=_("To version"), min_value=1)

    def versions(self, latest: int) -> tuple[int, int]:
        """The two versions to compare: those asked for (oldest first), else the last two."""
        if self.is_valid():
            return tuple(sorted((self.cleaned_data["a"], self.cleaned_data["b"])))
        return max(latest - 1, 1), latest


LIFE_AREA_CHOICES = LifeArea.choices
