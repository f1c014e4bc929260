import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
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


# A recovery code as django-otp's static plugin makes them: 16 characters of base32.
RECOVERY_CODE = re.compile(r"[a-z2-7]{16}")


class TokenForm(forms.Form):
    """A six-digit code from the app, or (where ``recovery`` is on) a one-time recovery code."""

    recovery = False

    token = forms.CharField(
        label=_("Code from the authenticator app"),
        max_length=24,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )

    def clean_token(self):
        token = "".join(self.cleaned_data["token"].split()).lower()
        if self.recovery and RECOVERY_CODE.fullmatch(token):
            return token
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


class LoginTokenForm(TokenForm):
    """The second step of logging in: an app code or one of the recovery codes."""

    recovery = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["token"].label = _("Code from the authenticator app, or a recovery code")


class PasswordCheckForm(forms.Form):
    """Asks for the user's password again before the second factor is changed."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is wrong."), code="wrong_password")
        return password


class EnrolForm(PasswordCheckForm, TokenForm):
    """Setting up the app: the password again, and one code from the app to confirm."""

    field_order = ["password", "token"]


class _ListedUserField(forms.ModelChoiceField):
    """The hidden id of a listed user: anything else was not offered, so it is refused (403)
    rather than shown as a typing error."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError:
            raise PermissionDenied from None


class OtpResetForm(forms.Form):
    """Whose second factor a leader or administrator removes (one of the users listed)."""

    user = _ListedUserField(queryset=None, widget=forms.HiddenInput)

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users
