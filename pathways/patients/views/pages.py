"""The two kinds of page the patient views share: a page of the record, and a form on it."""

from django.shortcuts import render

from pathways import kept
from pathways.patients.permissions import patient_rights
from pathways.web import form_action


def patient_page(request, patient, template: str, **context):
    """A page of the patient's record, with what the actor may do on it."""
    rights = patient_rights(request.actor, patient)
    return render(request, template, {"patient": patient, "rights": rights, **context})


def kept_patient_page(request, patient, template: str, build):
    """``patient_page`` whose record part (``{% keep %}`` in patient_base.html) is kept until
    the patient's record, or a name or role it shows, changes (``pathways.kept``). The
    viewer is part of the key: what they may do shows on the page."""
    unit = request.active_unit or None
    return kept.render(
        request,
        template,
        name="patient",
        version=kept.patient_versions(patient),
        parts=(
            request.user.pk,
            unit.pk if unit else None,
            patient.access_basis,
            request.get_full_path(),
        ),
        context={"patient": patient},
        build=lambda: {"rights": patient_rights(request.actor, patient), **build()},
    )


def patient_form_page(
    request, patient, form, *, save, success, heading, back_url, redirect_to=None, **page
):
    """``form`` on the shared patient form page; on cancel, and after a save unless
    ``redirect_to`` says otherwise, back to ``back_url``. ``page``: intro, submit and the like."""
    return form_action(
        request,
        form,
        save=save,
        success=success,
        redirect_to=back_url if redirect_to is None else redirect_to,
        template="includes/patient_form_page.html",
        context={"patient": patient, "heading": heading, "cancel_url": back_url, **page},
    )
