"""The one crisis plan form (opened from the individuell plan and the ettervern plan alike)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.models import CrisisContact, CrisisPlan
from pathways.patients.forms import PersonChoiceMixin


class _ServiceSaved(forms.ModelForm):
    """The service validates and saves: the instance must not change before."""

    def _post_clean(self):
        pass


class CrisisPlanForm(_ServiceSaved):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = CrisisPlan
        fields = CrisisPlan.TEXT_FIELDS
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in CrisisPlan.TEXT_FIELDS}

    def texts(self) -> dict:
        return {name: self.cleaned_data[name] for name in CrisisPlan.TEXT_FIELDS}


class CrisisContactForm(PersonChoiceMixin, _ServiceSaved):
    """A pårørende or network person from the patient's register (or added to it here), or a
    professional contact typed by hand (koordinator, legevakt)."""

    person_optional = True

    class Meta:
        model = CrisisContact
        fields = ["name", "role", "phone", "when"]
        labels = {
            "name": _("Name (contact not in the register)"),
            "role": _("Role (contact not in the register)"),
            "phone": _("Phone (contact not in the register)"),
        }

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_people(patient)
        self.order_fields([*self.PERSON_FIELDS])

    def clean(self):
        cleaned = super().clean()
        if not self.from_register:
            if not cleaned.get("name"):
                self.add_error("name", _("Choose a person from the register, or enter the name."))
            if not cleaned.get("phone"):
                self.add_error("phone", _("Enter the phone number."))
        return cleaned

    def data_for_service(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["next_of_kin"] = self.cleaned_data["person"]
        if self.from_register:
            # Name, relation and phone are read from the register, never copied.
            data.update(name="", role="", phone="")
        return data
