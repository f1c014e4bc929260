"""Next of kin (pårørende): add, change, remove."""

from django.http import Http404
from django.urls import reverse
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from pathways.access import patient_view
from pathways.models import NextOfKin
from pathways.patients.forms import NextOfKinDeleteForm, NextOfKinForm
from pathways.patients.selectors import people_of
from pathways.patients.services.patients import (
    current_roles,
    next_of_kin_delete,
    next_of_kin_save,
)
from pathways.patients.views.pages import patient_form_page, patient_page
from pathways.web import form_action


def _next_of_kin(patient, nok_id) -> NextOfKin:
    try:
        return NextOfKin.objects.get(patient=patient, pk=nok_id)
    except NextOfKin.DoesNotExist:
        raise Http404 from None


@patient_view()
def next_of_kin_list(request, patient):
    return patient_page(
        request,
        patient,
        "pathways/patients/next_of_kin_list.html",
        next_of_kin=list(people_of(patient)),
    )


@patient_view(for_edit=True)
def next_of_kin_new(request, patient):
    return _edit(request, patient, NextOfKin(patient=patient), _("Add next of kin"))


@patient_view(for_edit=True)
def next_of_kin_edit(request, patient, nok_id):
    return _edit(request, patient, _next_of_kin(patient, nok_id), _("Edit next of kin"))


def _edit(request, patient, instance, heading):
    form = NextOfKinForm(request.POST or None, instance=instance)
    return patient_form_page(
        request,
        patient,
        form,
        save=lambda data: next_of_kin_save(
            patient=patient, actor=request.actor, instance=form.instance, version=data["version"]
        ),
        success=_("The next of kin is saved."),
        heading=heading,
        back_url=reverse("pathways:next_of_kin_list", args=[patient.pk]),
    )


@patient_view(for_edit=True)
def next_of_kin_delete_view(request, patient, nok_id):
    instance = _next_of_kin(patient, nok_id)
    form = NextOfKinDeleteForm(request.POST or None, instance=instance)
    list_url = reverse("pathways:next_of_kin_list", args=[patient.pk])
    return form_action(
        request,
        form,
        save=lambda data: next_of_kin_delete(
            patient=patient,
            actor=request.actor,
            instance=instance,
            version=data["version"],
            seen=form.seen(),
        ),
        success=_("The next of kin is removed."),
        redirect_to=list_url,
        template="pathways/patients/next_of_kin_delete.html",
        context={
            "patient": patient,
            "nok": instance,
            "roles": get_text_list(current_roles(instance), _("and")),
            "heading": _("Remove next of kin"),
            "submit": _("Remove"),
            "submit_class": "button--danger",
            "cancel_url": list_url,
        },
    )
