"""The documents worker's task: thin, takes the document's key, safe to run twice or at once
(the second finds the PDF kept and does nothing); and the daily prune of kept documents."""

import re
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from pathways import pdfcache

QUEUE = "documents"
KEY = re.compile(r"[0-9a-f]{64}")


# A plan of 40 measures renders in about a second; a minute means something is wrong.
@shared_task(name="pathways.render_document", soft_time_limit=60, time_limit=90)
def render_document(digest: str, base_url: str) -> bool:
    # The key names a file in the storage: never let a message reach outside pdf/.
    if not KEY.fullmatch(digest):
        return False
    return pdfcache.render_held(digest, base_url)


@shared_task(name="pathways.kept_documents_prune", soft_time_limit=540, time_limit=600)
def kept_documents_prune() -> int:
    """Daily (beat): kept documents older than ``KEPT_DOCUMENT_DAYS`` go (pathways.pdfcache)."""
    return pdfcache.prune(timezone.now() - timedelta(days=settings.KEPT_DOCUMENT_DAYS))
