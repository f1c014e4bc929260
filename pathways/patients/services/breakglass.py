"""Break-the-glass: emergency read access for a limited time, always reviewed."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from pathways.models import BreakGlassAccess, CoordinatorAssignment, Patient
from pathways.notifications.reminders import notify
from pathways.patients.permissions import can_review_break_glass
from pathways.patients.services.lookup import (
    Purpose,
    TooManyLookups,
    national_id_lookup,
    too_many_message,
)

# A real explanation: long enough to say what happened, and not one or two keys held down.
EXPLANATION_MIN_LENGTH = 20
EXPLANATION_MIN_DISTINCT = 6


def explanation_error(explanation: str) -> str | None:
    """Why ``explanation`` is not an explanation (the message shown beside the field), or None."""
    text = " ".join((explanation or "").split())
    if not text:
        return _("Explain why you need access.")
    letters = {c.lower() for c in text if c.isalnum()}
    if len(text) < EXPLANATION_MIN_LENGTH or len(letters) < EXPLANATION_MIN_DISTINCT:
        return _(
            "Write a real explanation of at least %(n)s characters: what has happened and why "
            "you need the record now."
        ) % {"n": EXPLANATION_MIN_LENGTH}
    return None


def _tell_coordinator(grant, actor) -> None:
    """The patient's koordinator is told that emergency access was used (no name in the title;
    mail carries the kind's label only)."""
    assignment = (
        CoordinatorAssignment.objects.active()
        .filter(patient_id=grant.patient_id)
        .select_related("user")
        .first()
    )
    if assignment is None or assignment.user_id == actor.user.pk:
        return
    notify(
        users=[assignment.user],
        kind="break_glass_used",
        title=_("Emergency access was used by %(unit)s for a patient you coordinate")
        % {"unit": grant.unit.name},
        url=reverse("pathways:access_log", args=[grant.patient_id]),
        patient=grant.patient,
    )


@transaction.atomic
def break_glass_open(*, patient, actor, reason, explanation) -> BreakGlassAccess:
    explanation = (explanation or "").strip()
    problem = explanation_error(explanation)
    if problem:
        raise ValidationError({"explanation": problem})
    if actor.unit is None:
        raise ValidationError(_("You must act for a unit to use emergency access."))
    now = timezone.now()
    grant = BreakGlassAccess.objects.create(
        user=actor.user,
        unit=actor.unit,
        patient=patient,
        reason=reason,
        explanation=explanation,
        granted_at=now,
        expires_at=now + timedelta(hours=settings.BREAK_GLASS_HOURS),
    )
    audit.record_by(
        actor,
        audit.Action.BREAK_GLASS,
        patient=patient,
        obj=grant,
        basis=audit.Basis.BREAK_GLASS,
        detail=f"{grant.get_reason_display()}: {explanation}",
    )
    _tell_coordinator(grant, actor)
    return grant


def break_glass_request(*, actor, national_id, reason, explanation) -> tuple[Patient, bool]:
    """Emergency access by national id: (patient, True) when opened now, (patient, False)
    when the unit follows the patient already and no emergency access is needed."""
    # A path with a reason: it may say that nobody has this id; the lookup is audited with it.
    reason_text = f"{BreakGlassAccess.Reason(reason).label}: {(explanation or '').strip()}"
    try:
        patient, has_access = national_id_lookup(
            actor=actor, national_id=national_id, purpose=Purpose.BREAK_GLASS, reason=reason_text
        )
    except TooManyLookups:
        raise ValidationError(too_many_message()) from None
    if patient is None:
        raise ValidationError({"national_id": _("No patient with this national id is registered.")})
    if has_access:
        return patient, False
    break_glass_open(patient=patient, actor=actor, reason=reason, explanation=explanation)
    return patient, True


@transaction.atomic
def break_glass_review(*, grant, actor, note="") -> bool:
    """Mark a grant as reviewed by the leader; False when someone already did."""
    if not can_review_break_glass(actor, grant):
        raise PermissionDenied(_("Only the unit's leader reviews emergency access."))
    updated = BreakGlassAccess.objects.filter(pk=grant.pk, reviewed_at__isnull=True).update(
        reviewed_at=timezone.now(), reviewed_by=actor.user, review_note=note[:500]
    )
    if updated:
        audit.record(
            user=actor.user,
            unit=grant.unit,
            action=audit.Action.UPDATE,
            patient=grant.patient_id,
            obj=grant,
            basis=audit.Basis.ADMIN,
            detail=_("Emergency access reviewed"),
        )
    return bool(updated)
