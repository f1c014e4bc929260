"""The documents worker's task: thin, takes the document's key, safe to run twice or at once
(the second finds the PDF kept and does nothing)."""

import re

from celery import shared_task

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
