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

A document can also be *held* for rendering elsewhere (``pathways.documents``): its HTML is
written beside where the PDF will be, and the documents worker renders it from there. The
HTML goes through the file storage, not through the broker, so no health information sits in
Redis, and the held file doubles as the marker that the render is already queued.

Kept files are pruned (``prune``, daily): a printed plan carries the day it was printed, so
yesterday's file is never asked for again, and copies of health information should not
outlive their use. A pruned document that is asked for again is simply rendered again.
"""

import hashlib
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from pathways.pdf import cyclic_gc_paused

FOLDER = "pdf"


@dataclass(frozen=True)
class Document:
    """What WeasyPrint needs for one document, and where its files go."""

    html: str
    base_url: str
    digest: str

    @property
    def pdf_name(self) -> str:
        return pdf_name(self.digest)

    @property
    def held_name(self) -> str:
        return held_name(self.digest)


def pdf_name(digest: str) -> str:
    return f"{FOLDER}/{digest[:2]}/{digest}.pdf"


def held_name(digest: str) -> str:
    return f"{FOLDER}/{digest[:2]}/{digest}.html"


def _weasyprint_version() -> str:
    from importlib.metadata import version

    return version("weasyprint")


def _read(name: str) -> bytes | None:
    try:
        with default_storage.open(name, "rb") as kept:
            return kept.read()
    except (FileNotFoundError, OSError):
        return None


def _lock_id(digest: str) -> int:
    return int(digest[:15], 16)


def _single_flight(key: str):
    """A transaction holding an advisory lock on ``key`` (PostgreSQL); elsewhere no lock."""
    atomic = transaction.atomic()
    if connection.vendor != "postgresql":
        return atomic

    class Locked:
        def __enter__(self):
            atomic.__enter__()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_id(key)])

        def __exit__(self, *exc):
            return atomic.__exit__(*exc)

    return Locked()


def try_lock(digest: str) -> bool:
    """Inside a transaction: take the document's lock if nobody holds it, without waiting
    (PostgreSQL; elsewhere always True)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_lock_id(digest)])
        return bool(cursor.fetchone()[0])


def prepare(template: str, context: dict, *, request=None) -> Document:
    """The document's HTML and key: cheap (a template render), no PDF made yet.

    ``context`` must hold nothing that changes from one request to the next unless the
    document should change with it: the plan's footer shows the day it was printed, so a
    plan printed again the same day is the same document."""
    context = {"printed_at": timezone.localtime(), **context}
    html = render_to_string(template, context, request=request)
    base_url = request.build_absolute_uri("/") if request is not None else ""
    digest = hashlib.sha256("\0".join((_weasyprint_version(), base_url, html)).encode()).hexdigest()
    return Document(html, base_url, digest)


def kept(digest: str) -> bytes | None:
    return _read(pdf_name(digest))


def is_kept(digest: str) -> bool:
    return default_storage.exists(pdf_name(digest))


def _render_and_keep(document: Document) -> bytes:
    # Imported here: WeasyPrint takes most of a second to load.
    from weasyprint import HTML

    with cyclic_gc_paused():
        data = HTML(string=document.html, base_url=document.base_url or None).write_pdf(
            pdf_variant="pdf/ua-1"
        )
    default_storage.save(document.pdf_name, ContentFile(data))
    return data


def render_kept(document: Document) -> bytes:
    """The kept PDF, rendered here (once, under the lock) when it is not kept yet."""
    data = _read(document.pdf_name)
    if data is not None:
        return data
    with _single_flight(document.digest):
        data = _read(document.pdf_name)
        if data is None:
            data = _render_and_keep(document)
    return data


def kept_pdf_bytes(template: str, context: dict, *, request=None) -> bytes:
    """``render_pdf_bytes`` with the result kept by content (see the module's notes)."""
    return render_kept(prepare(template, context, request=request))


# --- held for the documents worker ---


def held_since(digest: str):
    """When the document was held for rendering (None when it is not held)."""
    name = held_name(digest)
    try:
        if not default_storage.exists(name):
            return None
        return default_storage.get_modified_time(name)
    except (FileNotFoundError, OSError, NotImplementedError):
        return None


def hold(document: Document) -> None:
    """Write the HTML where the documents worker reads it (replacing an older hold)."""
    name = document.held_name
    default_storage.delete(name)
    default_storage.save(name, ContentFile(document.html.encode()))


def release(digest: str) -> None:
    default_storage.delete(held_name(digest))


def render_held(digest: str, base_url: str) -> bool:
    """Render a held document and keep it (the documents worker). False when there was
    nothing to do: already kept (a second task for the same document) or no longer held."""
    with _single_flight(digest):
        if _read(pdf_name(digest)) is not None:
            release(digest)
            return False
        html = _read(held_name(digest))
        if html is None:
            return False
        _render_and_keep(Document(html.decode(), base_url, digest))
        release(digest)
    return True


# --- pruning ---


def prune(older_than) -> int:
    """Delete kept PDFs and held HTML written before ``older_than``; the number deleted."""
    deleted = 0
    try:
        folders, _files = default_storage.listdir(FOLDER)
    except (FileNotFoundError, NotADirectoryError):  # nothing kept yet
        return 0
    for folder in folders:
        _sub, names = default_storage.listdir(f"{FOLDER}/{folder}")
        for name in names:
            path = f"{FOLDER}/{folder}/{name}"
            try:
                written = default_storage.get_modified_time(path)
            except FileNotFoundError:  # deleted meanwhile (released by the worker)
                continue
            if written < older_than:
                default_storage.delete(path)
                deleted += 1
    return deleted
