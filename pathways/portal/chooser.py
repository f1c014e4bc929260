"""A person with more than one door into /min/ chooses whose plan they see.

A pårørende of several patients, or a patient who is also someone's pårørende, proves who they
are once (ID-porten); the doors their national id opened at that login are kept in the session
(``CHOICES_KEY``). After the login, and from the start page, they choose one; the session then
holds that door (``gate.ACCESS_KEY``) and its own account, exactly as a login with only that
door would. Every /min/ page still checks the chosen door on every request, and the chooser
reads the doors again each time: a grant withdrawn or ended disappears from it at once.
"""

from django import forms
from django.contrib.auth import login as auth_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.backends import PORTAL_BACKEND
from pathways.models import PortalAccess
from pathways.portal import services as svc
from pathways.portal.gate import ACCESS_KEY, ACR_KEY, ANY_PART, portal_view
from pathways.web import form_action

CHOICES_KEY = "portal_choices"
# The ID token of an ID-porten login, for logging out at ID-porten too.
ID_TOKEN_KEY = "portal_id_token"  # noqa: S105 - a session key, not a secret
# What the login proved, kept when the session changes account for another door.
KEPT = (CHOICES_KEY, ACR_KEY, ID_TOKEN_KEY)


def start_session(request, portal_access: PortalAccess, *, level: str, method: str) -> None:
    """Log in as the person behind ``portal_access`` (each door has its own account)."""
    kept = {key: request.session[key] for key in KEPT if key in request.session}
    user = svc.portal_login(portal_access=portal_access, level=level, method=method)
    # Another account flushes the session: what the login proved is put back.
    auth_login(request, user, backend=PORTAL_BACKEND)
    request.session.update(kept)
    request.session[ACCESS_KEY] = portal_access.pk
    request.session[ACR_KEY] = level


def choices(request) -> list[PortalAccess]:
    """The doors in force of those this session's login opened: the person's own first."""
    ids = request.session.get(CHOICES_KEY) or []
    found = (
        PortalAccess.objects.in_force()
        .filter(pk__in=ids)
        .select_related("patient", "next_of_kin")
        .order_by("opened_at", "id")
    )
    return sorted(found, key=lambda a: not a.is_patient)


def label(access: PortalAccess) -> str:
    if access.is_patient:
        return _("My own plan")
    return _("The plan of %(name)s (you are pårørende: %(parts)s)") % {
        "name": access.patient.full_name,
        "parts": ", ".join(access.part_labels()).lower(),
    }


class ChooseForm(forms.Form):
    access = forms.TypedChoiceField(
        label=gettext_lazy("Whose plan do you want to see?"),
        coerce=int,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, accesses, current, **kwargs):
        super().__init__(*args, initial={"access": current}, **kwargs)
        self.fields["access"].choices = [(a.pk, label(a)) for a in accesses]


@portal_view("choose whose plan", methods=("GET", "HEAD", "POST"), part=ANY_PART)
def choose(request):
    accesses = choices(request)
    # Doors withdrawn or ended since the login are forgotten (the start page's link goes too).
    request.session[CHOICES_KEY] = [a.pk for a in accesses]
    if len(accesses) < 2:
        return redirect("portal:start")
    by_pk = {a.pk: a for a in accesses}
    form = ChooseForm(request.POST or None, accesses=accesses, current=request.portal.pk)

    def switch(data):
        chosen = by_pk[data["access"]]
        if chosen.pk != request.portal.pk:
            start_session(
                request,
                chosen,
                level=request.session.get(ACR_KEY, ""),
                method="chose this plan after login",
            )
        return chosen

    return form_action(
        request,
        form,
        save=switch,
        redirect_to=reverse("portal:start"),
        template="pathways/portal/form_page.html",
        context={
            "heading": _("Choose whose plan you see"),
            "intro": _(
                "You have access to more than one plan. You can switch at any time from the "
                "start page."
            ),
            "submit": _("Show this plan"),
            "back_url": reverse("portal:start"),
            "back_label": _("Back to the start page"),
        },
    )
