"""The one form path: bound form → service → message and redirect, or the form again.

Every view that saves a form reads::

    form = SomeForm(request.POST or None, ...)
    return form_action(
        request, form,
        save=lambda data: service(..., actor=request.actor, **data),
        success=_("Saved."),
        redirect_to=url,
        template="...", context={...},
    )

On GET, or when the form does not validate, the page is shown with the form (what was typed is
kept). A ``ValidationError`` from the service is shown beside the fields it names. A
``StaleWrite`` shows the conflict screen: what is stored now beside what was typed; the form
is re-based on the stored version, so only a save made after seeing it applies.

Each save happens once per rendered form (``pathways.formkeys``): the form's hidden key is
recorded with the save, and the same form sent again leads to the first result.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponse
from django.shortcuts import redirect, render

from pathways import formkeys
from pathways.stale import StaleWrite, display


def add_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError beside the fields it names (the rest on top)."""
    # A form whose fields differ from the service's arguments maps them in ``service_fields``
    # (the meeting form's date and time are the service's ``starts_at``).
    aliases = getattr(form, "service_fields", {})
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            name = aliases.get(name, name)
            target = name if name in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def rebase(form, version) -> None:
    """Keep what the user typed; the next save applies it over the version now stored."""
    if version is None or "version" not in form.fields:
        return
    form.data = form.data.copy()
    form.data[form.add_prefix("version")] = version


def _stored(current, name: str, field):
    value = getattr(current, name, None)
    if isinstance(value, models.Manager):
        value = list(value.all())
    choices = dict(getattr(field, "choices", None) or ())
    if choices and not isinstance(value, list):
        return choices.get(value, value)
    return value


def _typed(form, name: str, field):
    value = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
    choices = dict(getattr(field, "choices", None) or ())
    if choices and not isinstance(value, list | models.QuerySet | models.Model):
        return choices.get(value, value)
    return value


def field_differences(form, current) -> list[tuple[str, str, str]]:
    """(label, stored now, typed) for each field of the form where the two differ."""
    rows = []
    for name, field in form.fields.items():
        if name == "version" or field.widget.is_hidden:
            continue
        stored, typed = display(_stored(current, name, field)), display(_typed(form, name, field))
        if stored != typed:
            rows.append((field.label or name, stored, typed))
    return rows


def conflict_context(form, stale: StaleWrite) -> dict:
    """What the conflict screen shows: the plan's own diff when the service gave one, else
    the form's fields stored now beside what was typed."""
    return {
        "changes": stale.changes,
        "fields": None if stale.changes is not None else field_differences(form, stale.current),
        "message": stale.message,
    }


def posted(request):
    """The POST data on a POST, else None: for forms whose empty submission posts nothing
    (all checkboxes unticked), which must still bind."""
    return request.POST if request.method == "POST" else None


def form_action(
    request,
    form,
    *,
    save: Callable,
    template: str,
    context: dict | None = None,
    success: str | Callable | None = None,
    redirect_to: str | Callable | None = None,
    respond: Callable | None = None,
    on_show: Callable | None = None,
) -> HttpResponse:
    """Show ``form`` on ``template``; on a valid POST call ``save(form.cleaned_data)``.

    After a save: ``respond(result)`` when given (an htmx fragment, a file), else the
    ``success`` message (text, or ``f(result)``) and a redirect to ``redirect_to`` (a URL,
    or ``f(result)``).

    ``on_show()`` runs whenever the page is shown (a GET, or the form again with its errors):
    pages outside the patient gate audit the read there, since the page shows patient data.
    """
    conflict = None

    def run():
        result = save(form.cleaned_data)
        # A form shown with the answer (``respond``) is a new one: it gets a new key.
        form.form_key = None
        return _answer(request, result, success=success, redirect_to=redirect_to, respond=respond)

    if request.method == "POST":
        try:
            posted, refused = formkeys.posted(request), None
        except formkeys.KeyRefused as error:
            posted, refused = None, error
        # Shown again unsaved, the form keeps its key; a refused key is replaced.
        form.form_key = posted[0] if posted else None
        if form.is_valid() and refused is not None:
            add_errors(form, refused)
        elif form.is_valid():
            try:
                return formkeys.save_once(request, posted[1] if posted else None, run)
            except StaleWrite as stale:
                conflict = conflict_context(form, stale)
                rebase(form, stale.current_version)
            except formkeys.KeyRefused as error:
                form.form_key = None
                add_errors(form, error)
            except ValidationError as error:
                add_errors(form, error)
    if on_show is not None:
        on_show()
    return render(request, template, {**(context or {}), "form": form, "conflict": conflict})


def _answer(request, result, *, success, redirect_to, respond) -> HttpResponse:
    """What a save answers: ``respond(result)``, else the message and the redirect."""
    if respond is not None:
        return respond(result)
    message = success(result) if callable(success) else success
    if message:
        messages.success(request, message)
    return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)
