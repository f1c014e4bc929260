"""Care team and consent: the only place unit access to a patient is granted or removed."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.acting import SYSTEM
from pathways import access
from pathways.dates import DateRules
from pathways.models import CareTeamMember, Consent
from pathways.patients.permissions import can_end_care_team_member, can_manage_care_team


@transaction.atomic
def care_team_add(*, patient, unit, role, basis, actor, consent=None, audit_basis=None):
    """Put a unit on the care team (or return its active membership) and grant access.

    ``audit_basis``: the basis the audit log names, when not the actor's care team (the patient
    giving consent at /min/)."""
    member = (
        CareTeamMember.objects.select_for_update()
        .filter(patient=patient, unit=unit, ended_at__isnull=True)
        .first()
    )
    if member is None:
        member = CareTeamMember.objects.create(
            patient=patient, unit=unit, role=role, basis=basis, consent=consent, added_by=actor.user
        )
        audit.record_by(
            actor,
            audit.Action.CREATE,
            patient=patient,
            obj=member,
            basis=audit_basis or _actor_basis(actor),
            detail=_("%(unit)s joined the care team") % {"unit": unit.name},
        )
    access.sync_unit_access(patient, unit)
    return member


def _actor_basis(actor) -> str:
    return audit.Basis.SYSTEM if actor.user is None else audit.Basis.CARE_TEAM


@transaction.atomic
def care_team_end(*, member, actor, reason: str, audit_basis=None) -> None:
    """Take a unit off the care team; its access ends at once. History is kept."""
    updated = CareTeamMember.objects.filter(pk=member.pk, ended_at__isnull=True).update(
        ended_at=timezone.now(), end_reason=reason[:200]
    )
    if updated:
        audit.record_by(
            actor,
            audit.Action.UPDATE,
            patient=member.patient_id,
            obj=member,
            basis=audit_basis or _actor_basis(actor),
            detail=_("%(unit)s left the care team: %(reason)s")
            % {"unit": member.unit.name, "reason": reason},
        )
    access.sync_unit_access(member.patient, member.unit)


@transaction.atomic
def care_team_leave(*, member, actor, reason: str) -> None:
    """End a unit's membership by hand; the last unit on the care team cannot leave."""
    if not can_manage_care_team(actor, member.patient):
        raise PermissionDenied
    # Lock the patient's active members, so two units cannot both leave as the last but one.
    list(
        CareTeamMember.objects.select_for_update()
        .filter(patient_id=member.patient_id, ended_at__isnull=True)
        .values_list("pk", flat=True)
    )
    if not can_end_care_team_member(actor, member):
        raise ValidationError(_("The last unit cannot leave the care team."))
    care_team_end(member=member, actor=actor, reason=reason)


# ``lasts_until`` of ``consent_in_force``: any consent in force, whatever its end.
ANY_END = object()


def consent_in_force(patient, scope, unit=None, *, lasts_until=ANY_END) -> Consent | None:
    """The patient's consent in force for ``scope`` and ``unit`` (None: no particular unit),
    the longest-lasting first; withdrawn and expired consents never count. ``lasts_until``:
    only one that lasts at least to that date (None: one without end)."""
    found = Consent.objects.in_force().filter(patient=patient, scope=scope, unit=unit)
    if lasts_until is None:
        found = found.filter(valid_until__isnull=True)
    elif lasts_until is not ANY_END:
        found = found.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=lasts_until))
    return found.order_by(F("valid_until").desc(nulls_first=True), "-given_on", "-pk").first()


@transaction.atomic
def consent_record(
    *,
    patient,
    actor,
    scope,
    given_on,
    units=(),
    valid_until=None,
    note="",
    role=CareTeamMember.Role.TREATING,
    audit_basis=None,
) -> list[Consent]:
    """Record consent; for sharing, each named unit joins the care team on that basis.

    A consent in force for the same purpose and unit that lasts as long is reused, not
    recorded a second time (``reused`` is set on it): the patient said yes once. A later end
    date is a renewal and is recorded. ``audit_basis`` as for ``care_team_add``.
    """
    DateRules().not_future("given_on", given_on).not_before(
        "valid_until", valid_until, given_on, _("Valid until cannot be before the date given.")
    ).check()
    targets = list(units) or [None]
    consents = []
    for unit in targets:
        consent = consent_in_force(patient, scope, unit, lasts_until=valid_until)
        if consent is not None:
            consent.reused = True
        else:
            consent = Consent.objects.create(
                patient=patient,
                unit=unit,
                scope=scope,
                given_on=given_on,
                valid_until=valid_until,
                note=note,
                recorded_by=actor.user,
            )
            consent.reused = False
            audit.record_by(
                actor,
                audit.Action.CREATE,
                patient=patient,
                obj=consent,
                basis=audit_basis or audit.Basis.CARE_TEAM,
            )
        if unit is not None and scope == Consent.Scope.SHARING:
            care_team_add(
                patient=patient,
                unit=unit,
                role=role,
                basis=CareTeamMember.Basis.CONSENT,
                actor=actor,
                consent=consent,
                audit_basis=audit_basis,
            )
        consents.append(consent)
    return consents


@transaction.atomic
def consent_withdraw(*, consent, actor, audit_basis=None) -> None:
    """Withdraw consent: units that are on the care team by this consent lose access at once.
    ``audit_basis`` as for ``care_team_add``."""
    updated = Consent.objects.filter(pk=consent.pk, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now(), withdrawn_by=actor.user
    )
    if not updated:
        return
    audit.record_by(
        actor,
        audit.Action.UPDATE,
        patient=consent.patient_id,
        obj=consent,
        basis=audit_basis or audit.Basis.CARE_TEAM,
        detail=_("Consent withdrawn"),
    )
    for member in (
        CareTeamMember.objects.active().filter(consent=consent).select_related("unit", "patient")
    ):
        care_team_end(
            member=member, actor=actor, reason=_("Consent withdrawn"), audit_basis=audit_basis
        )


@transaction.atomic
def consent_expire_due(now=None) -> int:
    """End care-team membership whose consent has run out (called by the sweep)."""
    today = timezone.localdate(now)
    members = (
        CareTeamMember.objects.active()
        .filter(basis=CareTeamMember.Basis.CONSENT, consent__valid_until__lt=today)
        .select_related("unit", "patient")
    )
    count = 0
    for member in members:
        care_team_end(member=member, actor=SYSTEM, reason=_("Consent expired"))
        count += 1
    return count
