"""PDF rendering with WeasyPrint (imported lazily: it costs most of a second to load)."""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone


def render_pdf_bytes(template: str, context: dict, *, request=None) -> bytes:
    # Imported here: WeasyPrint takes most of a second to load; only PDF requests pay for it.
    from weasyprint import HTML

    context = {"printed_at": timezone.localtime(), **context}
    html = render_to_string(template, context, request=request)
    base_url = request.build_absolute_uri("/") if request is not None else None
    return HTML(string=html, base_url=base_url).write_pdf(pdf_variant="pdf/ua-1")


def pdf_response(template: str, context: dict, *, request, filename: str) -> HttpResponse:
    response = HttpResponse(
        render_pdf_bytes(template, context, request=request), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
