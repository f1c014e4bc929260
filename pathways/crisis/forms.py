"""The one crisis plan form (opened from the individuell plan and the ettervern plan alike)."""

from django import forms

from pathways.models import CrisisContact, CrisisPlan


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


class CrisisContactForm(_ServiceSaved):
    class Meta:
        model = CrisisContact
        fields = ["name", "role", "phone", "when"]

    def data_for_service(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
