"""One save per rendered form: the form key.

Every form rendered through ``templates/includes/form.html`` carries a hidden ``form_key``
(``{% form_key form %}``): a random id, signed with the time the form was rendered.
``pathways.web.form_action`` saves a valid form in one transaction that first inserts the key
into ``FormSubmission`` (unique). A second submission of the same form (the back button, a
double click, a retry after a timeout) cannot insert it again: PostgreSQL makes it wait until
the first has committed, then it finds the row and leads to where the first save led, with a
short message. If the first save fails, its key is released and the corrected form may be sent
with it again.

A key is accepted for ``FORM_KEY_HOURS``; an older one is refused with a message beside the
form (what was typed is kept and a fresh key is rendered), so deleting old rows
(``expire_form_keys``, a periodic job of the sweep) never lets a duplicate through. A POST
without a key (a client that renders no forms, an old page) is saved as before; only signed-in
users' forms are keyed (a login form has no user to tie its key to).
"""

import datetime
import uuid

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from pathways.models import FormSubmission

FIELD = "form_key"
_SALT = "pathways.form-key"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=_SALT)


def new_key() -> str:
    return _signer().sign(uuid.uuid4().hex)


def max_age() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.FORM_KEY_HOURS)


def too_old_message() -> str:
    return _(
        "This form was opened too long ago to be saved as it is. Check what you typed and "
        "save again."
    )


class KeyRefused(ValidationError):
    """The posted key is too old, altered, or another user's: nothing is saved."""

    def __init__(self):
        super().__init__(too_old_message())


def posted(request) -> tuple[str, uuid.UUID] | None:
    """The posted key (as rendered, and its id), or None when the form sent none.

    Raises ``KeyRefused`` for a key that is too old or was not made here.
    """
    raw = request.POST.get(FIELD, "")
    if not raw:
        return None
    try:
        value = _signer().unsign(raw, max_age=max_age())
        return raw, uuid.UUID(hex=value)
    except (signing.BadSignature, ValueError):
        raise KeyRefused from None


def _claim(request, key: uuid.UUID) -> FormSubmission | None:
    """Insert the key; if it is there already, the earlier submission (None if we inserted)."""
    try:
        with transaction.atomic():
            FormSubmission.objects.create(key=key, user=request.user, path=request.path[:300])
    except IntegrityError:
        # The first submission has committed (the insert waited for it): read its row.
        return FormSubmission.objects.get(key=key)
    return None


def _location(response) -> str:
    return (response.get("Location") or response.get("HX-Redirect") or "")[:500]


def lead_to_earlier(request, earlier: FormSubmission):
    """The answer to a repeat: where the first save led, with a short message."""
    messages.info(request, _("This form had already been sent, so nothing was saved again."))
    url = earlier.result_url or request.path
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def save_once(request, key: uuid.UUID | None, run):
    """``run()`` (save and answer) once per key; a repeat gets ``lead_to_earlier``."""
    if key is None or not request.user.is_authenticated:
        return run()
    failure = None
    with transaction.atomic():
        earlier = _claim(request, key)
        if earlier is not None:
            if earlier.user_id != request.user.pk:
                raise KeyRefused
            return lead_to_earlier(request, earlier)
        try:
            response = run()
        except Exception as error:
            # What the save wrote before it refused stays written, as without a key (a
            # refused lookup is audited); only the key is released for the corrected form.
            try:
                FormSubmission.objects.filter(key=key).delete()
            except DatabaseError:
                raise error from None
            failure = error
        else:
            FormSubmission.objects.filter(key=key).update(result_url=_location(response))
    if failure is not None:
        raise failure
    return response


def expire_form_keys(now=None) -> int:
    """Delete keys too old to be accepted (a form rendered before them is refused anyway)."""
    cutoff = (now or timezone.now()) - max_age()
    deleted, _rows = FormSubmission.objects.filter(created_at__lt=cutoff).delete()
    return deleted
