"""Stale writes: the one exception a service raises when what the user saw has changed since.

Every object two people may edit at once carries a ``version``; its form sends the version it
was opened with and the service compares it under a row lock. A mismatch writes nothing and
raises ``StaleWrite``; the form path (``pathways.web.form_action``) shows what is stored now
beside what the user typed, and only a save from that screen (carrying the new version) applies.
"""

import datetime

from django.db import models
from django.utils import timezone
from django.utils.formats import localize
from django.utils.translation import gettext as _


class StaleWrite(Exception):
    """Someone saved this after the form was opened; nothing was written.

    ``current`` is the object as stored now. ``changes`` may carry a richer description of
    what changed (the plan's per-item diff); without it the conflict screen compares the
    stored fields with what was typed.
    """

    def __init__(self, current, *, changes=None, message: str = "", version=None):
        super().__init__(message or "changed by someone else meanwhile")
        self.current = current
        # ``version``: for objects with one version per independently edited part.
        self.current_version = version if version is not None else getattr(current, "version", None)
        self.changes = changes
        self.message = message


def check_version(obj, base_version, *, field: str = "version", changes=None, message="") -> None:
    """Raise ``StaleWrite`` unless ``base_version`` is the version stored in ``obj.<field>``.

    Call it on a row read with ``select_for_update()`` inside the writing transaction. A form
    that sent no version (an old page, a client that does not know) is stale as well.
    """
    stored = getattr(obj, field)
    try:
        same = base_version is not None and int(base_version) == stored
    except (TypeError, ValueError):
        same = False
    if not same:
        raise StaleWrite(obj, changes=changes, message=message, version=stored)


def save_new_version(obj, fields) -> None:
    """Save ``fields`` and raise the version by one (the caller holds the row lock)."""
    obj.version += 1
    obj.save(update_fields=[*fields, "version"])


def display(value) -> str:
    """A stored or typed value as a person reads it: no "True", "None" or ids."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        # Stored times are UTC; typed ones are local: compare and show both in local time.
        value = timezone.localtime(value)
    if isinstance(value, list | tuple | set | models.QuerySet):
        return ", ".join(display(v) for v in value) or "–"
    return str(localize(value))
