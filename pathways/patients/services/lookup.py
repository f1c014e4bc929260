"""Looking a person up by national id: always audited, rate-limited per user and per unit.

That a person is known to these services is itself confidential, so the lookup page answers
the same for an unregistered person and one registered elsewhere; only registering and
emergency access (which record a reason) say that a person exists. Every lookup writes a
LOOKUP audit event with who asked and why; the limits count those events (the audit log is
the one shared, durable record: exact across workers, and still enforced when Redis is down).
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import AuditEvent
from pathways.models import Patient
from pathways.patients.selectors import find_by_national_id


class TooManyLookups(Exception):
    """The user or the unit has used up its lookups for now."""


class Purpose:
    """Why a lookup was made; written into the event's detail (never the id or a name)."""

    FIND = "find"
    REGISTER = "register"
    BREAK_GLASS = "break_glass"


def _purpose_text(purpose: str) -> str:
    return {
        Purpose.FIND: _("Find patient by national id"),
        Purpose.REGISTER: _("Registering a patient"),
        Purpose.BREAK_GLASS: _("Emergency access"),
    }[purpose]


def _recent(**filters) -> int:
    since = timezone.now() - timedelta(minutes=settings.LOOKUP_LIMIT_MINUTES)
    return AuditEvent.objects.filter(action=audit.Action.LOOKUP, at__gte=since, **filters).count()


def lookup_allowed(actor) -> bool:
    return (
        _recent(user=actor.user) < settings.LOOKUP_LIMIT_PER_USER
        and _recent(unit=actor.unit) < settings.LOOKUP_LIMIT_PER_UNIT
    )


def check_lookup_allowed(actor, purpose: str = Purpose.FIND) -> None:
    """Raise TooManyLookups (and log the refused attempt) when a limit is reached."""
    if not lookup_allowed(actor):
        _record(actor, None, purpose=purpose, outcome=_("refused, too many lookups"))
        raise TooManyLookups


def _record(actor, patient, *, purpose: str, outcome: str, reason: str = "") -> None:
    detail = f"{_purpose_text(purpose)}: {outcome}" + (f" ({reason})" if reason else "")
    audit.record(
        user=actor.user,
        unit=actor.unit,
        action=audit.Action.LOOKUP,
        patient=patient,
        basis=audit.Basis.CARE_TEAM,
        detail=detail,
    )


def national_id_lookup(
    *, actor, national_id: str, purpose: str, reason: str = ""
) -> tuple[Patient | None, bool]:
    """(patient, has_access) for ``national_id``, audited and rate-limited.

    The event carries the patient's id when there is one, so the lookup shows in that
    patient's access log; its detail says the purpose and whether the record was opened.
    Callers on a path without a recorded reason must not tell ``(None, False)`` from
    ``(patient, False)``.
    """
    check_lookup_allowed(actor, purpose)
    patient, has_access = find_by_national_id(actor, national_id)
    record_lookup(actor, patient, purpose=purpose, opened=has_access, reason=reason)
    return patient, has_access


def record_lookup(actor, patient, *, purpose: str, opened: bool, reason: str = "") -> None:
    """The audit event of one lookup (``patient`` None when nobody has the id).

    The same words for an unregistered person and one outside the user's access: the leader's
    page shows them; the patient id on the event tells an auditor which it was.
    """
    outcome = _("opened") if opened else _("not shown")
    _record(actor, patient, purpose=purpose, outcome=outcome, reason=reason)


def too_many_message() -> str:
    return _(
        "You have made many lookups by national id in a short time. Wait a while and try again; "
        "your leader can see the lookups."
    )
