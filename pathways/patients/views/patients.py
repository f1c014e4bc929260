from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.acting import Actor
from pathways import access, overview
from pathways.access import patient_view
from pathways.pagination import KnownCountPaginator
from pathways.patients import selectors
from pathways.patients.forms import PatientEditForm, PatientRegisterForm, PatientSearchForm
from pathways.patients.services.patients import (
    DuplicatePatient,
    StaleVersion,
    national_id_reveal,
    patient_register,
    patient_update,
)


def _require_unit(request):
    if not request.active_unit:
        raise PermissionDenied(_("You are not a member of any unit."))
    return request.active_unit


@login_required
def patient_list(request):
    unit = _require_unit(request)
    form = PatientSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    # Without a search the count comes from the unit's grants (index-only), not the list.
    paginator = KnownCountPaginator(
        selectors.patient_list(unit, query),
        settings.PAGE_SIZE,
        count=None if query else access.unit_patient_count(unit),
    )
    page = paginator.get_page(request.GET.get("side"))
    return render(
        request,
        "pathways/patients/patient_list.html",
        {"form": form, "page": page, "query": query},
    )


@login_required
def patient_new(request):
    unit = _require_unit(request)
    form = PatientRegisterForm(request.POST or None)
    existing = None
    if request.method == "POST" and form.is_valid():
        try:
            patient = patient_register(actor=Actor(request.user, unit), data=form.patient_data())
        except DuplicatePatient as dup:
            if access.access_basis(request.user, unit, dup.existing.pk) is not None:
                messages.info(request, _("This person is already registered with your unit."))
                return redirect("pathways:patient_overview", patient_id=dup.existing.pk)
            existing = dup.existing.national_id
            form.add_error(
                "national_id",
                _(
                    "This person is already registered. You can ask for access instead of "
                    "creating a second record."
                ),
            )
        else:
            messages.success(request, _("The patient is registered."))
            return redirect("pathways:patient_overview", patient_id=patient.pk)
    return render(
        request,
        "pathways/patients/patient_new.html",
        {"form": form, "existing_national_id": existing},
    )


@patient_view()
def patient_overview(request, patient):
    context = {
        "patient": patient,
        "care_team": [m for m in selectors.care_team_for(patient) if m.ended_at is None],
        "consents": [c for c in selectors.consents_for(patient) if c.is_in_force],
        "next_of_kin": list(patient.next_of_kin.all()),
    }
    context.update(overview.section_context(request, patient))
    return render(request, "pathways/patients/patient_overview.html", context)


@patient_view(for_edit=True)
def patient_edit(request, patient):
    form = PatientEditForm(
        request.POST or None, instance=patient, initial={"version": patient.version}
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            patient_update(
                patient=patient,
                actor=request.actor,
                data=form.patient_data(),
                version=form.cleaned_data["version"],
            )
        except StaleVersion as stale:
            conflict = stale.current
            form.add_error(
                None,
                _(
                    "Someone else saved these details while you were editing. Their version is "
                    "shown beside yours; check your changes and save again."
                ),
            )
            # Let the next save go through against the version now stored.
            form.data = form.data.copy()
            form.data["version"] = conflict.version
        else:
            messages.success(request, _("The details are saved."))
            return redirect("pathways:patient_overview", patient_id=patient.pk)
    return render(
        request,
        "pathways/patients/patient_edit.html",
        {"patient": patient, "form": form, "conflict": conflict},
    )


@require_POST
@patient_view(methods=("POST",))
def national_id_reveal_view(request, patient):
    """Show the full national id; every reveal is audited."""
    number = national_id_reveal(patient=patient, actor=request.actor, basis=patient.access_basis)
    return render(
        request, "pathways/patients/national_id.html", {"patient": patient, "number": number}
    )
