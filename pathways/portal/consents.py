"""/min/samtykker/: the patient's consents, withdrawn (after a confirm step) or given here."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from pathways.models import Consent, PortalAccess
from pathways.portal import consent_services as svc
from pathways.portal.forms import ConsentGiveForm, ConsentWithdrawForm
from pathways.portal.gate import portal_view
from pathways.web import form_action, posted


def _patient_only(request) -> None:
    # Consent is the patient's own to give and withdraw: a pårørende never sees this page.
    if request.portal.role != PortalAccess.Role.PATIENT:
        raise Http404


@portal_view("consents")
def consent_list(request):
    _patient_only(request)
    consents = svc.consents_of(request.portal.patient)
    for consent in consents:
        consent.soon = svc.expires_soon(consent)
    return render(
        request,
        "pathways/portal/consents.html",
        {
            "consents": consents,
            "soon": [c for c in consents if c.soon],
            "can_give": svc.units_to_consent_to(request.portal.patient).exists(),
        },
    )


@portal_view("withdraw consent", methods=("GET", "HEAD", "POST"))
def consent_withdraw(request, consent_id):
    _patient_only(request)
    consent = get_object_or_404(
        Consent.objects.select_related("unit__organisation"),
        pk=consent_id,
        patient=request.portal.patient,
    )
    if not consent.is_in_force:
        raise Http404
    return form_action(
        request,
        ConsentWithdrawForm(posted(request)),
        save=lambda data: svc.consent_withdraw_by_patient(
            portal_access=request.portal, actor=request.portal_actor, consent=consent
        ),
        success=_("The consent is withdrawn. The service can no longer see your plan."),
        redirect_to=reverse("portal:consents"),
        template="pathways/portal/consent_withdraw.html",
        context={
            "consent": consent,
            "submit": _("Yes, withdraw the consent"),
            "submit_class": "button--danger",
            "cancel_url": reverse("portal:consents"),
        },
    )


@portal_view("give consent", methods=("GET", "HEAD", "POST"))
def consent_give(request):
    _patient_only(request)
    units = svc.units_to_consent_to(request.portal.patient)
    form = ConsentGiveForm(request.POST or None, units=units)
    return form_action(
        request,
        form,
        save=lambda data: svc.consent_give_by_patient(
            portal_access=request.portal,
            actor=request.portal_actor,
            unit=data["unit"],
            scope=data["scope"],
            valid_until=data["valid_until"],
        ),
        success=_("Thank you. Your consent is saved."),
        redirect_to=reverse("portal:consents"),
        template="pathways/portal/form_page.html",
        context={
            "heading": _("Give consent"),
            "intro": _(
                "You choose which services may work together with you. You can withdraw a "
                "consent at any time."
            ),
            "submit": _("Give consent"),
        },
    )
