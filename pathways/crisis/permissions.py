"""Who may change the patient's crisis plan.

Everyone whose unit may change the patient's record: the koordinator's unit, the treating TSB
unit and the municipality alike, since both sides of a discharge write it. Read-only units and
emergency (break-the-glass) readers see it; outsiders do not reach it at all (404).
"""

from pathways import access


def can_edit(actor, patient) -> bool:
    """Change the texts and the contacts of ``patient``'s crisis plan."""
    if actor.unit is None:
        return False
    known = getattr(patient, "can_edit", None)
    if known is not None:
        return bool(known)
    found = access.access_basis(actor.user, actor.unit, getattr(patient, "pk", patient))
    return bool(found and found[1])
