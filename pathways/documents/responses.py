"""The PDF response of the print views: the kept file, or "being prepared" while the
documents worker renders it.

With a real broker (not eager Celery) a document not kept yet is held for the documents
worker and the request answers 202 with a small page that refreshes itself (no JavaScript
needed) and a link to try again; the same URL then serves the kept PDF. The access check and
the audit stay with the view's gate: the 202 page shows nothing of the record and is not
audited (``shows_record``), the PDF when it is delivered is.

Each document is queued once: the holder of its advisory lock (``pdfcache.try_lock``) checks
for a held file younger than ``HELD_FRESH`` and only otherwise holds and queues it; anyone
who finds the lock taken (the worker rendering, another request queuing) answers 202 without
waiting. A hold older than that (a lost message, a worker that died) is queued again; a
second task for a document already kept does nothing.

Without a broker that answers, and with eager Celery (``make run``, most tests), the PDF is
rendered in the request as before.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from config.celery import app
from pathways import pdfcache
from pathways.documents.tasks import QUEUE, render_document
from pathways.notifications.tasks import broker_reachable

log = logging.getLogger(__name__)

# Seconds the "being prepared" page waits before asking again: a plan renders in about a
# second, so a lone print opens after one refresh.
REFRESH_SECONDS = 2
# Longer than a burst of prints takes to get through the queue at one render at a time.
HELD_FRESH = timedelta(minutes=2)


def kept_pdf_response(template: str, context: dict, *, request, filename: str) -> HttpResponse:
    document = pdfcache.prepare(template, context, request=request)
    data = pdfcache.kept(document.digest)
    if data is None and not app.conf.task_always_eager and _with_the_worker(document):
        return preparing_response(request)
    if data is None:
        data = pdfcache.render_kept(document)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _with_the_worker(document: pdfcache.Document) -> bool:
    """True when the documents worker has the document (queued now or before); False when it
    is to be rendered here: kept meanwhile, or no broker to queue it on."""
    with transaction.atomic():
        if not pdfcache.try_lock(document.digest):
            return True  # being rendered, or queued by another request at this moment
        if pdfcache.kept(document.digest) is not None:
            return False
        since = pdfcache.held_since(document.digest)
        if since is not None and timezone.now() - since < HELD_FRESH:
            return True
        if not broker_reachable():
            return False
        pdfcache.hold(document)
        try:
            # retry=False: a failing broker raises at once instead of holding up the request.
            render_document.apply_async(
                args=[document.digest, document.base_url], queue=QUEUE, retry=False
            )
        except Exception:
            log.warning("Could not queue a PDF render; rendering it here.", exc_info=True)
            pdfcache.release(document.digest)
            return False
    return True


def preparing_response(request) -> HttpResponse:
    again = request.get_full_path()
    response = render(
        request,
        "pathways/documents/preparing.html",
        {"refresh_seconds": REFRESH_SECONDS, "again_url": again},
        status=202,
    )
    response["Retry-After"] = str(REFRESH_SECONDS)
    response["Cache-Control"] = "no-store"
    # Nothing of the record is on this page: the read is audited when the PDF is delivered.
    response.shows_record = False
    return response
