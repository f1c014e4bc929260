"""Next of kin (pårørende): add, change, remove."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pathways.access import patient_view
from pathways.models import NextOfKin
from pathways.patients.forms import NextOfKinForm
from pathways.patients.services.patients import next_of_kin_delete, next_of_kin_save


def _next_of_kin(patient, nok_id) -> NextOfKin:
    try:
        return NextOfKin.objects.get(patient=patient, pk=nok_id)
    except NextOfKin.DoesNotExist:
        raise Http404 from None


@patient_view()
def next_of_kin_list(request, patient):
    return render(
        request,
        "pathways/patients/next_of_kin_list.html",
        {"patient": patient, "next_of_kin": list(patient.next_of_kin.all())},
    )


@patient_view(for_edit=True)
def next_of_kin_new(request, patient):
    return _edit(request, patient, NextOfKin(patient=patient))


@patient_view(for_edit=True)
def next_of_kin_edit(request, patient, nok_id):
    return _edit(request, patient, _next_of_kin(patient, nok_id))


def _edit(request, patient, instance):
    form = NextOfKinForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        next_of_kin_save(patient=patient, actor=request.actor, instance=form.instance)
        messages.success(request, _("The next of kin is saved."))
        return redirect("pathways:next_of_kin_list", patient_id=patient.pk)
    return render(
        request,
        "pathways/patients/next_of_kin_form.html",
        {"patient": patient, "form": form, "creating": instance.pk is None},
    )


@patient_view(for_edit=True)
def next_of_kin_delete_view(request, patient, nok_id):
    instance = _next_of_kin(patient, nok_id)
    if request.method == "POST":
        next_of_kin_delete(patient=patient, actor=request.actor, instance=instance)
        messages.success(request, _("The next of kin is removed."))
        return redirect("pathways:next_of_kin_list", patient_id=patient.pk)
    return render(
        request, "pathways/patients/next_of_kin_delete.html", {"patient": patient, "nok": instance}
    )
