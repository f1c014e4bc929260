"""The staff side of /min/: open the patient's access (with a reason) or close it."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from pathways.access import patient_view
from pathways.models import AccessQuestion, PortalAccess
from pathways.portal import access_questions
from pathways.portal import permissions as perms
from pathways.portal import services as svc
from pathways.portal.forms import AccessAnswerForm, AccessEndForm, AccessOpenForm, GuardianForm
from pathways.web import form_action


def _context(request, patient) -> dict:
    accesses = list(
        PortalAccess.objects.filter(patient=patient)
        .select_related("next_of_kin", "opened_by")
        .order_by("-opened_at", "-id")
    )
    return {
        "patient": patient,
        "accesses": accesses,
        "has_open": any(a.is_open and a.role == PortalAccess.Role.PATIENT for a in accesses),
        "too_young": patient.age() < perms.MIN_AGE,
        "guardian_form": GuardianForm(
            initial={"guardian_name": patient.guardian_name}, auto_id="verge_%s"
        ),
        "heading": _("Min plan: the patient's own access"),
        "submit": _("Open access"),
        "back_url": reverse("pathways:patient_overview", args=[patient.pk]),
        "back_label": _("Back to the overview"),
    }


def _open_form(patient, data=None) -> AccessOpenForm:
    form = AccessOpenForm(data)
    if not patient.guardian_name:
        # The question is asked only where there is a guardian.
        del form.fields["guardian_reason"]
    return form


@patient_view(for_edit=True)
def access_page(request, patient):
    form = _open_form(patient, request.POST or None)
    return form_action(
        request,
        form,
        save=lambda data: svc.portal_access_open(
            actor=request.actor,
            patient=patient,
            reason=data["reason"],
            guardian_reason=data.get("guardian_reason", ""),
        ),
        success=_("The patient can now log in to Min plan with ID-porten."),
        redirect_to=reverse("pathways:portal_access", args=[patient.pk]),
        template="pathways/portal/staff_access.html",
        context=_context(request, patient),
    )


@patient_view(for_edit=True, methods=("POST",))
def access_end(request, patient):
    form = AccessEndForm(request.POST)

    def end(data):
        found = PortalAccess.objects.filter(patient=patient, pk=data["access"]).first()
        if found is None:
            raise ValidationError(_("This access does not exist."))
        return svc.portal_access_end(
            actor=request.actor, portal_access=found, reason=data["reason"]
        )

    return form_action(
        request,
        form,
        save=end,
        success=_("The access is closed. The person is logged out at once."),
        redirect_to=reverse("pathways:portal_access", args=[patient.pk]),
        template="pathways/portal/staff_access.html",
        context={**_context(request, patient), "end_form": form, "form": _open_form(patient)},
    )


@patient_view(for_edit=True, methods=("POST",))
def guardian(request, patient):
    """Record the patient's guardian (verge) or that there is none, on the access page."""
    form = GuardianForm(request.POST, auto_id="verge_%s")
    return form_action(
        request,
        form,
        save=lambda data: svc.guardian_record(
            actor=request.actor, patient=patient, name=data["guardian_name"]
        ),
        success=_("Saved."),
        redirect_to=reverse("pathways:portal_access", args=[patient.pk]),
        template="pathways/portal/staff_access.html",
        context={**_context(request, patient), "guardian_form": form, "form": _open_form(patient)},
    )


@patient_view(for_edit=True, methods=("GET", "HEAD", "POST"))
def question_answer(request, patient, question_id):
    """ "Spør hvorfor": the patient's question, and the answer of the unit's leader (or the
    koordinator), which the patient reads in /min/innsyn/."""
    question = get_object_or_404(
        AccessQuestion.objects.select_related("read_by", "unit", "answered_by"),
        pk=question_id,
        patient=patient,
    )
    if not access_questions.may_answer(request.user, question):
        raise PermissionDenied
    return form_action(
        request,
        AccessAnswerForm(request.POST or None),
        save=lambda data: access_questions.access_question_answer(
            question=question, actor=request.actor, answer=data["answer"]
        ),
        success=_("The answer is sent. The patient reads it in Min plan."),
        redirect_to=reverse("pathways:portal_question_answer", args=[patient.pk, question.pk]),
        template="pathways/portal/question_answer.html",
        context={
            "patient": patient,
            "question": question,
            "log_url": access_questions.access_log_link(question),
            "submit": _("Send the answer"),
        },
    )
