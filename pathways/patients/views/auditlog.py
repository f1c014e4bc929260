"""The patient's access log: who has read or changed the record, when, what and on what basis."""

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render

from accounts.models import AuditEvent, ServiceUnit
from pathways.access import patient_view
from pathways.patients import selectors
from pathways.patients.auditlog import described
from pathways.patients.forms import AccessLogFilterForm
from pathways.pdf import pdf_response


def _filtered(request, patient):
    """The log's events narrowed by the filter in the query string, with the bound form.

    An invalid filter shows the whole log beside the errors rather than nothing.
    """
    logged_units = ServiceUnit.objects.filter(
        pk__in=AuditEvent.objects.filter(patient_id=patient.pk, unit__isnull=False).values(
            "unit_id"
        )
    ).select_related("organisation")
    form = AccessLogFilterForm(request.GET or None, units=logged_units.order_by("name"))
    return form, selectors.access_log_events(patient, **form.filters())


@patient_view()
def access_log(request, patient):
    form, events = _filtered(request, patient)
    page = Paginator(events, settings.PAGE_SIZE).get_page(request.GET.get("side"))
    page.object_list = list(described(page.object_list))
    return render(
        request,
        "pathways/patients/access_log.html",
        {"patient": patient, "page": page, "form": form, "pdf_query": form.query_string()},
    )


@patient_view(action=AuditEvent.Action.PRINT)
def access_log_pdf(request, patient):
    form, events = _filtered(request, patient)
    return pdf_response(
        "pdf/access_log.html",
        {
            "patient": patient,
            "form": form,
            "events": described(events.iterator(chunk_size=500)),
        },
        request=request,
        filename=f"tilgangslogg-{patient.pk}.pdf",
    )
