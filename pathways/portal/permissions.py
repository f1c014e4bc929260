"""Who may open a patient's or pårørende's access to /min/."""

from django.utils.translation import gettext_lazy as _

from pathways import access

# Patients younger than this get no access of their own in this version: who may see a
# minor's plan (the patient, the parents, both) is a decision per case that the system does
# not make; staff show the plan in person instead.
MIN_AGE = 16
TOO_YOUNG = _("Patients under 16 cannot get access to Min plan yet.")


def can_open_portal_access(actor, patient) -> bool:
    """Anyone whose unit may change the patient's record opens (and ends) the door."""
    found = access.access_basis(actor.user, actor.unit, patient.pk)
    return found is not None and found[1]
