"""Files people attach (referrals, dialogue between services): one set of checks for all.

A file is at most 10 MB and a PDF, PNG or JPEG, its type read from the content, never from
the name, and its name must agree with the content. It is stored under a random name that
says nothing about the patient or the original file, and served only through an
access-checked view.
"""

import os
import uuid

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024

PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
CONTENT_TYPES = [(PDF, "PDF"), (PNG, "PNG"), (JPEG, "JPEG")]

_MAGIC = [(b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG)]
_EXTENSIONS = {PDF: {".pdf"}, PNG: {".png"}, JPEG: {".jpg", ".jpeg"}}


def sniff_content_type(head: bytes) -> str | None:
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def checked_upload(upload, field: str = "file") -> tuple[str, str]:
    """(file name, content type) of an acceptable upload; a ``ValidationError`` beside
    ``field`` otherwise."""
    if upload is None:
        raise ValidationError({field: _("Choose a file.")})
    if upload.size > MAX_BYTES:
        raise ValidationError({field: _("The file is larger than 10 MB.")})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff_content_type(head)
    if content_type is None:
        raise ValidationError({field: _("Only PDF, PNG and JPEG files can be attached.")})
    filename = get_valid_filename(os.path.basename(upload.name or "")) or "vedlegg"
    if os.path.splitext(filename)[1].lower() not in _EXTENSIONS[content_type]:
        message = _("The file's content does not match its name (%(name)s).")
        raise ValidationError({field: message % {"name": filename}})
    return filename[:200], content_type


def stored_name(folder: str) -> str:
    """``<folder>/<year>/<month>/<random>``: nothing of the patient or the file's own name."""
    return f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"
