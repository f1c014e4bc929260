"""PDF rendering with WeasyPrint (imported lazily: it costs most of a second to load)."""

import gc
from contextlib import contextmanager

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone


def render_pdf_bytes(template: str, context: dict, *, request=None) -> bytes:
    # Imported here: WeasyPrint takes most of a second to load; only PDF requests pay for it.
    from weasyprint import HTML

    context = {"printed_at": timezone.localtime(), **context}
    html = render_to_string(template, context, request=request)
    base_url = request.build_absolute_uri("/") if request is not None else None
    with cyclic_gc_paused():
        return HTML(string=html, base_url=base_url).write_pdf(pdf_variant="pdf/ua-1")


@contextmanager
def cyclic_gc_paused():
    """Layout allocates hundreds of thousands of small objects, and each time a generation fills
    up the collector walks the whole heap of a Django process (measured: a quarter of a busy
    access log's time). Reference counting still frees what the render leaves behind; the few
    cycles wait for the next collection after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def pdf_response(template: str, context: dict, *, request, filename: str) -> HttpResponse:
    response = HttpResponse(
        render_pdf_bytes(template, context, request=request), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
