"""The patient gives a pårørende access to chosen parts of /min/ (§3), and withdraws it.

A grant is a ``PortalAccess`` with the role next_of_kin: the person from the patient's
register, their national id (the ID-porten login finds them by it), the parts given and the
last day. A grant is never changed: to give other parts the patient withdraws it and gives
a new one, so the log shows exactly what was given when, and two open tabs cannot overwrite
each other. Withdrawing ends it at once: the pårørende's next request logs them out.
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.acting import Actor
from pathways.models import NextOfKin, PortalAccess
from pathways.models.portal import PART_FIELDS


def _require_patient(portal_access: PortalAccess) -> None:
    if not portal_access.is_patient or not portal_access.is_in_force:
        raise PermissionDenied


def grants_for(patient) -> list[PortalAccess]:
    """The patient's grants to pårørende, newest first, with the person (one query)."""
    return list(
        PortalAccess.objects.filter(patient=patient, role=PortalAccess.Role.NEXT_OF_KIN)
        .select_related("next_of_kin")
        .order_by("-opened_at", "-id")
    )


def _earlier_account(national_id: str):
    """The login account the same person used before: a pårørende keeps one account."""
    return (
        PortalAccess.objects.filter(
            role=PortalAccess.Role.NEXT_OF_KIN, national_id=national_id, user__isnull=False
        )
        .order_by("-opened_at", "-id")
        .values_list("user", flat=True)
        .first()
    )


@transaction.atomic
def next_of_kin_grant(
    *,
    portal_access: PortalAccess,
    actor: Actor,
    next_of_kin: NextOfKin,
    national_id: str,
    parts: Iterable[str],
    ends_on: datetime.date,
) -> PortalAccess:
    """The patient gives ``next_of_kin`` (known by ``national_id``) ``parts`` until ``ends_on``."""
    _require_patient(portal_access)
    patient = portal_access.patient
    if next_of_kin.patient_id != patient.pk:
        raise PermissionDenied
    # The patient's own door, locked: two grants given at once are decided one after the other.
    PortalAccess.objects.select_for_update().get(pk=portal_access.pk)
    parts = set(parts)
    errors = {}
    if not parts or not parts <= set(PortalAccess.Part.values):
        errors["parts"] = _("Choose what the person may see.")
    if ends_on is None or ends_on < timezone.localdate():
        errors["ends_on"] = _("Choose a last day that is today or later.")
    if national_id == patient.national_id:
        errors["national_id"] = _("This is your own national id. Enter the person's.")
    if errors:
        raise ValidationError(errors)
    grants = PortalAccess.objects.open().filter(patient=patient, role=PortalAccess.Role.NEXT_OF_KIN)
    # A grant past its last day lets no one in; closing it makes room for a new one.
    grants.filter(ends_on__lt=timezone.localdate()).update(ended_at=timezone.now())
    if (
        grants.filter(next_of_kin=next_of_kin).exists()
        or grants.filter(national_id=national_id).exists()
    ):
        raise ValidationError(
            {
                "next_of_kin": _(
                    "%(name)s already has access. Withdraw it first to give other parts."
                )
                % {"name": next_of_kin.name}
            }
        )
    grant = PortalAccess(
        patient=patient,
        role=PortalAccess.Role.NEXT_OF_KIN,
        next_of_kin=next_of_kin,
        national_id=national_id,
        user_id=_earlier_account(national_id),
        reason=_("Given by the patient in Min plan"),
        opened_by=actor.user,
        ends_on=ends_on,
        **{field: part in parts for part, field in PART_FIELDS.items()},
    )
    grant.full_clean()
    grant.save()
    audit.record(
        user=actor.user,
        unit=None,
        action=audit.Action.CREATE,
        patient=patient,
        obj=grant,
        basis=audit.Basis.PATIENT,
        detail=_("Access given to %(name)s: %(parts)s, until %(date)s")
        % {
            "name": next_of_kin.name,
            "parts": ", ".join(grant.part_labels()),
            "date": ends_on.strftime("%d.%m.%Y"),
        },
    )
    return grant


@transaction.atomic
def next_of_kin_withdraw(*, portal_access: PortalAccess, actor: Actor, grant_id: int) -> bool:
    """The patient withdraws a grant; False when it had already ended."""
    _require_patient(portal_access)
    grant = (
        PortalAccess.objects.filter(
            pk=grant_id, patient_id=portal_access.patient_id, role=PortalAccess.Role.NEXT_OF_KIN
        )
        .select_related("next_of_kin")
        .first()
    )
    if grant is None:
        raise ValidationError(_("This access does not exist."))
    ended = PortalAccess.objects.filter(pk=grant.pk, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )
    if ended:
        audit.record(
            user=actor.user,
            unit=None,
            action=audit.Action.UPDATE,
            patient=portal_access.patient_id,
            obj=grant,
            basis=audit.Basis.PATIENT,
            detail=_("Access withdrawn from %(name)s") % {"name": grant.next_of_kin.name},
        )
    return bool(ended)
