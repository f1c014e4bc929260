"""Who may keep a treatment place's capacity: its own unit, or an intake team (or leader) of
the helseforetak the place has its agreement with."""

from accounts.acting import Actor
from accounts.models import Membership

Role = Membership.Role
INTAKE_ROLES = frozenset({Role.INTAKE, Role.LEADER})


def can_update_capacity(actor: Actor, place) -> bool:
    unit = actor.unit
    if unit is None:
        return False
    if unit.pk == place.unit_id:
        return True
    return unit.organisation_id == place.health_trust_id and bool(actor.roles & INTAKE_ROLES)
