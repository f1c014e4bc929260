from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pathways import access, kept, overview
from pathways.access import patient_view, require_unit
from pathways.pagination import KnownCountPaginator
from pathways.patients import selectors
from pathways.patients.forms import PatientEditForm, PatientRegisterForm, PatientSearchForm
from pathways.patients.services.lookup import (
    Purpose,
    TooManyLookups,
    check_lookup_allowed,
    record_lookup,
    too_many_message,
)
from pathways.patients.services.patients import (
    DuplicatePatient,
    national_id_reveal,
    patient_register,
    patient_update,
)
from pathways.patients.views.pages import kept_patient_page, patient_form_page
from pathways.web import form_action


@login_required
def patient_list(request):
    unit = require_unit(request)
    form = PatientSearchForm(request.GET or None)
    query = form.query()

    def build():
        # Without a search the count comes from the unit's grants (kept), not the list.
        paginator = KnownCountPaginator(
            selectors.patient_pages(unit, query),
            settings.PAGE_SIZE,
            count=None if query else access.unit_patient_count(unit),
        )
        page = paginator.get_page(request.GET.get("side"))
        page.object_list = selectors.with_care_team_names(page.object_list)
        return {"page": page}

    # The rows are kept until a patient of the unit, its care team or a name changes.
    return kept.render(
        request,
        "pathways/patients/patient_list.html",
        name="patients",
        version=kept.unit_versions(request),
        parts=(request.user.pk, unit.pk, request.get_full_path()),
        context={"form": form, "query": query},
        build=build,
    )


@login_required
def patient_new(request):
    unit = require_unit(request)
    form = PatientRegisterForm(request.POST or None)
    context = {
        "heading": _("Register patient"),
        "submit": _("Register"),
        "cancel_url": reverse("pathways:patient_list"),
        "existing_national_id": None,
    }

    def register(data):
        # Registering may say that a person is already registered (the registration is the
        # reason); that answer is a lookup: rate-limited and audited like the lookup page.
        try:
            check_lookup_allowed(request.actor, Purpose.REGISTER)
        except TooManyLookups:
            raise ValidationError(too_many_message()) from None
        try:
            return patient_register(actor=request.actor, data=form.patient_data()), True
        except DuplicatePatient as dup:
            has_access = access.access_basis(request.user, unit, dup.existing.pk) is not None
            record_lookup(request.actor, dup.existing, purpose=Purpose.REGISTER, opened=has_access)
            if has_access:
                return dup.existing, False
            # Offer emergency access beside the error, never the record's details.
            context["existing_national_id"] = dup.existing.national_id
            raise ValidationError(
                {
                    "national_id": _(
                        "This person is already registered. You can ask for access instead of "
                        "creating a second record."
                    )
                }
            ) from None

    def registered(result):
        patient, created = result
        if created:
            messages.success(request, _("The patient is registered."))
        else:
            messages.info(request, _("This person is already registered with your unit."))
        return redirect("pathways:patient_overview", patient_id=patient.pk)

    return form_action(
        request,
        form,
        save=register,
        respond=registered,
        template="pathways/patients/patient_new.html",
        context=context,
    )


@patient_view()
def patient_overview(request, patient):
    def build():
        care_team, consents, next_of_kin = selectors.overview_rows(patient.pk)
        return {
            "care_team": care_team,
            "consents": consents,
            "next_of_kin": next_of_kin,
            **overview.section_context(request, patient),
        }

    return kept_patient_page(request, patient, "pathways/patients/patient_overview.html", build)


@patient_view(for_edit=True)
def patient_edit(request, patient):
    form = PatientEditForm(
        request.POST or None, instance=patient, initial={"version": patient.version}
    )
    return patient_form_page(
        request,
        patient,
        form,
        save=lambda data: patient_update(
            patient=patient,
            actor=request.actor,
            data=form.patient_data(),
            version=data["version"],
        ),
        success=_("The details are saved."),
        heading=_("Edit details"),
        back_url=reverse("pathways:patient_overview", args=[patient.pk]),
    )


@require_POST
@patient_view(methods=("POST",))
def national_id_reveal_view(request, patient):
    """Show the full national id; every reveal is audited."""
    number = national_id_reveal(patient=patient, actor=request.actor, basis=patient.access_basis)
    return render(
        request, "pathways/patients/national_id.html", {"patient": patient, "number": number}
    )
