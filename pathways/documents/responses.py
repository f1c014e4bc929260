"""The PDF response of the print views: the kept file, or "being prepared" while the
documents worker renders it.

With a real broker (not eager Celery) a document not kept yet is held for the documents
worker and the request answers 202 with a small page and a link to try again; the same URL
then serves the kept PDF. With JavaScript the page asks now and then whether the document is
ready (``?klar=1``: an empty answer, 200 or 202) and opens it when it is: no timed reload of
the page (WCAG 2.2.1), and no PDF fetched twice. The access check and
the audit stay with the view's gate: the 202 page shows nothing of the record and is not
audited (``shows_record``), the PDF when it is delivered is.

Each document is queued once: the holder of its advisory lock (``pdfcache.try_lock``) checks
for a held file younger than ``HELD_FRESH`` and only otherwise holds and queues it; anyone
who finds the lock taken (the worker rendering, another request queuing) answers 202 without
waiting. A hold older than that (a lost message, a worker that died) is queued again; a
second task for a document already kept does nothing. A hold the worker has not rendered
within ``RENDER_HERE_AFTER`` (no documents worker running, or one far behind) is rendered by
the next request that asks for it, so a print never waits forever.

The page's refresh and link carry the document's key, signed for this user and this URL
(``?dokument=``), so asking again costs a file lookup rather than building the document's
HTML once more: a burst of 20 waiting clients asks every ``REFRESH_SECONDS``, and those
requests must stay cheap for the web workers. The key names the content asked for on the
first request (a few seconds old at most); a key older than ``KEY_MAX_AGE`` or no longer
held starts over from the current content.

Without a broker that answers, and with eager Celery (``make run``, most tests), the PDF is
rendered in the request as before.
"""

import logging
from datetime import timedelta

from django.core import signing
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
# second, so a lone print opens after one refresh. A document held longer than
# ``PATIENT_AFTER`` is in a queue of many (a burst drains at one render at a time): its page
# asks less often, so the waiting clients take less from the web workers.
REFRESH_SECONDS = 2
PATIENT_AFTER = timedelta(seconds=10)
LATER_REFRESH_SECONDS = 5
# Longer than a burst of prints takes to get through the queue at one render at a time.
HELD_FRESH = timedelta(minutes=2)
# A document the documents worker has not rendered by then is rendered by the web worker
# that is asked for it next: no worker runs (not deployed, stopped), and a print must not
# wait forever. Well past a burst: twenty different plans took the worker 30-47 s in
# ``make bench``, and renders in the web workers are what the documents worker is for.
RENDER_HERE_AFTER = timedelta(seconds=90)
KEY_PARAMETER = "dokument"
# Only asks whether the document is kept (the waiting page's script); never delivers it.
READY_PARAMETER = "klar"
KEY_MAX_AGE = 10 * 60


def kept_pdf_response(template: str, context, *, request, filename: str) -> HttpResponse:
    """``context``: a dict, or a function making it, called only when the document's HTML is
    needed (not when a waiting client asks again with its key)."""
    deferred = not app.conf.task_always_eager
    digest = _signed_key(request) if deferred else None
    if digest is not None and _stalled(digest):
        _render_here(request, digest)
    if digest is not None and request.GET.get(READY_PARAMETER):
        return _readiness(pdfcache.is_kept(digest))
    if digest is not None:
        data = pdfcache.kept(digest)
        if data is not None:
            return _pdf(data, filename)
        if _held_fresh(digest):
            return preparing_response(request, digest)
    document = pdfcache.prepare(
        template, context() if callable(context) else context, request=request
    )
    data = pdfcache.kept(document.digest)
    if data is None and deferred and _with_the_worker(document):
        return preparing_response(request, document.digest)
    if data is None:
        data = pdfcache.render_kept(document)
        pdfcache.release(document.digest)  # a stalled hold, if there was one
    return _pdf(data, filename)


def _readiness(ready: bool) -> HttpResponse:
    response = HttpResponse(status=200 if ready else 202)
    response["Cache-Control"] = "no-store"
    response.shows_record = False  # says only whether the file is there
    return response


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _signer(request) -> signing.TimestampSigner:
    # Bound to the user and the URL: a key seen elsewhere opens nothing for anyone else.
    return signing.TimestampSigner(salt=f"pathways.documents:{request.user.pk}:{request.path}")


def _signed_key(request) -> str | None:
    token = request.GET.get(KEY_PARAMETER)
    if not token:
        return None
    try:
        return _signer(request).unsign(token, max_age=KEY_MAX_AGE)
    except signing.BadSignature:
        return None


def _stalled(digest: str) -> bool:
    since = pdfcache.held_since(digest)
    return since is not None and timezone.now() - since >= RENDER_HERE_AFTER


def _render_here(request, digest: str) -> None:
    """Render a held document the documents worker has not taken (see RENDER_HERE_AFTER)."""
    log.warning(
        "A PDF held for the documents worker for %s s was not rendered; rendering it in the "
        "web process. Is the documents worker running (make documents-worker)?",
        int(RENDER_HERE_AFTER.total_seconds()),
    )
    pdfcache.render_held(digest, request.build_absolute_uri("/"))


def _held_fresh(digest: str) -> bool:
    since = pdfcache.held_since(digest)
    return since is not None and timezone.now() - since < HELD_FRESH


def _with_the_worker(document: pdfcache.Document) -> bool:
    """True when the documents worker has the document (queued now or before); False when it
    is to be rendered here: kept meanwhile, or no broker to queue it on."""
    with transaction.atomic():
        if not pdfcache.try_lock(document.digest):
            return True  # being rendered, or queued by another request at this moment
        if pdfcache.kept(document.digest) is not None:
            return False
        if _stalled(document.digest):
            return False  # rendered here (render_kept), the hold dropped
        if _held_fresh(document.digest):
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


def preparing_response(request, digest: str) -> HttpResponse:
    query = request.GET.copy()
    query[KEY_PARAMETER] = _signer(request).sign(digest)
    again = f"{request.path}?{query.urlencode()}"
    query[READY_PARAMETER] = "1"
    check = f"{request.path}?{query.urlencode()}"
    since = pdfcache.held_since(digest)
    waited_long = since is not None and timezone.now() - since > PATIENT_AFTER
    seconds = LATER_REFRESH_SECONDS if waited_long else REFRESH_SECONDS
    response = render(
        request,
        "pathways/documents/preparing.html",
        {"refresh_seconds": seconds, "again_url": again, "check_url": check},
        status=202,
    )
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    # Nothing of the record is on this page: the read is audited when the PDF is delivered.
    response.shows_record = False
    return response
