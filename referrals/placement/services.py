"""A treatment place tells the intake teams how many places are free and how long the wait is."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from pathways.stale import check_version
from referrals.models import CapacityReport, TreatmentPlace
from referrals.placement.permissions import can_update_capacity

CAPACITY_FIELDS = ["free_places", "free_from", "expected_wait_days", "capacity_note"]


@transaction.atomic
def capacity_update(
    *,
    place,
    actor,
    free_places: int,
    free_from: datetime.date | None = None,
    expected_wait_days: int | None = None,
    capacity_note: str = "",
    version: int | None = None,
) -> TreatmentPlace:
    """Record the place's capacity now. Confirming unchanged figures is an update too: it
    tells the intake teams that the figures are fresh."""
    if not can_update_capacity(actor, place):
        raise PermissionDenied(_("Only the place itself or the intake team may update this."))
    current = TreatmentPlace.objects.select_for_update().get(pk=place.pk)
    check_version(current, version, field="capacity_version")
    if free_places and free_from and free_from < timezone.localdate():
        raise ValidationError({"free_from": _("The date cannot be in the past.")})
    if not free_places and free_from:
        raise ValidationError(
            {"free_from": _("Leave this empty when no place is free; give the expected wait.")}
        )
    current.free_places = free_places
    current.free_from = free_from if free_places else None
    current.expected_wait_days = expected_wait_days
    current.capacity_note = capacity_note.strip()
    current.capacity_updated_at = timezone.now()
    current.capacity_updated_by = actor.user
    current.capacity_version += 1
    current.save(
        update_fields=[
            *CAPACITY_FIELDS,
            "capacity_updated_at",
            "capacity_updated_by",
            "capacity_version",
        ]
    )
    CapacityReport.objects.create(
        place=current,
        reported_at=current.capacity_updated_at,
        reported_by=actor.user,
        free_places=free_places,
        expected_wait_days=expected_wait_days,
    )
    audit.record_by(
        actor,
        audit.Action.UPDATE,
        obj=current,
        detail=_("Capacity: %(free)s free places") % {"free": free_places},
    )
    return current
