"""The patient's own consents at /min/samtykker/: read, withdraw, give.

The rules live in the care-team services (``pathways.patients.services.careteam``): a withdrawn
consent takes its unit off the care team at once, a consent for sharing puts it on. Here only
who may do it (the patient, never a pårørende) and what the audit log names as the basis
(the patient themselves).
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import ServiceUnit
from pathways.models import CareTeamMember, Consent, PortalAccess
from pathways.patients.services.careteam import consent_record, consent_withdraw


def _require_patient(portal_access: PortalAccess) -> None:
    if portal_access.role != PortalAccess.Role.PATIENT:
        raise PermissionDenied


def consents_of(patient) -> list[Consent]:
    """Every consent of the patient with its unit (one query)."""
    return list(
        Consent.objects.filter(patient=patient)
        .select_related("unit__organisation")
        # Those not withdrawn first, then the withdrawn ones, newest first in each.
        .order_by(F("withdrawn_at").desc(nulls_first=True), "-given_on", "-id")
    )


def expires_soon(consent: Consent, today: datetime.date | None = None) -> bool:
    """In force and running out within the days the team is reminded (as the team sees it)."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.REMINDER_CONSENT_EXPIRY_DAYS)
    return (
        consent.is_in_force and consent.valid_until is not None and consent.valid_until <= horizon
    )


def units_to_consent_to(patient):
    """Units the patient may give consent to: those on the care team now, and those that
    were (their access ended when a consent was withdrawn or ran out, and they may ask again).
    One query."""
    return (
        ServiceUnit.objects.filter(care_teams__patient=patient)
        .select_related("organisation")
        .distinct()
        .order_by("name")
    )


@transaction.atomic
def consent_withdraw_by_patient(*, portal_access: PortalAccess, actor, consent: Consent) -> None:
    """The patient withdraws one of their consents; it takes effect at once."""
    _require_patient(portal_access)
    if consent.patient_id != portal_access.patient_id:
        raise PermissionDenied
    if not consent.is_in_force:
        raise ValidationError(_("This consent is no longer in force."))
    consent_withdraw(consent=consent, actor=actor, audit_basis=audit.Basis.PATIENT)


@transaction.atomic
def consent_give_by_patient(
    *,
    portal_access: PortalAccess,
    actor,
    unit: ServiceUnit,
    scope: str,
    valid_until: datetime.date | None,
) -> Consent:
    """The patient gives consent to a unit they know (see ``units_to_consent_to``), from today.

    Consent to sharing puts the unit back on the care team in the role it had before (a unit
    kept informed stays read-only)."""
    _require_patient(portal_access)
    patient = portal_access.patient
    if not units_to_consent_to(patient).filter(pk=unit.pk).exists():
        raise PermissionDenied
    before = (
        CareTeamMember.objects.filter(patient=patient, unit=unit)
        .order_by("-started_at", "-id")
        .values_list("role", flat=True)
        .first()
    )
    [consent] = consent_record(
        patient=patient,
        actor=actor,
        scope=scope,
        given_on=timezone.localdate(),
        units=[unit],
        valid_until=valid_until,
        note=_("Given by the patient in Min plan"),
        role=before or CareTeamMember.Role.TREATING,
        audit_basis=audit.Basis.PATIENT,
    )
    return consent
