from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, ServiceUnit
from pathways import nationalid
from pathways.formfields import DateRangeMixin, text_area
from pathways.models import BreakGlassAccess, CareTeamMember, Consent, NextOfKin, Patient
from pathways.patients.services.breakglass import explanation_error


class NoBlankCharField(forms.CharField):
    """A required text field where whitespace alone does not count."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("strip", True)
        super().__init__(*args, **kwargs)


def _not_future(value):
    if value and value > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."))


class PatientDetailsForm(forms.ModelForm):
    birth_date = forms.DateField(
        label=_("Date of birth"),
        required=False,
        validators=[_not_future],
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Filled in from the national id when there is one."),
    )

    class Meta:
        model = Patient
        fields = [
            "first_name",
            "last_name",
            "birth_date",
            "home_kommune",
            "phone",
            "address",
            "fastlege_name",
            "fastlege_practice",
            "needs_interpreter",
            "interpreter_language",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_kommune"].queryset = Organisation.objects.filter(
            level=Organisation.Level.KOMMUNE
        )
        self.fields["first_name"].widget.attrs["autocomplete"] = "off"
        self.fields["last_name"].widget.attrs["autocomplete"] = "off"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("needs_interpreter") and not cleaned.get("interpreter_language"):
            self.add_error("interpreter_language", _("Which language?"))
        return cleaned


class PatientRegisterForm(PatientDetailsForm):
    national_id = forms.CharField(
        label=_("National id (fødselsnummer or D-number)"),
        required=False,
        max_length=20,
        help_text=_("11 digits. Leave empty for a person without a Norwegian id."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    no_national_id = forms.BooleanField(
        label=_("The person has no Norwegian national id"), required=False
    )

    field_order = ["national_id", "no_national_id", "first_name", "last_name", "birth_date"]

    def clean_national_id(self):
        raw = self.cleaned_data.get("national_id", "")
        if not raw.strip():
            return None
        return nationalid.parse(raw)

    def clean(self):
        cleaned = super().clean()
        parsed = cleaned.get("national_id")
        if parsed is None and "national_id" not in self.errors:
            if not cleaned.get("no_national_id"):
                self.add_error(
                    "national_id",
                    _("Enter the national id, or tick that the person has none."),
                )
            elif not cleaned.get("birth_date") and "birth_date" not in self.errors:
                self.add_error("birth_date", _("Enter the date of birth."))
        if parsed is not None:
            if parsed.birth_date > timezone.localdate():
                self.add_error("national_id", _("The date of birth is in the future."))
            given = cleaned.get("birth_date")
            if given and given != parsed.birth_date:
                self.add_error("birth_date", _("The date of birth does not match the national id."))
            cleaned["birth_date"] = parsed.birth_date
        return cleaned

    def patient_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in PatientDetailsForm.Meta.fields}
        parsed = self.cleaned_data.get("national_id")
        data["national_id"] = parsed.number if parsed else None
        data["id_kind"] = parsed.kind if parsed else Patient.IdKind.NONE
        return data


class PatientEditForm(PatientDetailsForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.has_national_id:
            # The birth date follows from the national id.
            self.fields["birth_date"].disabled = True

    def clean(self):
        cleaned = super().clean()
        missing = not cleaned.get("birth_date") and "birth_date" not in self.errors
        if not self.instance.has_national_id and missing:
            self.add_error("birth_date", _("Enter the date of birth."))
        return cleaned

    def patient_data(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in PatientDetailsForm.Meta.fields
            if not self.fields[name].disabled
        }


class NextOfKinForm(forms.ModelForm):
    """Add or change a person in the register; a change carries the version it was opened with."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial.setdefault("version", self.instance.version)

    class Meta:
        model = NextOfKin
        fields = [
            "name",
            "relation",
            "phone",
            "email",
            "address",
            "may_receive_information",
            "note",
        ]
        labels = {
            "name": _("Name"),
            "relation": _("Relation to the patient"),
            "phone": _("Phone"),
            "email": _("Email"),
            "address": _("Postal address"),
            "may_receive_information": _("May receive information about the patient"),
            "note": _("Note"),
        }
        help_texts = {
            "relation": _("For example sister, partner, friend, neighbour."),
            "email": _("Only neutral notices go by email; documents go by post."),
            "may_receive_information": _(
                "The patient has agreed that this person may be told about their care."
            ),
            "note": _("For example when the person is best reached."),
        }
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}


class NextOfKinDeleteForm(forms.Form):
    """Confirm a removal. It carries the version and what the page showed, so a removal
    after someone changed the person shows what they changed instead of removing."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(widget=forms.HiddenInput, required=False)
    relation = forms.CharField(widget=forms.HiddenInput, required=False)
    phone = forms.CharField(widget=forms.HiddenInput, required=False)
    email = forms.CharField(widget=forms.HiddenInput, required=False)
    address = forms.CharField(widget=forms.HiddenInput, required=False)
    may_receive_information = forms.BooleanField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, instance: NextOfKin, **kwargs):
        kwargs.setdefault("initial", {}).update(
            version=instance.version,
            name=instance.name,
            relation=instance.relation,
            phone=instance.phone,
            email=instance.email,
            address=instance.address,
            may_receive_information=instance.may_receive_information,
            note=instance.note,
        )
        super().__init__(*args, **kwargs)

    def seen(self) -> dict:
        """The details as the page showed them."""
        return {name: self.cleaned_data.get(name) for name in self.fields if name != "version"}


NEW_PERSON = "new"


class PersonChoiceMixin(forms.Form):
    """A role (plan participant, group member, crisis contact) chosen from the patient's
    register, or a new person added to the register in the same step."""

    person = forms.ChoiceField(label=_("Person from the register"), required=False)
    person_name = forms.CharField(label=_("New person: name"), required=False, max_length=150)
    person_relation = forms.CharField(
        label=_("New person: relation to the patient"), required=False, max_length=60
    )
    person_phone = forms.CharField(label=_("New person: phone"), required=False, max_length=30)
    person_email = forms.EmailField(label=_("New person: email"), required=False)
    person_may_receive_information = forms.BooleanField(
        label=_("New person: may receive information about the patient"), required=False
    )

    PERSON_FIELDS = (
        "person",
        "person_name",
        "person_relation",
        "person_phone",
        "person_email",
        "person_may_receive_information",
    )
    # Set by a form whose role may also be a professional typed by hand.
    person_optional = False

    def set_people(self, patient, *, current=None):
        self.people = {str(p.pk): p for p in patient.next_of_kin.all()}
        empty = _("Not from the register") if self.person_optional else _("Choose a person")
        self.fields["person"].choices = [
            ("", empty),
            *((pk, f"{p.name} ({p.relation})") for pk, p in self.people.items()),
            (NEW_PERSON, _("Add a new person to the register")),
        ]
        self.fields["person"].help_text = _(
            "Name, relation, phone and email are read from the register of people around the "
            "patient. For a new person, fill in the fields below."
        )
        if current is not None:
            self.initial.setdefault("person", str(current.pk))

    def clean(self):
        cleaned = super().clean()
        choice = cleaned.get("person") or ""
        cleaned["person"] = self.people.get(choice)
        self.new_person = None
        if choice == NEW_PERSON:
            if not cleaned.get("person_name", "").strip():
                self.add_error("person_name", _("Enter the name."))
            if not cleaned.get("person_relation", "").strip():
                self.add_error("person_relation", _("Enter the relation to the patient."))
            self.new_person = {
                "name": cleaned.get("person_name", "").strip(),
                "relation": cleaned.get("person_relation", "").strip(),
                "phone": cleaned.get("person_phone", "").strip(),
                "email": cleaned.get("person_email", "") or "",
                "may_receive_information": bool(cleaned.get("person_may_receive_information")),
            }
        elif not choice and not self.person_optional:
            self.add_error("person", _("Choose a person, or add a new one."))
        return cleaned

    @property
    def from_register(self) -> bool:
        return bool(self.cleaned_data.get("person")) or self.new_person is not None


class PatientSearchForm(forms.Form):
    q = forms.CharField(label=_("Search by name or national id"), required=False, max_length=100)

    def query(self) -> str:
        """The search text; empty when there is none or it is not valid."""
        return self.cleaned_data["q"] if self.is_bound and self.is_valid() else ""


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.organisation.name})"


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.organisation.name})"


def _units_outside_team(patient):
    return (
        ServiceUnit.objects.exclude(
            pk__in=CareTeamMember.objects.active().filter(patient=patient).values("unit_id")
        )
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )


class _ConsentGivenForm(DateRangeMixin, forms.Form):
    """Consent given on a date (today unless changed) to units not yet on the care team."""

    units_field = "units"
    date_range = ("given_on", "valid_until", _("Valid until cannot be before the date given."))

    def __init__(self, *args, patient, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("given_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields[self.units_field].queryset = _units_outside_team(patient)


class ConsentForm(_ConsentGivenForm):
    """The patient's consent, for sharing with named units or for another purpose."""

    scope = forms.ChoiceField(
        label=_("What the consent covers"),
        choices=Consent.Scope.choices,
        initial=Consent.Scope.SHARING,
    )
    units = UnitMultipleChoiceField(
        label=_("Units the patient agrees to share with"),
        queryset=ServiceUnit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each unit joins the care team and sees the pathway."),
    )
    role = forms.ChoiceField(
        label=_("Their role in the care"),
        choices=[
            (CareTeamMember.Role.TREATING, CareTeamMember.Role.TREATING.label),
            (CareTeamMember.Role.COORDINATING, CareTeamMember.Role.COORDINATING.label),
            (CareTeamMember.Role.INFORMED, CareTeamMember.Role.INFORMED.label),
        ],
        initial=CareTeamMember.Role.TREATING,
    )
    given_on = forms.DateField(
        label=_("Consent given on"),
        validators=[_not_future],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty when the consent has no end date."),
    )
    note = text_area(_("Note"), required=False, max_length=500)

    def clean(self):
        cleaned = super().clean()
        sharing = cleaned.get("scope") == Consent.Scope.SHARING
        if sharing and not cleaned.get("units") and "units" not in self.errors:
            self.add_error("units", _("Choose at least one unit to share with."))
        return cleaned


class CareTeamAddForm(_ConsentGivenForm):
    """Add one unit to the care team on the basis of the patient's consent."""

    units_field = "unit"
    unit = UnitChoiceField(label=_("Unit"), queryset=ServiceUnit.objects.none())
    role = ConsentForm.base_fields["role"]
    given_on = ConsentForm.base_fields["given_on"]
    valid_until = ConsentForm.base_fields["valid_until"]
    note = ConsentForm.base_fields["note"]


class CareTeamEndForm(forms.Form):
    reason = NoBlankCharField(label=_("Why does the unit leave the care team?"), max_length=200)


class NationalIdLookupForm(forms.Form):
    national_id = forms.CharField(
        label=_("National id"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_national_id(self):
        return nationalid.parse(self.cleaned_data["national_id"]).number


class BreakGlassForm(NationalIdLookupForm):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=BreakGlassAccess.Reason.choices, widget=forms.RadioSelect
    )
    explanation = NoBlankCharField(
        label=_("Explain why you need access now"),
        help_text=_("At least 20 characters: what has happened and why you need the record now."),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_explanation(self):
        explanation = self.cleaned_data["explanation"]
        problem = explanation_error(explanation)
        if problem:
            raise ValidationError(problem)
        return explanation


class BreakGlassReviewForm(forms.Form):
    note = forms.CharField(label=_("Review note"), required=False, max_length=500)


class AccessLogFilterForm(DateRangeMixin, forms.Form):
    date_range = ("fra", "til", _("The end is before the start."))

    """Narrow the access log to a period and a unit. Field names are the query parameters."""

    fra = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    til = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    enhet = forms.ModelChoiceField(
        label=_("Unit"), required=False, queryset=ServiceUnit.objects.none(), empty_label=_("All")
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["enhet"].queryset = units
        self.fields["enhet"].label_from_instance = lambda u: f"{u.name} ({u.organisation.name})"

    def filters(self) -> dict:
        """The valid filter (from, to, unit); empty when none was given or it is not valid, so
        an invalid filter shows the whole log beside the errors rather than nothing."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {name: self.cleaned_data[name] for name in ("fra", "til", "enhet")}

    def query_string(self) -> str:
        """The valid filter as a query string (carried over to the PDF link)."""
        if not self.filters():
            return ""
        return urlencode({name: self.data[name] for name in self.fields if self.data.get(name)})
