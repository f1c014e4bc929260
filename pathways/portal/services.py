"""Opening /min/ for a patient or pårørende, their login, and what they write themselves."""

import uuid

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts import audit
from accounts.acting import Actor
from accounts.models import UserIdentity
from pathways.models import IndividualPlan, NextOfKin, Patient, PortalAccess
from pathways.models.portal import PART_FIELDS
from pathways.plan.services import (
    plan_agreement_by_patient,
    plan_self_rating_by_patient,
    plan_what_matters_by_patient,
)
from pathways.portal import closing
from pathways.portal import permissions as perms

KIND_FOR_ROLE = {
    PortalAccess.Role.PATIENT: UserIdentity.Kind.PATIENT,
    PortalAccess.Role.NEXT_OF_KIN: UserIdentity.Kind.NEXT_OF_KIN,
}


@transaction.atomic
def portal_access_open(
    *,
    actor: Actor,
    patient: Patient,
    reason: str,
    next_of_kin: NextOfKin | None = None,
    national_id: str = "",
    guardian_reason: str = "",
    parts=(),
    ends_on=None,
) -> PortalAccess:
    """Open /min/ for the patient, or (with ``next_of_kin``) for one of their pårørende with
    the ``parts`` the patient gave them (usually the patient gives them in /min/ themselves:
    ``pathways.portal.grants``).

    A patient with a guardian gets their own access only with ``guardian_reason`` (see
    ``permissions``)."""
    if not perms.can_open_portal_access(actor, patient):
        raise PermissionDenied
    if patient.age() < perms.MIN_AGE:
        raise ValidationError(str(perms.TOO_YOUNG))
    guardian_reason = guardian_reason.strip() if patient.guardian_name and not next_of_kin else ""
    if patient.guardian_name and not next_of_kin and not guardian_reason:
        raise ValidationError({"guardian_reason": str(perms.GUARDIAN_REASON_NEEDED)})
    if next_of_kin is not None and next_of_kin.patient_id != patient.pk:
        raise PermissionDenied
    role = PortalAccess.Role.NEXT_OF_KIN if next_of_kin else PortalAccess.Role.PATIENT
    found = PortalAccess.objects.open().filter(patient=patient, role=role)
    if next_of_kin is not None:
        found = found.filter(national_id=national_id)
    existing = found.first()
    if existing is not None:
        return existing
    portal_access = PortalAccess(
        patient=patient,
        role=role,
        next_of_kin=next_of_kin,
        national_id=national_id if next_of_kin else "",
        reason=reason,
        guardian_reason=guardian_reason,
        opened_by=actor.user,
        ends_on=ends_on if next_of_kin else None,
        **{field: bool(next_of_kin) and part in set(parts) for part, field in PART_FIELDS.items()},
    )
    portal_access.full_clean()
    portal_access.save()
    audit.record_by(
        actor,
        audit.Action.CREATE,
        patient=patient,
        obj=portal_access,
        detail=f"Min plan opened ({role}): {reason}"
        + (f" / verge: {guardian_reason}" if guardian_reason else ""),
    )
    return portal_access


@transaction.atomic
def guardian_record(*, actor: Actor, patient: Patient, name: str) -> Patient:
    """Record that the patient has a guardian (verge), with the guardian's name; an empty name
    records that they have none. A guardian recorded where there was none closes the patient's
    open access at once (``closing``): staff open it again with a reason."""
    if not perms.can_open_portal_access(actor, patient):
        raise PermissionDenied
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    name = " ".join(name.split())
    if patient.guardian_name == name:
        return patient
    newly_recorded = bool(name) and not patient.guardian_name
    patient.guardian_name = name
    patient.version += 1
    patient.save(update_fields=["guardian_name", "version"])
    audit.record_by(
        actor,
        audit.Action.UPDATE,
        patient=patient,
        obj=patient,
        detail="Verge registrert" if name else "Verge fjernet",
    )
    if newly_recorded:
        closing.close_for_guardian(actor=actor, patient=patient)
    return patient


def accesses_for_national_id(pid: str) -> list[PortalAccess]:
    """The doors in force that a login with this national id opens: the patient's own first,
    then those as pårørende, oldest first (the person chooses among them: ``chooser``)."""
    if not pid:
        return []
    found = (
        PortalAccess.objects.in_force()
        .filter(
            Q(role=PortalAccess.Role.PATIENT, patient__national_id=pid)
            | Q(role=PortalAccess.Role.NEXT_OF_KIN, national_id=pid)
        )
        .select_related("patient")
        .order_by("opened_at", "id")
    )
    return sorted(found, key=lambda access: not access.is_patient)


def access_for_national_id(pid: str) -> PortalAccess | None:
    """The door a login with this national id opens first."""
    found = accesses_for_national_id(pid)
    return found[0] if found else None


@transaction.atomic
def portal_login(*, portal_access: PortalAccess, level: str, method: str):
    """The person behind ``portal_access`` has logged in: their account (made the first time)."""
    portal_access = (
        # Only the access row is locked (the next of kin is an outer join).
        PortalAccess.objects.select_for_update(of=("self",))
        .select_related("patient", "next_of_kin")
        .get(pk=portal_access.pk)
    )
    user = portal_access.user
    if user is None:
        # The name shows in the staff view of the access log beside "the patient themselves".
        if portal_access.role == PortalAccess.Role.PATIENT:
            names = {
                "first_name": portal_access.patient.first_name,
                "last_name": portal_access.patient.last_name,
            }
        else:
            names = {"first_name": portal_access.next_of_kin.name[:150]}
        user = get_user_model().objects.create_user(f"min-{uuid.uuid4().hex[:20]}", **names)
        user.set_unusable_password()
        user.save(update_fields=["password"])
        UserIdentity.objects.create(user=user, kind=KIND_FOR_ROLE[portal_access.role])
        portal_access.user = user
        portal_access.save(update_fields=["user"])
    audit.record(
        user=user,
        unit=None,
        action=audit.Action.LOGIN,
        patient=portal_access.patient_id,
        basis=audit.Basis.PATIENT
        if portal_access.role == PortalAccess.Role.PATIENT
        else audit.Basis.NEXT_OF_KIN,
        detail=f"Min plan: {method}, {level}"[:500],
    )
    return user


def what_matters_save(
    *, portal_access: PortalAccess, actor: Actor, plan: IndividualPlan, text: str, base_version
) -> IndividualPlan:
    """The patient (never a pårørende) writes "Hva er viktig for deg?" in their open plan."""
    if portal_access.role != PortalAccess.Role.PATIENT or plan.patient_id != (
        portal_access.patient_id
    ):
        raise PermissionDenied
    return plan_what_matters_by_patient(
        plan=plan, actor=actor, text=text, base_version=base_version
    )


def self_rating_save(
    *, portal_access: PortalAccess, actor: Actor, plan: IndividualPlan, scores: dict[str, int]
):
    """The patient (never a pårørende) rates life areas in their open plan."""
    if portal_access.role != PortalAccess.Role.PATIENT or plan.patient_id != (
        portal_access.patient_id
    ):
        raise PermissionDenied
    return plan_self_rating_by_patient(plan=plan, actor=actor, scores=scores)


def agreement_save(
    *,
    portal_access: PortalAccess,
    actor: Actor,
    plan: IndividualPlan,
    answer: str,
    comment: str,
    level: str,
    base_version,
):
    """The patient (never a pårørende) agrees to the plan they read, or comments on it."""
    if portal_access.role != PortalAccess.Role.PATIENT or plan.patient_id != (
        portal_access.patient_id
    ):
        raise PermissionDenied
    return plan_agreement_by_patient(
        plan=plan,
        actor=actor,
        answer=answer,
        comment=comment.strip(),
        level=level,
        base_version=base_version,
    )


@transaction.atomic
def portal_access_end(*, actor: Actor, portal_access: PortalAccess, reason: str) -> PortalAccess:
    """End a door into /min/ at once: the person's next request logs them out."""
    portal_access = PortalAccess.objects.select_for_update().get(pk=portal_access.pk)
    if not perms.can_open_portal_access(actor, portal_access.patient):
        raise PermissionDenied
    if portal_access.ended_at is None:
        portal_access.ended_at = timezone.now()
        portal_access.end_reason = reason[:500]
        portal_access.save(update_fields=["ended_at", "end_reason"])
        audit.record_by(
            actor,
            audit.Action.UPDATE,
            patient=portal_access.patient_id,
            obj=portal_access,
            detail=f"Min plan closed ({portal_access.role}): {reason}",
        )
    return portal_access
