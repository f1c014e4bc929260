"""Pages whose main part is kept rendered between looks (config/fragments.py).

A page template marks its main part ``{% keep %}…{% endkeep %}`` (``patient_base.html`` does
it for every patient page). ``render`` takes the versions the part depends on, read before
anything it shows (``patient_versions``, read with the patient; ``unit_versions``); when a
part is kept under them it renders only the page around it (header, messages, the live
emergency-access banner) and puts the kept part in. Otherwise it builds the
page's context, renders the whole page once and keeps the part.

Access and audit do not change: the view is reached through the same decorators
(``patient_view`` checks access and writes the read's audit event first), and only what it
would have rendered is skipped. The key holds the viewer (user, unit, basis of access), the
page's path and query, the versions and the minute (the part may say "today" or show whether
a meeting has begun), so a kept part is what a render now would show.

Forms in a kept part get the request's CSRF token and a fresh form key (``{% form_key %}``)
each time it is served: those two are rendered as marks while keeping.
"""

import re
from collections.abc import Callable

from django import template
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render as django_render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from config import fragments
from pathways import formkeys

START, END = "<!--keep-->", "<!--/keep-->"
FORM_KEY_MARK = f"formkey-{fragments._mark('form-key')}"
_FORM_KEY = re.compile(re.escape(FORM_KEY_MARK))


def patient_versions(patient) -> tuple | None:
    """(patient, reference) versions of a patient the access function found (it reads them
    with the patient: ``pathways.access``); a row not made yet is 0 (nothing has changed
    since versions began). None where the database keeps none (the embedded SQLite)."""
    if connection.vendor != "postgresql":
        return None
    return (patient.kept_version, patient.kept_reference)


def unit_versions(request) -> tuple | None:
    """The versions a unit's list or worklist depends on, for the request's user and unit;
    None (render every time) without a unit, or while the user has an emergency access (its
    patients join the user's worklists until it expires, at a moment no version marks)."""
    unit = request.active_unit or None
    if unit is None or connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT"
            " coalesce((SELECT generation FROM pathways_unitversion WHERE unit_id = %s), 0),"
            " coalesce((SELECT generation FROM pathways_referenceversion WHERE id = 1), 0),"
            " EXISTS (SELECT 1 FROM pathways_breakglassaccess"
            " WHERE user_id = %s AND expires_at > now())",
            [unit.pk, request.user.pk],
        )
        unit_generation, reference, break_glass = cursor.fetchone()
    return None if break_glass else (unit_generation, reference)


def render(
    request,
    template_name: str,
    *,
    name: str,
    version,
    parts: tuple,
    context: dict,
    build: Callable[[], dict],
) -> HttpResponse:
    """The page ``template_name`` with ``context`` and, unless its ``{% keep %}`` part is kept
    under (``name``, ``version``, ``parts``), ``build()``'s context."""
    if version is None:
        return django_render(request, template_name, {**context, **build()})
    key = fragments.key(name, version, parts, timezone.now().replace(second=0, microsecond=0))
    token = get_token(request)
    kept = fragments.get(key)
    if kept is not None:
        return django_render(
            request, template_name, {**context, "kept": _served(kept, token), "csrf_token": token}
        )
    page = render_to_string(
        template_name,
        {**context, **build(), "keeping": True, "csrf_token": fragments.CSRF_MARK},
        request=request,
    )
    start, end = page.find(START), page.find(END)
    if 0 <= start < end:
        fragments.put(key, page[start + len(START) : end])
        page = page[:start] + page[start + len(START) : end] + page[end + len(END) :]
    return HttpResponse(_served(page, token))


def _served(html: str, token: str) -> str:
    html = _FORM_KEY.sub(lambda _match: formkeys.new_key(), html)
    return mark_safe(html.replace(fragments.CSRF_MARK, token))  # noqa: S308 - marks replaced


class KeepNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        kept = context.get("kept")
        if kept is not None:
            return kept
        html = self.nodelist.render(context)
        return f"{START}{html}{END}" if context.get("keeping") else html
