"""The patient's access log: who has read or changed the record, when and on what basis."""

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render

from accounts.models import AuditEvent

from ..access import patient_view
from ..pdf import pdf_response


def _events(patient):
    return AuditEvent.objects.filter(patient_id=patient.pk).select_related(
        "user", "unit__organisation"
    )


@patient_view()
def access_log(request, patient):
    page = Paginator(_events(patient), settings.PAGE_SIZE).get_page(request.GET.get("side"))
    return render(request, "pathways/access_log.html", {"patient": patient, "page": page})


@patient_view(action=AuditEvent.Action.PRINT)
def access_log_pdf(request, patient):
    return pdf_response(
        "pdf/access_log.html",
        {"patient": patient, "events": _events(patient).iterator(chunk_size=500)},
        request=request,
        filename=f"tilgangslogg-{patient.pk}.pdf",
    )
