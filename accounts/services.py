"""Setting up organisations, units and memberships."""

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import Membership, Organisation, ServiceUnit


@transaction.atomic
def unit_create(*, organisation: Organisation, name: str, kind: str, **extra) -> ServiceUnit:
    """Create a unit with its own permission group (guardian grants patient access to it)."""
    unit = ServiceUnit(organisation=organisation, name=name, kind=kind, **extra)
    unit.group = Group.objects.create(name=f"unit:{organisation.org_number}:{name}"[:150])
    unit.full_clean()
    unit.save()
    return unit


@transaction.atomic
def membership_add(*, user, unit: ServiceUnit, role: str, title: str = "") -> Membership:
    membership, _ = Membership.objects.get_or_create(
        user=user, unit=unit, role=role, defaults={"title": title}
    )
    return membership
