"""Access that closes by itself when the patient's details change under it (§4).

Nobody with a guardian, and nobody under 16, has their own access until a staff member opens
it: so recording a guardian, or a birth date that makes the patient under 16, while the door
is open closes it at once (the person's next request logs them out), with the reason kept on
the access for the staff page and in the audit log. Opening it again is the ordinary path
with its reasons (``services.portal_access_open``).
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.acting import Actor
from pathways.models import Patient, PortalAccess
from pathways.portal import permissions as perms


def _close(actor: Actor, accesses, reason: str) -> list[PortalAccess]:
    closed = list(accesses.select_for_update())
    now = timezone.now()
    for access in closed:
        access.ended_at = now
        access.end_reason = reason[:500]
        access.save(update_fields=["ended_at", "end_reason"])
        audit.record_by(
            actor,
            audit.Action.UPDATE,
            patient=access.patient_id,
            obj=access,
            detail=f"Min plan closed ({access.role}): {reason}"[:500],
        )
    return closed


def close_for_guardian(*, actor: Actor, patient: Patient) -> list[PortalAccess]:
    """A guardian was recorded: the patient's own access closes until it is opened again with a
    reason why the guardianship does not stand in the way. A pårørende's access follows the
    ordinary rules and stays."""
    return _close(
        actor,
        PortalAccess.objects.open().filter(patient=patient, role=PortalAccess.Role.PATIENT),
        _("Closed by itself: a guardian was recorded. Open it again with a reason."),
    )


def close_if_too_young(*, actor: Actor, patient: Patient) -> list[PortalAccess]:
    """The birth date now makes the patient under 16: every open door closes, the grants the
    patient gave pårørende too (a patient under 16 cannot give that consent alone: the
    parents have the rights under pasient- og brukerrettighetsloven §§ 3-4 and 4-4)."""
    if patient.age() >= perms.MIN_AGE:
        return []
    return _close(
        actor,
        PortalAccess.objects.open().filter(patient=patient),
        _("Closed by itself: the date of birth makes the patient under 16."),
    )
