"""The patient's access log: who has read or changed the record, when, what and on what basis."""

import datetime

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from accounts.models import AuditEvent, ServiceUnit
from pathways.access import patient_view
from pathways.patients import auditlog, selectors
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
    period = _print_period(form)
    print_form = AccessLogFilterForm(
        initial={"fra": period["fra"], "til": period["til"]}, auto_id="utskrift_%s"
    )
    del print_form.fields["enhet"]
    return render(
        request,
        "pathways/patients/access_log.html",
        {
            "patient": patient,
            "page": page,
            "form": form,
            "print_form": print_form,
            "pdf_query": form.query_string(),
        },
    )


def _print_period(form) -> dict:
    """The period to print: the one chosen, else the last year (a busy record's whole log would
    run to hundreds of pages)."""
    chosen = form.filters()
    if chosen.get("fra") or chosen.get("til"):
        return chosen
    today = timezone.localdate()
    # 29 February has no twin a year back: the year then starts on 1 March.
    year_ago = today.replace(
        year=today.year - 1, day=min(today.day, 28 if today.month == 2 else 31)
    )
    return {**chosen, "fra": year_ago + datetime.timedelta(days=1), "til": today}


@patient_view(action=AuditEvent.Action.PRINT)
def access_log_pdf(request, patient):
    form, _events = _filtered(request, patient)
    period = _print_period(form)
    events = selectors.access_log_events(patient, **period)
    return pdf_response(
        "pdf/access_log.html",
        {
            "patient": patient,
            "period": period,
            "summary": auditlog.summary(selectors.access_log_summary(events)),
            "days": auditlog.days(selectors.access_log_groups(events)),
        },
        request=request,
        filename=f"tilgangslogg-{patient.pk}.pdf",
    )
