import re

from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.models import Consent, LifeArea, NoticeChannel, PlanAgreement, SelfRating


class WhatMattersForm(forms.Form):
    what_matters = forms.CharField(
        label=_("What is important to you?"),
        help_text=_("Write in your own words. The people who help you will read it."),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=4000,
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DemoLoginForm(forms.Form):
    username = forms.CharField(label=_("Demo user"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128)


class SelfRatingForm(forms.Form):
    """One optional 1–5 answer per life area: the patient rates as many as they like."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for area in LifeArea:
            self.fields[area.value] = forms.TypedChoiceField(
                label=area.label,
                choices=SelfRating.choices,
                coerce=int,
                required=False,
                widget=forms.RadioSelect,
            )

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(area.value) for area in LifeArea):
            raise forms.ValidationError(_("Choose an answer for at least one area."))
        return cleaned

    def scores(self) -> dict[str, int]:
        return {
            area.value: self.cleaned_data[area.value]
            for area in LifeArea
            if self.cleaned_data.get(area.value)
        }


class AgreementForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=PlanAgreement.Answer.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Your comments"),
        help_text=_("What would you like to change, or what do you disagree with?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("answer") == PlanAgreement.Answer.COMMENTS
            and not cleaned.get("comment", "").strip()
        ):
            self.add_error("comment", _("Write your comments, or choose that you agree."))
        return cleaned


class AccessOpenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_(
            "For example: the patient asked for it in a conversation with the koordinator."
        ),
        max_length=500,
    )
    guardian_reason = forms.CharField(
        label=_("Reason despite the guardianship"),
        help_text=_(
            "Only when the patient has a guardian: why the patient may still have access, "
            "for example that the guardianship covers money matters only."
        ),
        max_length=500,
        required=False,
    )


class AccessEndForm(forms.Form):
    access = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for closing"), max_length=500)


class ConsentWithdrawForm(forms.Form):
    """The confirm step: a button, nothing to fill in."""


class ConsentGiveForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("To which service?"), queryset=None, empty_label=None)
    scope = forms.ChoiceField(
        label=_("What for?"), choices=Consent.Scope.choices, widget=forms.RadioSelect
    )
    valid_until = forms.DateField(
        label=_("Until (optional)"),
        help_text=_("Leave empty if the consent has no end date. You can withdraw it any time."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda u: f"{u.name} ({u.organisation.name})"


class AccessQuestionForm(forms.Form):
    question = forms.CharField(
        label=_("What do you want to know?"),
        help_text=_(
            "For example: why did this person read my plan? The unit's leader gets your "
            "question and answers you."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
    )


class GuardianForm(forms.Form):
    guardian_name = forms.CharField(
        label=_("Guardian (verge)"),
        help_text=_("The guardian's name. Leave empty if the patient has no guardian."),
        max_length=150,
        required=False,
    )


class NoticeSettingsForm(forms.Form):
    """How the person hears of something new in Min plan (/min/varsler/)."""

    channel = forms.ChoiceField(
        label=_("How do you want to hear that you have a new message?"),
        help_text=_(
            "The message only says that you have a new message in Samhandling, with a link. "
            "It never says anything about you or your health."
        ),
        choices=NoticeChannel.choices,
        widget=forms.RadioSelect,
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": _("Write the email address like this: name@example.no")},
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        help_text=_("8 digits, for example 912 34 567."),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_phone(self):
        phone = re.sub(r"[\s-]", "", self.cleaned_data["phone"])
        if phone and not re.fullmatch(r"(\+47|0047)?[49]\d{7}", phone):
            raise forms.ValidationError(
                _("Write a Norwegian mobile number with 8 digits, for example 912 34 567.")
            )
        return phone

    def clean(self):
        cleaned = super().clean()
        channel = cleaned.get("channel")
        # An address refused as malformed keeps its own error, beside the field.
        wants_email = channel in (NoticeChannel.EMAIL, NoticeChannel.BOTH)
        if wants_email and not cleaned.get("email") and "email" not in self.errors:
            self.add_error("email", _("Write the email address the message should go to."))
        wants_sms = channel in (NoticeChannel.SMS, NoticeChannel.BOTH)
        if wants_sms and not cleaned.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("Write the mobile number the message should go to."))
        return cleaned


class AccessAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer to the patient"),
        help_text=_("The patient reads it in Min plan. Write plainly why the record was read."),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
    )
