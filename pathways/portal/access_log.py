"""/min/innsyn/: who has read my record, and "Spør hvorfor" about one line of it."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import AuditEvent
from pathways.models import PortalAccess
from pathways.portal import access_questions as svc
from pathways.portal.forms import AccessQuestionForm
from pathways.portal.gate import portal_view
from pathways.web import form_action


def _patient_only(request) -> None:
    # The right to see who read the record is the patient's own.
    if request.portal.role != PortalAccess.Role.PATIENT:
        raise Http404


@portal_view("who has read my record")
def access_log(request):
    _patient_only(request)
    summary = svc.summary_for(request.portal.patient)
    for month in summary["months"]:
        for row in month.rows:
            # Only a line with a person and a unit has someone to answer the question.
            row["ask"] = (
                svc.Line(month.month, row["user_id"], row["unit_id"], row["basis"]).query()
                if row["user_id"] and row["unit_id"]
                else ""
            )
    return render(
        request,
        "pathways/portal/access_log.html",
        {
            "summary": summary,
            "break_glass": AuditEvent.Basis.BREAK_GLASS,
            "refused": AuditEvent.Basis.NONE,
        },
    )


@portal_view("answers to my questions")
def access_answers(request):
    """The patient's "Spør hvorfor" questions and the answers (its own page: the access log
    page keeps its fixed number of queries)."""
    _patient_only(request)
    return render(
        request,
        "pathways/portal/access_answers.html",
        {"questions": svc.questions_for(request.portal.patient)},
    )


@portal_view("ask why", methods=("GET", "HEAD", "POST"))
def ask_why(request):
    _patient_only(request)
    line = svc.line_from(request.GET)
    row = svc.line_row(request.portal.patient, line) if line else None
    if row is None:
        raise Http404
    return form_action(
        request,
        AccessQuestionForm(request.POST or None),
        save=lambda data: svc.access_question_send(
            portal_access=request.portal,
            actor=request.portal_actor,
            line=line,
            question=data["question"],
        ),
        success=_("Your question is sent. The unit's leader will answer you."),
        redirect_to=reverse("portal:access_log"),
        template="pathways/portal/ask_why.html",
        context={
            "row": row,
            "month": line.month,
            "asked_before": svc.questions_for(request.portal.patient, line=line),
            "action_url": request.get_full_path(),
            "submit": _("Send the question"),
            "cancel_url": reverse("portal:access_log"),
        },
    )
