"""Who may open a patient's or pårørende's access to /min/."""

from django.utils.translation import gettext_lazy as _

from pathways import access

# Patients younger than this get no access in this version, and no one can open it for them
# (a decision, shown on the staff page and in docs/architecture.md): under 16 the parents have
# the right to information and consent on the child's behalf (pasient- og
# brukerrettighetsloven §§ 3-4, 4-4), while from 12 the child may keep information from them.
# Min plan lets the patient give consents and give pårørende access, which a patient under 16
# cannot do alone, and who may see what of a minor's plan is a decision per case that the
# system does not make; staff go through the plan in person instead. ``closing`` closes open
# access when a birth date under 16 is recorded.
MIN_AGE = 16
TOO_YOUNG = _("Patients under 16 cannot get access to Min plan yet.")

# A patient with a guardian (verge) gets their own access only with a recorded reason why the
# guardianship does not stand in the way. A vergemål is most often about money; whether it
# covers personal and health matters is in the guardian's mandate, which staff read and the
# system does not hold. So the system asks, every time, and keeps the answer with the access.
# A pårørende's access (the guardian's own included) follows the ordinary rules.
GUARDIAN_REASON_NEEDED = _(
    "The patient has a guardian. Write why the patient may still have their own access."
)


def can_open_portal_access(actor, patient) -> bool:
    """Anyone whose unit may change the patient's record opens (and ends) the door."""
    found = access.access_basis(actor.user, actor.unit, patient.pk)
    return found is not None and found[1]
