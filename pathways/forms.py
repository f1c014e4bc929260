from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation

from . import nationalid
from .models import NextOfKin, Patient


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
    class Meta:
        model = NextOfKin
        fields = ["name", "relation", "phone", "may_receive_information"]


class PatientSearchForm(forms.Form):
    q = forms.CharField(label=_("Search by name or national id"), required=False, max_length=100)
