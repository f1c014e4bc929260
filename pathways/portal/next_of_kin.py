"""/min/parorende/: the patient gives a pårørende access to chosen parts, and withdraws it."""

import datetime

from django import forms
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pathways import nationalid
from pathways.models import NextOfKin, PortalAccess
from pathways.portal import grants
from pathways.portal.gate import portal_view
from pathways.web import form_action

URL_NAME = "portal:next_of_kin"
# What the form suggests as the last day; the patient chooses.
SUGGESTED_LENGTH = datetime.timedelta(days=365)


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.relation})"


class GrantForm(forms.Form):
    next_of_kin = PersonField(
        label=gettext_lazy("Who"),
        queryset=NextOfKin.objects.none(),
        empty_label=gettext_lazy("Choose a person"),
        help_text=gettext_lazy(
            "The people your koordinator has written down as close to you. Ask them to add "
            "someone who is missing."
        ),
    )
    national_id = forms.CharField(
        label=gettext_lazy("The person's national id (11 digits)"),
        help_text=gettext_lazy("They log in with ID-porten, and we find them by this number."),
        max_length=20,
    )
    parts = forms.MultipleChoiceField(
        label=gettext_lazy("What may they see?"),
        choices=PortalAccess.Part.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    ends_on = forms.DateField(
        label=gettext_lazy("Until and including"),
        help_text=gettext_lazy("You can withdraw the access at any time before that."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["next_of_kin"].queryset = NextOfKin.objects.filter(patient=patient)

    def clean_national_id(self):
        return nationalid.parse(self.cleaned_data["national_id"]).number


class WithdrawForm(forms.Form):
    """Nothing to fill in: the button says which grant."""


def _context(request, grant_form) -> dict:
    found = grants.grants_for(request.portal.patient)
    return {
        "grant_form": grant_form,
        "in_force": [g for g in found if g.is_in_force],
        "earlier": [g for g in found if not g.is_in_force][:20],
        "heading": _("People close to you"),
        "submit": _("Give access"),
    }


@portal_view("next of kin", methods=("GET", "HEAD", "POST"))
def next_of_kin_page(request):
    patient = request.portal.patient
    form = GrantForm(
        request.POST or None,
        patient=patient,
        initial={"ends_on": timezone.localdate() + SUGGESTED_LENGTH},
    )
    return form_action(
        request,
        form,
        save=lambda data: grants.next_of_kin_grant(
            portal_access=request.portal,
            actor=request.portal_actor,
            next_of_kin=data["next_of_kin"],
            national_id=data["national_id"],
            parts=data["parts"],
            ends_on=data["ends_on"],
        ),
        success=lambda grant: (
            _("%(name)s can now log in with ID-porten and see what you chose.")
            % {"name": grant.next_of_kin.name}
        ),
        redirect_to=reverse(URL_NAME),
        template="pathways/portal/next_of_kin.html",
        context=_context(request, form),
    )


@portal_view("withdraw next of kin access", methods=("POST",))
def next_of_kin_withdraw(request, grant_id):
    if not PortalAccess.objects.filter(
        pk=grant_id, patient=request.portal.patient, role=PortalAccess.Role.NEXT_OF_KIN
    ).exists():
        raise Http404
    form = WithdrawForm(request.POST)
    return form_action(
        request,
        form,
        save=lambda data: grants.next_of_kin_withdraw(
            portal_access=request.portal, actor=request.portal_actor, grant_id=grant_id
        ),
        success=_("The access is withdrawn. The person cannot see anything any more."),
        redirect_to=reverse(URL_NAME),
        template="pathways/portal/next_of_kin.html",
        context=_context(request, GrantForm(patient=request.portal.patient)),
    )
