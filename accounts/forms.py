from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    # One message whatever was wrong: never reveal whether the username exists.
    error_messages = {
        "invalid_login": _("Wrong username or password."),
        "inactive": _("Wrong username or password."),
    }

    def clean_username(self):
        # Django sets the field's max_length after the validators are built, so nothing
        # checks it; a name longer than any account's (or than the lockout table's 255
        # characters) is refused here with the usual message, before anything is looked up.
        username = self.cleaned_data.get("username", "")
        if len(username) > self.fields["username"].max_length:
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")
        return username


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
