"""PDFs kept by content: a document is rendered once and served again while nothing in it
changed.

The key is a SHA-256 of the HTML that WeasyPrint would turn into the PDF (and of what else
decides the bytes: the base URL and WeasyPrint's version), so a change anywhere in the
document, a new revision or another language gives a new file, and an unchanged one is read
back in milliseconds instead of rendered again in about a second. Files sit in the default
storage (a local folder, or S3-compatible storage in production) under ``pdf/``, which
nothing serves directly: they reach a browser only through the access-checked, audited view.

Concurrent requests for the same document (a burst of prints before a meeting) render it
once: the first takes a PostgreSQL advisory lock on the key and the others wait for it and
then read the kept file, so a burst costs one render, not one per request.
"""

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

FOLDER = "pdf"


def _weasyprint_version() -> str:
    from importlib.metadata import version

    return version("weasyprint")


def _read(name: str) -> bytes | None:
    try:
        with default_storage.open(name, "rb") as kept:
            return kept.read()
    except (FileNotFoundError, OSError):
        return None


def _single_flight(key: str):
    """A transaction holding an advisory lock on ``key`` (PostgreSQL); elsewhere no lock."""
    atomic = transaction.atomic()
    if connection.vendor != "postgresql":
        return atomic

    class Locked:
        def __enter__(self):
            atomic.__enter__()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(key[:15], 16)])

        def __exit__(self, *exc):
            return atomic.__exit__(*exc)

    return Locked()


def kept_pdf_bytes(template: str, context: dict, *, request=None) -> bytes:
    """``render_pdf_bytes`` with the result kept by content (see the module's notes).

    ``context`` must hold nothing that changes from one request to the next unless the
    document should change with it: the plan's footer shows the day it was printed, so a
    plan printed again the same day is the same document."""
    context = {"printed_at": timezone.localtime(), **context}
    html = render_to_string(template, context, request=request)
    base_url = request.build_absolute_uri("/") if request is not None else ""
    digest = hashlib.sha256("\0".join((_weasyprint_version(), base_url, html)).encode()).hexdigest()
    name = f"{FOLDER}/{digest[:2]}/{digest}.pdf"
    data = _read(name)
    if data is not None:
        return data
    with _single_flight(digest):
        data = _read(name)
        if data is None:
            # Imported here: WeasyPrint takes most of a second to load.
            from weasyprint import HTML

            data = HTML(string=html, base_url=base_url or None).write_pdf(pdf_variant="pdf/ua-1")
            default_storage.save(name, ContentFile(data))
    return data


def kept_pdf_response(template: str, context: dict, *, request, filename: str) -> HttpResponse:
    response = HttpResponse(
        kept_pdf_bytes(template, context, request=request), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
