"""The referrals section of the patient overview (a fixed number of queries)."""

from . import permissions as perms
from .selectors import referrals_for_patient


def section(request, patient) -> dict:
    unit = request.active_unit or None
    actor = perms.Actor.of(request.user, unit)
    return {
        "referrals": list(referrals_for_patient(patient, unit)),
        "can_refer": bool(getattr(patient, "can_edit", False)) and perms.can_refer(actor),
    }
