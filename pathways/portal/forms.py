from django import forms
from django.utils.translation import gettext_lazy as _


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
