"""The crisis plan's forms. The individuell plan and the ettervern plan link here with
``?next=`` (their own page), so both open the same form on the same object and come back."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.redirects import safe_next
from pathways.access import patient_view
from pathways.crisis import forms
from pathways.crisis import permissions as perms
from pathways.crisis import services as svc
from pathways.models import CrisisContact, CrisisPlan
from pathways.web import form_action

FORM_PAGE = "includes/patient_form_page.html"


def _back(request, patient) -> str:
    """Where the form came from (the plan or the ettervern plan), at the crisis plan."""
    default = reverse("pathways:patient_overview", args=[patient.pk])
    return safe_next(request, default)


def _require(request, patient) -> None:
    if not perms.can_edit(request.actor, patient):
        raise PermissionDenied


@patient_view(for_edit=True)
def crisis_plan_edit(request, patient):
    _require(request, patient)
    crisis = CrisisPlan.objects.filter(patient=patient).first() or CrisisPlan(patient=patient)
    form = forms.CrisisPlanForm(
        request.POST or None, instance=crisis, initial={"version": crisis.version}
    )
    back = _back(request, patient)
    return form_action(
        request,
        form,
        save=lambda data: svc.crisis_plan_save(
            patient=patient, actor=request.actor, data=form.texts(), version=data["version"]
        ),
        success=_("The crisis plan is saved."),
        redirect_to=back,
        template=FORM_PAGE,
        context={
            "patient": patient,
            "heading": _("Crisis plan"),
            "intro": _(
                "The patient has one crisis plan. The individual plan and the ettervern plan "
                "both show it."
            ),
            "back_url": back,
            "back_label": _("Back"),
            "cancel_url": back,
            "action_url": request.get_full_path(),
            "submit": _("Save"),
        },
    )


@patient_view(for_edit=True)
def crisis_contact_new(request, patient):
    _require(request, patient)
    form = forms.CrisisContactForm(request.POST or None, patient=patient)
    back = _back(request, patient)
    return form_action(
        request,
        form,
        save=lambda data: svc.crisis_contact_add(
            patient=patient,
            actor=request.actor,
            data=form.data_for_service(),
            new_person=form.new_person,
        ),
        success=_("The contact is added to the crisis plan."),
        redirect_to=back,
        template=FORM_PAGE,
        context={
            "patient": patient,
            "heading": _("New crisis contact"),
            "back_url": back,
            "back_label": _("Back"),
            "cancel_url": back,
            "action_url": request.get_full_path(),
            "submit": _("Add contact"),
        },
    )


@require_POST
@patient_view(for_edit=True)
def crisis_contact_remove(request, patient, contact_id):
    contact = get_object_or_404(CrisisContact, pk=contact_id, crisis__patient=patient)
    svc.crisis_contact_remove(patient=patient, actor=request.actor, contact=contact)
    messages.success(request, _("The contact is removed from the crisis plan."))
    return redirect(_back(request, patient))
