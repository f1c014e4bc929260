from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    # One message whatever was wrong: never reveal whether the username exists.
    error_messages = {
        "invalid_login": _("Wrong username or password."),
        "inactive": _("Wrong username or password."),
    }


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from the authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )

    def clean_token(self):
        token = "".join(self.cleaned_data["token"].split())
        if not token.isdigit() or len(token) != 6:
            raise forms.ValidationError(_("The code has six digits."))
        return token


class MembershipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.unit.name} – {obj.get_role_display()}"


class UnitChoiceForm(forms.Form):
    """Which of the user's units they act for (the header's unit switch)."""

    membership = MembershipChoiceField(
        label=_("Acting for"),
        queryset=None,
        empty_label=None,
        error_messages={
            "required": _("Choose one of your units."),
            "invalid_choice": _("Choose one of your units."),
        },
    )
    next = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, memberships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = memberships
